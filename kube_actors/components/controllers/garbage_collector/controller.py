"""Why: the garbage collector as an actor: it watches every type that can own or be owned
(built-in types, and custom ones as their definitions appear), keeps the ownership graph
(``graph.py``) current, and carries out what ``deciding.py`` decides for each object queued,
one at a time. Keys in its queue are object uids, since ownerReferences name owners by uid.
"""

from __future__ import annotations

import contextlib

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.garbage_collector.deciding import Delete, Patch, decide
from kube_actors.components.controllers.garbage_collector.graph import Identity, OwnershipGraph
from kube_actors.components.controllers.garbage_collector.kinds import (
    DEFINITIONS,
    KnownKinds,
    collected_builtin_types,
    custom_types,
    qualified_name,
)
from kube_actors.components.controllers.garbage_collector.ownership import OwnerLink
from kube_actors.components.informing import DELETED, Change, Informer
from kube_actors.runtime import ActorRef


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.graph = OwnershipGraph()
        self.kinds = KnownKinds()
        self._watched_types: set[str] = set()

    async def on_start(self) -> None:
        for resource in collected_builtin_types():
            await self._watch(resource)

    async def _watch(self, resource: ResourceType) -> None:
        name = qualified_name(resource)
        if name not in self._watched_types:
            self._watched_types.add(name)
            await self.inform(name)

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        graph = self.graph
        for change in changes:
            if change.type == DELETED:
                work = graph.forget(change.object["metadata"]["uid"])
            else:
                work = graph.observe(informer.resource, change.object)
            for uid in work:
                self.enqueue(uid)
        if informer.resource == DEFINITIONS:
            for change in changes:
                types = custom_types(change.object) if change.type != DELETED else []
                if types:
                    self.kinds.learn(types)
                    await self._watch(types[0])

    async def reconcile(self, key: str) -> float | None:
        decision = decide(self.graph, key)
        if decision.verify:
            node = self.graph.nodes[key]
            for link in decision.verify:
                exists = await self._owner_exists(link, node.identity.namespace)
                self.graph.record_verified(link.uid, exists)
            decision = decide(self.graph, key)
        if (
            any(action.identity.uid == key for action in decision.actions)
            and not self.graph.nodes[key].deleting
        ):
            # Act on the object as it is now, not as its watch last showed it (as Kubernetes
            # does): its ownerReferences may have changed since.
            await self._refresh(self.graph.nodes[key].identity)
            decision = decide(self.graph, key)
        for action in decision.actions:
            if isinstance(action, Delete):
                await self._delete(action)
            elif isinstance(action, Patch):
                await self._patch(action)
        for uid in decision.recheck:
            self.enqueue(uid)
        return None

    async def _refresh(self, identity: Identity) -> None:
        try:
            latest = await self.api.ask(m.GetObject(identity.resource, identity.namespace, identity.name))
        except status.NotFound:
            latest = None
        if latest is None or latest["metadata"].get("uid") != identity.uid:
            work = self.graph.forget(identity.uid)
        else:
            work = self.graph.observe(identity.resource, latest)
        for uid in work:
            if uid != identity.uid:
                self.enqueue(uid)

    async def _owner_exists(self, link: OwnerLink, namespace: str) -> bool:
        resource = self.kinds.resolve(link.api_version, link.kind)
        if resource is None:
            # A type we cannot name: keep the dependent rather than delete it on a guess.
            self.log.warning("gc_unknown_owner_kind", api_version=link.api_version, kind=link.kind)
            return True
        try:
            owner = await self.api.ask(
                m.GetObject(qualified_name(resource), namespace if resource.namespaced else "", link.name)
            )
        except status.NotFound:
            return False
        return bool(owner["metadata"].get("uid") == link.uid)

    async def _delete(self, action: Delete) -> None:
        target = action.identity
        self.log.info("gc_delete", **_fields(target), propagation=action.propagation)
        delete = m.DeleteObject(
            target.resource, target.namespace, target.name, propagation=action.propagation, uid=target.uid
        )
        with contextlib.suppress(status.NotFound):  # gone already (a 409: the name has a new object)
            await self.api.ask(delete)

    async def _patch(self, action: Patch) -> None:
        target = action.identity
        self.log.info("gc_patch", **_fields(target))
        with contextlib.suppress(status.NotFound):
            await self.api.ask(
                m.PatchObject(target.resource, target.namespace, target.name, action.operations, JSON_PATCH)
            )


def _fields(identity: Identity) -> dict[str, str]:
    return {"resource": identity.resource, "namespace": identity.namespace, "object": identity.name}
