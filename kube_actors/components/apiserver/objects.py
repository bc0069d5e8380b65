"""Why: Kubernetes object semantics on top of the etcd shards: metadata the server owns (uid,
creationTimestamp, resourceVersion, generation, generateName), optimistic concurrency, and
lists whose resourceVersion a following watch can start from.

Objects are stored as codec-encoded JSON-like dicts; an object's resourceVersion is the
``mod_revision`` of its key in its shard.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, Protocol

from kube_actors.api import status
from kube_actors.api.identities import new_uid, random_suffix
from kube_actors.api.names import is_dns1123_subdomain
from kube_actors.api.resources import ResourceType
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver.deleting import DeleteOptions, deletion_finished, plan_deletion
from kube_actors.components.etcd import StorageClient
from kube_actors.runtime import codec
from kube_actors.runtime.clock import Clock
from kube_actors.storage.base import Conflict, Deleted, KeyValue, Listing, NotFound, TooOld, Written

JsonObject = dict[str, Any]
Shape = Callable[[JsonObject, JsonObject], JsonObject]
SERVER_OWNED = ("uid", "creationTimestamp", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds")


def storage_unavailable(error: BaseException) -> status.ApiError:
    return status.ServiceUnavailable(f"the storage is unavailable: {error}")


def decode(kv: KeyValue, resource: ResourceType | None = None) -> JsonObject:
    """A stored object as the API shows it, at ``resource``'s version when given (a custom
    resource served at several versions is stored at one: only its apiVersion differs)."""
    obj: JsonObject = codec.decode(kv.value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(kv.mod_revision)
    if resource is not None:
        obj["apiVersion"] = resource.group_version
    return obj


def as_written(obj: JsonObject, kv: KeyValue, resource: ResourceType) -> JsonObject:
    """What ``decode`` would give for ``kv``, which was just encoded from ``obj``: the same
    object with its new resourceVersion, without decoding it again (a write's answer)."""
    obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
    obj["apiVersion"] = resource.group_version
    return obj


class CacheView(Protocol):
    """What the apiserver's watch caches know; objects they give are shared: read-only."""

    def latest(self, resource: ResourceType, key: str) -> tuple[int, JsonObject] | None:
        """The last version of ``key`` seen (revision, object), if any; may lag storage."""

    def snapshot(self, resource: ResourceType, namespace: str) -> tuple[int, list[JsonObject]] | None:
        """Every object of a type (in a namespace) as of a recent revision, if known."""

    def writing(self, resource: ResourceType, key: str, encoded: bytes, obj: JsonObject) -> None:
        """``obj``, encoded as ``encoded``, is being stored at ``key``; once stored it may be
        shared: read-only."""


class ObjectStore:
    def __init__(self, storage: StorageClient, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock
        self.cache: CacheView | None = None  # the apiserver's watch caches, once they exist

    async def get(self, resource: ResourceType, namespace: str, name: str) -> JsonObject:
        found = await self.storage.get(resource.storage_key(namespace, name))
        if not isinstance(found, KeyValue):
            raise status.not_found(resource.plural, name, resource.group)
        return decode(found, resource)

    async def list(
        self, resource: ResourceType, namespace: str, exact_version: str = ""
    ) -> tuple[list[JsonObject], str]:
        """Every object of a type (in one namespace, or all) now, or at ``exact_version``
        (``resourceVersionMatch=Exact``), and the list's resourceVersion."""
        stored, version = await self.list_stored(resource, namespace, exact_version)
        return [decode(kv, resource) for kv in stored], version

    def list_cached(
        self, resource: ResourceType, namespace: str
    ) -> tuple[builtins.list[JsonObject], str] | None:
        """``list`` from the watch cache, for a list that accepts any recent version
        (``resourceVersion=0``); None if the cache does not know every object. Read-only."""
        snapshot = self.cache.snapshot(resource, namespace) if self.cache is not None else None
        return None if snapshot is None else (snapshot[1], str(snapshot[0]))

    async def list_stored(
        self, resource: ResourceType, namespace: str, exact_version: str = ""
    ) -> tuple[builtins.list[KeyValue], str]:
        """``list`` before decoding, for callers that decode (and drop) one object at a time."""
        revision = _revision(exact_version)
        listing = await self.storage.range(resource.storage_prefix(namespace), revision=revision)
        if isinstance(listing, TooOld):
            raise status.Gone(f"too old resource version: {exact_version} ({listing.compact_revision})")
        assert isinstance(listing, Listing)
        return listing.kvs, str(listing.revision)

    async def create(
        self, resource: ResourceType, namespace: str, obj: JsonObject, *, uid: str = ""
    ) -> JsonObject:
        metadata = obj.setdefault("metadata", {})
        if not metadata.get("name") and metadata.get("generateName"):
            metadata["name"] = f"{metadata['generateName']}{random_suffix()}"
        name = check_name(resource, metadata.get("name"))
        if resource.namespaced:
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        metadata["uid"] = uid or new_uid()
        metadata["creationTimestamp"] = timestamp(self.clock.now())
        metadata.pop("resourceVersion", None)
        if "spec" in obj:
            metadata["generation"] = 1
        obj["apiVersion"], obj["kind"] = resource.storage_group_version, resource.kind
        key = resource.storage_key(namespace, name)
        written = await self.storage.create(key, self._encode(resource, key, obj))
        if isinstance(written, Conflict):
            raise status.already_exists(resource.plural, name, resource.group)
        assert isinstance(written, Written)
        return as_written(obj, written.kv, resource)

    async def update(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        obj: JsonObject,
        shape: Shape | None = None,
    ) -> JsonObject:
        """Replace an object; a resourceVersion in ``obj`` must still be current (409 if not).

        ``shape(old, obj)`` may build the new object from the stored one (a status or scale
        update changes only its part); it must not change ``old``. An object being deleted that
        nothing holds any longer (its last finalizer removed) is deleted by this update.

        As Kubernetes' storage does, the update starts from the watch cache's copy when there is
        one, and reads the stored object only if that copy proves stale.
        """
        key = resource.storage_key(namespace, name)
        cached = self.cache.latest(resource, key) if self.cache is not None else None
        if cached is not None:
            try:
                return await self._update(resource, key, name, obj, shape, *cached, from_cache=True)
            except _Stale:
                pass
        current = await self.storage.get(key)
        if not isinstance(current, KeyValue):
            raise status.not_found(resource.plural, name, resource.group)
        old, revision = decode(current, resource), current.mod_revision
        return await self._update(resource, key, name, obj, shape, revision, old, from_cache=False)

    async def _update(
        self,
        resource: ResourceType,
        key: str,
        name: str,
        obj: JsonObject,
        shape: Shape | None,
        revision: int,
        old: JsonObject,
        *,
        from_cache: bool,
    ) -> JsonObject:
        """``update`` against ``old`` at ``revision``; a refusal that a stale cached ``old``
        may explain raises ``_Stale`` instead."""
        try:
            if shape is not None:
                obj = shape(old, obj)
            # Not the caller's or old's dicts: they may be tried again, or be the cache's.
            obj = {**obj, "metadata": dict(obj.get("metadata") or {})}
            metadata = obj["metadata"]
            if metadata.get("name", name) != name:
                raise status.BadRequest(
                    f"the name of the object ({metadata['name']}) does not match the name in the URL ({name})"
                )
            expected = metadata.get("resourceVersion")
            if expected and expected != str(revision):
                raise status.conflict(resource.plural, name, resource.group)
        except status.ApiError:
            if from_cache:
                raise _Stale() from None
            raise
        for owned in SERVER_OWNED:
            if owned in old["metadata"]:
                metadata[owned] = old["metadata"][owned]
        metadata["name"] = name
        metadata.pop("resourceVersion", None)
        if "spec" in obj or "spec" in old:
            changed = obj.get("spec") != old.get("spec")
            metadata["generation"] = old["metadata"].get("generation", 1) + (1 if changed else 0)
        obj["apiVersion"], obj["kind"] = resource.storage_group_version, resource.kind
        if deletion_finished(resource, obj):
            return await self._remove(resource, key, name, revision, from_cache=from_cache)
        written = await self.storage.update(key, self._encode(resource, key, obj), mod_revision=revision)
        if isinstance(written, Written):
            return as_written(obj, written.kv, resource)
        if from_cache:
            raise _Stale()
        if isinstance(written, NotFound):
            raise status.not_found(resource.plural, name, resource.group)
        raise status.conflict(resource.plural, name, resource.group)

    def _encode(self, resource: ResourceType, key: str, obj: JsonObject) -> bytes:
        """``obj`` encoded for storage, and shown to the watch cache, which then need not
        decode the change this write makes: ``obj`` is shared once written, read-only."""
        encoded = codec.encode(obj)
        if self.cache is not None:
            self.cache.writing(resource, key, encoded, obj)
        return encoded

    async def delete(
        self, resource: ResourceType, namespace: str, name: str, options: DeleteOptions | None = None
    ) -> JsonObject:
        """Delete now, or mark for deletion where something must let the object go first. A
        delete that loses a race with another write is tried again on the newer version (its
        preconditions, if any, are checked again), as Kubernetes' storage does."""
        key = resource.storage_key(namespace, name)
        while True:
            current = await self.storage.get(key)
            if not isinstance(current, KeyValue):
                raise status.not_found(resource.plural, name, resource.group)
            obj = decode(current, resource)
            marked = plan_deletion(resource, obj, options or DeleteOptions(), timestamp(self.clock.now()))
            if marked is None:
                deleted = await self.storage.delete(key, mod_revision=current.mod_revision)
                if isinstance(deleted, Deleted):
                    gone = decode(deleted.prev, resource)
                    gone["metadata"]["resourceVersion"] = str(deleted.revision)
                    return gone
                if isinstance(deleted, NotFound):
                    raise status.not_found(resource.plural, name, resource.group)
                continue  # lost a race
            if marked is obj:
                return obj
            encoded = self._encode(resource, key, marked)
            written = await self.storage.update(key, encoded, mod_revision=current.mod_revision)
            if isinstance(written, Written):
                return as_written(marked, written.kv, resource)
            if isinstance(written, NotFound):
                raise status.not_found(resource.plural, name, resource.group)

    async def purge(self, resource: ResourceType) -> int:
        """Delete every object of a type, finalizers and all, because its definition goes: no
        one could ever update them again. Returns how many were deleted."""
        deleted = 0
        while True:
            listing = await self.storage.range(resource.storage_prefix())
            assert isinstance(listing, Listing)
            if not listing.kvs:
                return deleted
            for kv in listing.kvs:
                if isinstance(await self.storage.delete(kv.key), Deleted):
                    deleted += 1

    async def _remove(
        self, resource: ResourceType, key: str, name: str, mod_revision: int, *, from_cache: bool = False
    ) -> JsonObject:
        deleted = await self.storage.delete(key, mod_revision=mod_revision)
        if not isinstance(deleted, Deleted) and from_cache:
            raise _Stale()
        if isinstance(deleted, Conflict):
            raise status.conflict(resource.plural, name, resource.group)
        if not isinstance(deleted, Deleted):
            raise status.not_found(resource.plural, name, resource.group)
        gone = decode(deleted.prev, resource)
        gone["metadata"]["resourceVersion"] = str(deleted.revision)
        return gone


class _Stale(Exception):
    """An update started from the watch cache's copy of an object was refused in a way a newer
    version might not be: it is tried again from the stored object."""


def check_name(resource: ResourceType, name: Any) -> str:
    """A DNS-1123 subdomain, as Kubernetes requires of most names; 422 naming the field if not."""
    if not isinstance(name, str) or not name:
        raise status.invalid(
            resource.kind, "", [("metadata.name", "Required value: name or generateName is required")]
        )
    problems = is_dns1123_subdomain(name)
    if problems:
        cause = ("metadata.name", f'Invalid value: "{name}": {problems[0]}')
        raise status.invalid(resource.kind, name, [cause])
    return name


def _revision(resource_version: str) -> int:
    if not resource_version or resource_version == "0":
        return 0
    if not resource_version.isdigit():
        raise status.BadRequest(f"invalid resourceVersion {resource_version!r}: expected a number")
    return int(resource_version)
