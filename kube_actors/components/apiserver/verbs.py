"""Why: the API's verbs in one place, shared by the REST front (``http``) and the in-cluster
actor interface (``server``): what a create, replace, patch or watch means does not depend on
how the request arrived.

Custom resources go through the same verbs, checked against their definition's schema on the
way in (``crds.admission``); a write of a definition changes what is served (``crds.serving``)
before it is answered. Writes take ``WriteOptions``: the request's ``fieldValidation``, its
``fieldManager`` (who owns which fields: ``field_managers``, which also does server-side apply),
and where warnings for the client go. An update, a patch included, reads the stored object
once, inside ``ObjectStore.update``: the patch is applied there as the first step of its shape.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

from kube_actors.api import selectors, status
from kube_actors.api.admission import NamespacePhase, default_chain
from kube_actors.api.identities import new_uid
from kube_actors.api.resources import CUSTOM_RESOURCE_DEFINITIONS, NAMESPACES
from kube_actors.api.selectors import Selection
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver import field_managers, patching
from kube_actors.components.apiserver.admitting import BuiltinAdmission
from kube_actors.components.apiserver.crds.admission import (
    WriteOptions,
    admit,
    admitting,
    admitting_definition,
    refuse_strategic_merge,
)
from kube_actors.components.apiserver.crds.definitions import CustomVersion, admitted
from kube_actors.components.apiserver.crds.serving import CustomResources
from kube_actors.components.apiserver.deleting import DeleteOptions
from kube_actors.components.apiserver.field_managers import Writer
from kube_actors.components.apiserver.messages import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE
from kube_actors.components.apiserver.namespaces import ActiveNamespaces
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore, Shape, decode
from kube_actors.components.apiserver.pod_actions import bound, evict
from kube_actors.components.apiserver.routes import Target, check_kind
from kube_actors.components.apiserver.subresources import (
    WORKLOADS,
    ScalePaths,
    initial_status,
    scale_of,
    shape_for,
)
from kube_actors.components.apiserver.watching import WatchOpener

Matcher = Callable[[JsonObject], bool]
PATCHES: dict[str, Callable[[Any, Any], Any]] = {
    MERGE_PATCH: patching.merge_patch,
    STRATEGIC_MERGE: patching.strategic_merge_patch,
    JSON_PATCH: patching.json_patch,
}
CRDS = CUSTOM_RESOURCE_DEFINITIONS
PATCH_ATTEMPTS = 100  # each round of a race lets one writer through, as etcd's GuaranteedUpdate loop
# Who changes a tracked object when the request names no field manager: the in-cluster components.
IN_CLUSTER_MANAGER = "kube-actors"


def selection(target: Target, labels: str = "", fields: str = "") -> Selection:
    """Objects matching both selectors (either may be empty)."""
    # A custom kind has only the common fields, whatever built-in kind it shares a name with.
    return selectors.selection(labels, fields, "" if target.resource.definition else target.resource.kind)


class Verbs:
    def __init__(
        self,
        objects: ObjectStore,
        open_watch: WatchOpener,
        custom: CustomResources,
        admission: BuiltinAdmission | None = None,
    ) -> None:
        self.objects = objects
        self.open_watch = open_watch
        self.custom = custom
        self.active_namespaces = ActiveNamespaces(objects.clock)  # the apiserver starts it
        self.admission = admission or BuiltinAdmission(default_chain())
        self.table = custom.table

    def _custom(self, target: Target) -> CustomVersion | None:
        """The served version of a custom resource (None for built-in types); 404 if its
        definition went away since the request was routed."""
        if not target.resource.definition:
            return None
        version = self.custom.version_of(target.resource)
        if version is None:
            raise status.NotFound(
                f"the server could not find the requested resource ({target.resource.plural})"
            )
        return version

    def _scale(self, target: Target) -> ScalePaths:
        version = self._custom(target)
        return version.scale if version is not None and version.scale is not None else WORKLOADS

    async def get(self, target: Target) -> JsonObject:
        obj = await self.objects.get(target.resource, target.namespace, target.name)
        return scale_of(obj, self._scale(target)) if target.subresource == "scale" else obj

    async def list_objects(
        self, target: Target, match: Matcher, exact_version: str = "", *, any_version: bool = False
    ) -> JsonObject:
        envelope, items = await self.list_lazily(target, match, exact_version, any_version=any_version)
        return {**envelope, "items": list(items)}

    async def list_lazily(
        self, target: Target, match: Matcher, exact_version: str = "", *, any_version: bool = False
    ) -> tuple[JsonObject, Iterator[JsonObject]]:
        """A list's envelope and its items decoded one at a time, so a list of 150,000 pods
        never holds them all decoded at once. ``any_version`` (``resourceVersion=0``): any
        recent version will do, so the watch cache serves it when it knows every object."""
        cached = self.objects.list_cached(target.resource, target.namespace) if any_version else None
        if cached is not None:
            items, version = cached
            return _list_envelope(target, version), (item for item in items if match(item))
        stored, version = await self.objects.list_stored(target.resource, target.namespace, exact_version)
        decoded = (decode(kv, target.resource) for kv in stored)
        return _list_envelope(target, version), (item for item in decoded if match(item))

    async def create(self, target: Target, body: JsonObject, write: WriteOptions | None = None) -> JsonObject:
        return await self._create(target, body, write, track=True)

    async def _create(
        self, target: Target, body: JsonObject, write: WriteOptions | None, *, track: bool
    ) -> JsonObject:
        """``track``: record the creator in ``managedFields`` (an apply has already)."""
        check_kind(body, target)
        given = body.get("metadata", {}).get("namespace", "")
        if target.namespace and given and given != target.namespace:
            raise status.BadRequest("the namespace of the object does not match the namespace in the URL")
        namespace = target.namespace or given
        if target.resource.namespaced and not namespace:
            raise status.BadRequest("a namespace is required to create a namespaced object")
        phase = await self._namespace_phase(namespace) if target.resource.namespaced else None
        uid = new_uid()
        custom = self._custom(target)
        if custom is not None:
            name = str(body.get("metadata", {}).get("name", ""))
            self.admission.check_namespace(target, namespace, name, phase)  # the schema checks the rest
            if "status" in target.resource.subresources:
                body.pop("status", None)  # written through /status only
            body = admit(custom, body, write)
        else:
            if "status" in target.resource.subresources:
                body["status"] = initial_status(target.resource.kind, body.get("status"))
            body = self.admission.creating(target, namespace, body, uid, phase, write)
        if target.resource is CRDS:
            body = admitted(body, None, timestamp(self.objects.clock.now()))
        if track:
            self._record_create(target, body, write)
        created = await self.objects.create(target.resource, namespace, body, uid=uid)
        if target.resource is CRDS:
            self.custom.observe(created)  # served before the client hears back
        return created

    async def _namespace_phase(self, namespace: str) -> NamespacePhase:
        """What namespace lifecycle admission needs to know of a write's namespace."""
        if namespace in self.active_namespaces:
            return "Active"
        try:
            found = await self.objects.get(NAMESPACES, "", namespace)
        except status.ApiError as missing:
            if missing.code == 404:
                return "Missing"
            raise
        return "Terminating" if found.get("metadata", {}).get("deletionTimestamp") else "Active"

    async def replace(
        self, target: Target, body: JsonObject, write: WriteOptions | None = None
    ) -> JsonObject:
        return await self._replace(target, body, write, track=True)

    async def _replace(
        self,
        target: Target,
        body: JsonObject,
        write: WriteOptions | None,
        *,
        track: bool,
        patching: Shape | None = None,
    ) -> JsonObject:
        """``track``: move the fields this write changes to its manager (an apply has already).
        ``patching``: make the body from the stored object (a patch) instead of ``body``."""
        if not target.subresource:
            check_kind(body, target)
        custom, scale = self._custom(target), self._scale(target)
        shape = _after(patching, shape_for(target.resource, target.subresource, scale))
        if custom is not None:
            shape = admitting(custom, shape, write)
        else:
            shape = self.admission.updating(target, shape, write)
        if target.resource is CRDS and not target.subresource:
            shape = admitting_definition(shape, timestamp(self.objects.clock.now()))
        if track:
            shape = self._tracking(target, shape, write)
        updated = await self.objects.update(target.resource, target.namespace, target.name, body, shape)
        if target.resource is CRDS:
            self.custom.observe(updated)
        return scale_of(updated, scale) if target.subresource == "scale" else updated

    async def patch(
        self,
        target: Target,
        patch_type: str,
        patch: Any,
        write: WriteOptions | None = None,
    ) -> JsonObject:
        custom = self._custom(target)
        if custom is not None and patch_type == STRATEGIC_MERGE:
            raise refuse_strategic_merge(custom)
        if patch_type == APPLY_PATCH:
            applied, _ = await self.apply(target, patch, write or WriteOptions())
            return applied
        apply = PATCHES.get(patch_type)
        if apply is None:
            raise status.UnsupportedMediaType(
                f"the patch content type {patch_type!r} is not supported: "
                f"use one of {', '.join((*PATCHES, APPLY_PATCH))}"
            )
        scale, named_version = self._scale(target), False

        def patching(stored: JsonObject, _: JsonObject) -> JsonObject:
            """The patch applied to the stored object, read once for the whole update."""
            nonlocal named_version
            current = scale_of(stored, scale) if target.subresource == "scale" else stored
            patched = apply(current, patch)
            if not isinstance(patched, dict):
                raise status.BadRequest("the patch did not produce an object")
            if not target.subresource:
                check_kind(patched, target)
            # A patch that names a resourceVersion makes it a precondition (409 if it moved on);
            # one that does not is applied again to a newer version if it loses a race, as
            # Kubernetes retries a patch.
            metadata, version = patched.setdefault("metadata", {}), stored["metadata"]["resourceVersion"]
            if metadata.get("resourceVersion") not in (None, version):
                named_version = True
                raise status.conflict(target.resource.plural, target.name, target.resource.group)
            metadata["resourceVersion"] = version
            return patched

        for attempt in range(PATCH_ATTEMPTS):
            try:
                return await self._replace(target, {}, write, track=True, patching=patching)
            except status.ApiError as error:
                if error.code != 409 or named_version or attempt == PATCH_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def apply(self, target: Target, config: Any, write: WriteOptions) -> tuple[JsonObject, bool]:
        """Server-side apply: ``config`` is the manager's whole intent for the object, merged
        into what is stored (created if nothing is: then True, and HTTP answers 201); a lost
        race is applied again."""
        field_managers.check_applied(config, target, write)
        writer = self._writer(target, write.field_manager)
        for attempt in range(PATCH_ATTEMPTS):
            try:
                current: JsonObject | None = await self.get(target)
            except status.ApiError as error:
                if error.code != 404:
                    raise
                current = None
            applied = field_managers.apply(current, config, writer, force=write.force)
            try:
                if current is None:
                    applied["metadata"]["name"] = target.name
                    return await self._create(target, applied, write, track=False), True
                applied["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                return await self._replace(target, applied, write, track=False), False
            except status.ApiError as error:
                if error.code != 409 or attempt == PATCH_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _writer(self, target: Target, manager: str) -> Writer:
        now = timestamp(self.objects.clock.now())
        return Writer(manager, target.resource.group_version, now, target.subresource)

    def _record_create(self, target: Target, body: JsonObject, write: WriteOptions | None) -> None:
        """A creator that names itself owns what it created; other creations are not tracked."""
        if write is not None and write.field_manager:
            field_managers.record_create(body, self._writer(target, write.field_manager))
        else:
            body.get("metadata", {}).pop("managedFields", None)

    def _tracking(self, target: Target, shape: Shape, write: WriteOptions | None) -> Shape:
        """``shape``, then the fields it changed moved to the writer, for a tracked object or a
        writer that names itself."""
        manager = write.field_manager if write is not None else ""

        def tracked(old: JsonObject, new: JsonObject) -> JsonObject:
            made = shape(old, new)
            if manager or field_managers.is_tracked(old):
                field_managers.record_update(old, made, self._writer(target, manager or IN_CLUSTER_MANAGER))
            else:
                made.get("metadata", {}).pop("managedFields", None)
            return made

        return tracked

    async def act(self, target: Target, body: JsonObject) -> JsonObject:
        """A POST to a pod's ``binding`` or ``eviction``; answers a Success ``Status``."""
        if target.subresource == "binding":
            await self.objects.update(
                target.resource, target.namespace, target.name, {}, lambda pod, _: bound(pod, body)
            )
            return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        if target.subresource == "eviction":
            pod = await self.objects.get(target.resource, target.namespace, target.name)
            return await evict(self.objects, self.table, pod, body)
        raise status.MethodNotAllowed(f"POST is not allowed on {target.resource.plural}/{target.subresource}")

    async def delete(self, target: Target, options: DeleteOptions | None = None) -> JsonObject:
        if not target.resource.definition:
            self.admission.deleting(target)
        if target.resource is NAMESPACES:
            self.active_namespaces.forget(target.name)  # before its watch event says so
        deleted = await self.objects.delete(target.resource, target.namespace, target.name, options)
        if target.resource is CRDS:
            self.custom.observe(deleted)  # no longer served; its objects are being deleted
        return deleted

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
        self,
        target: Target,
        resource_version: str,
        match: Selection,
        *,
        bookmarks: bool = False,
        send_initial_events: bool = False,
    ) -> AsyncGenerator[list[JsonObject], None]:
        """Batches of watch events for matching objects; an ERROR event (410 Expired) ends it."""
        return await self.open_watch(
            target.resource,
            target.namespace,
            resource_version,
            match,
            bookmarks=bookmarks,
            send_initial_events=send_initial_events,
        )


def _list_envelope(target: Target, version: str) -> JsonObject:
    return {
        "kind": f"{target.resource.kind}List",
        "apiVersion": target.resource.group_version,
        "metadata": {"resourceVersion": version},
    }


def _after(first: Shape | None, then: Shape | None) -> Shape | None:
    """``then`` applied to what ``first`` made (either may be absent)."""
    if first is None or then is None:
        return first or then
    return lambda old, new: then(old, first(old, new))
