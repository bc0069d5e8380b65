"""Why: the API's verbs in one place, shared by the REST front (``http``) and the in-cluster
actor interface (``server``): what a create, replace, patch or watch means does not depend on
how the request arrived.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import NAMESPACES
from kube_actors.api.selectors import field_selector, label_selector
from kube_actors.components.apiserver import patching
from kube_actors.components.apiserver.deleting import DeleteOptions
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore
from kube_actors.components.apiserver.routes import Target
from kube_actors.components.apiserver.subresources import initial_status, scale_of, shape_for
from kube_actors.components.apiserver.watching import WatchOpener

Matcher = Callable[[JsonObject], bool]
PATCHES: dict[str, Callable[[Any, Any], Any]] = {
    "application/merge-patch+json": patching.merge_patch,
    "application/strategic-merge-patch+json": patching.strategic_merge_patch,
    "application/json-patch+json": patching.json_patch,
}


def selection(target: Target, labels: str = "", fields: str = "") -> Matcher:
    """Objects matching both selectors (either may be empty)."""
    checks = []
    if labels:
        checks.append(label_selector(labels))
    if fields:
        checks.append(field_selector(fields, target.resource.kind))
    return lambda obj: all(check(obj) for check in checks)


class Verbs:
    def __init__(self, objects: ObjectStore, open_watch: WatchOpener) -> None:
        self.objects = objects
        self.open_watch = open_watch

    async def get(self, target: Target) -> JsonObject:
        obj = await self.objects.get(target.resource, target.namespace, target.name)
        return scale_of(obj) if target.subresource == "scale" else obj

    async def list_objects(self, target: Target, match: Matcher, exact_version: str = "") -> JsonObject:
        items, version = await self.objects.list(target.resource, target.namespace, exact_version)
        return {
            "kind": f"{target.resource.kind}List",
            "apiVersion": target.resource.group_version,
            "metadata": {"resourceVersion": version},
            "items": [item for item in items if match(item)],
        }

    async def create(self, target: Target, body: JsonObject) -> JsonObject:
        _check_kind(body, target)
        given = body.get("metadata", {}).get("namespace", "")
        if target.namespace and given and given != target.namespace:
            raise status.BadRequest("the namespace of the object does not match the namespace in the URL")
        namespace = target.namespace or given
        if target.resource.namespaced and not namespace:
            raise status.BadRequest("a namespace is required to create a namespaced object")
        if target.resource.namespaced:
            await self._check_namespace_accepts(namespace)
        if "status" in target.resource.subresources:
            body["status"] = initial_status(target.resource.kind)  # status is the server's to set
        return await self.objects.create(target.resource, namespace, body)

    async def _check_namespace_accepts(self, namespace: str) -> None:
        """Namespace lifecycle: nothing is created in a missing or terminating namespace."""
        try:
            found = await self.objects.get(NAMESPACES, "", namespace)
        except status.ApiError as missing:
            raise status.not_found("namespaces", namespace) from missing
        if found.get("metadata", {}).get("deletionTimestamp"):
            raise status.Forbidden(
                f"unable to create new content in namespace {namespace} because it is being terminated"
            )

    async def replace(self, target: Target, body: JsonObject) -> JsonObject:
        if not target.subresource:
            _check_kind(body, target)
        shape = shape_for(target.resource, target.subresource)
        updated = await self.objects.update(target.resource, target.namespace, target.name, body, shape)
        return scale_of(updated) if target.subresource == "scale" else updated

    async def patch(self, target: Target, patch_type: str, patch: Any) -> JsonObject:
        apply = PATCHES.get(patch_type)
        if apply is None:
            raise status.UnsupportedMediaType(
                f"the patch content type {patch_type!r} is not supported: use one of {', '.join(PATCHES)}"
            )
        current = await self.get(target)
        patched = apply(current, patch)
        if not isinstance(patched, dict):
            raise status.BadRequest("the patch did not produce an object")
        # The patch was made against this version: a concurrent write makes it a 409.
        patched.setdefault("metadata", {})["resourceVersion"] = current["metadata"]["resourceVersion"]
        return await self.replace(target, patched)

    async def delete(self, target: Target, options: DeleteOptions | None = None) -> JsonObject:
        return await self.objects.delete(target.resource, target.namespace, target.name, options)

    async def delete_collection(self, target: Target, match: Matcher, options: DeleteOptions) -> JsonObject:
        """Delete every matching object; answers the list of what was deleted or marked."""
        listed = await self.list_objects(target, match)
        deleted = []
        for item in listed["items"]:
            one = Target(target.resource, item["metadata"].get("namespace", ""), item["metadata"]["name"])
            try:
                deleted.append(await self.delete(one, options))
            except status.ApiError as error:
                if error.code != 404:  # gone meanwhile is fine
                    raise
        return {**listed, "items": deleted}

    async def watch(
        self, target: Target, resource_version: str, match: Matcher
    ) -> AsyncGenerator[list[JsonObject], None]:
        """Batches of watch events for matching objects; an ERROR event (410 Expired) ends it."""
        batches = await self.open_watch(target.resource, target.namespace, resource_version)

        async def matching() -> AsyncGenerator[list[JsonObject], None]:
            try:
                async for batch in batches:
                    kept = [e for e in batch if e["type"] == "ERROR" or match(e["object"])]
                    if kept:
                        yield kept
            finally:
                await batches.aclose()

        return matching()


def _check_kind(body: JsonObject, target: Target) -> None:
    resource = target.resource
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind is not None and kind != resource.kind:
        raise status.BadRequest(f"the body is a {kind}, but this URL serves {resource.kind}")
    if api_version is not None and api_version != resource.group_version:
        raise status.BadRequest(
            f"the body has apiVersion {api_version}, but this URL serves {resource.group_version}"
        )
