"""Why: the namespace controller as an actor. It watches namespaces; for one being deleted it
lists what is left in it, type by type (the built-in namespaced types and the custom ones
defined now, as Kubernetes finds them through discovery on every pass), deletes it in the
background, writes the status conditions ``cleanup.py`` plans, and removes the ``kubernetes``
finalizer once the namespace is empty, which lets the apiserver delete it.
"""

from __future__ import annotations

import contextlib

from kube_actors.api import status
from kube_actors.api.resources import BUILTIN, ResourceType
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.garbage_collector.kinds import (
    DEFINITIONS,
    custom_types,
    qualified_name,
)
from kube_actors.components.controllers.namespaces.cleanup import CleanupPlan, plan_cleanup
from kube_actors.components.informing import DELETED, Change, Informer, JsonObject, split_key
from kube_actors.runtime import ActorRef


class NamespaceController(Controller):
    name = "namespace"

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.namespaces: Informer
        self._passes: dict[str, int] = {}  # passes that found content remaining, per namespace

    async def on_start(self) -> None:
        self.namespaces = await self.inform("namespaces")

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        for change in changes:
            if change.type == DELETED:
                self._passes.pop(change.object["metadata"]["name"], None)
            elif change.object["metadata"].get("deletionTimestamp"):
                self.enqueue(change.object)

    async def reconcile(self, key: str) -> float | None:
        _, name = split_key(key)
        namespace = self.namespaces.get("", name)
        if namespace is None:
            return None
        types = await self._namespaced_types()
        plan = await self._plan(namespace, types)
        if plan.delete:
            for resource, object_name in plan.delete:
                with contextlib.suppress(status.NotFound):
                    await self.api.ask(m.DeleteObject(resource, name, object_name, propagation="Background"))
            self.log.info("namespace_content_deleted", namespace=name, objects=len(plan.delete))
            plan = await self._plan(namespace, types)  # what is left once this pass's deletions took
        if plan.conditions is not None:
            patch = {"status": {"conditions": plan.conditions}}
            namespace = await self.api.ask(m.PatchObject("namespaces", "", name, patch, subresource="status"))
        if plan.finalize is not None:
            await self.api.ask(m.PatchObject("namespaces", "", name, plan.finalize, JSON_PATCH, "finalize"))
            self.log.info("namespace_finalized", namespace=name)
            return None
        if plan.look_again_after is not None:
            self._passes[name] = self._passes.get(name, 0) + 1
        return plan.look_again_after

    async def _plan(self, namespace: JsonObject, types: list[str]) -> CleanupPlan:
        name = namespace["metadata"]["name"]
        contents: dict[str, list[JsonObject]] = {}
        failures: dict[str, str] = {}
        for resource in types:
            try:
                listed = await self.api.ask(m.ListObjects(resource, name))
            except status.NotFound:
                continue  # a custom type whose definition went meanwhile
            except status.ApiError as error:
                failures[resource] = str(error)
                continue
            contents[resource] = listed["items"]
        return plan_cleanup(
            namespace, contents, self.clock.now(), failures=failures, passes=self._passes.get(name, 0)
        )

    async def _namespaced_types(self) -> list[str]:
        types: list[ResourceType] = [r for r in BUILTIN if r.namespaced]
        definitions = await self.api.ask(m.ListObjects(DEFINITIONS))
        for definition in definitions["items"]:
            served = custom_types(definition)
            if served and served[0].namespaced:
                types.append(served[0])
        return [qualified_name(r) for r in types]
