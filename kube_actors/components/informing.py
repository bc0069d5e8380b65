"""Why: every in-cluster component (scheduler, kubelets, controllers, the scenario runner) keeps
local caches of API objects and reacts to their changes, the way client-go's informers do: list
once, then watch from the list's resourceVersion, and relist when the watch is too old.

``Informer`` is the cache (plain state, no I/O); ``InformingActor`` is the shell that lists and
watches through the apiserver's actor messages (``components/apiserver/messages.py``), routes the
``ObjectEvents`` batches into its informers and hands the resulting ``Change``s to
``on_changes``. Subclasses handle their other messages in ``handle``. When a watch ends (410, or
its apiserver stopped) the informer lists again, retrying with backoff while the apiserver is
unreachable, as a reflector does.

Objects in the caches and in changes may be shared with other watchers in the same process:
treat them as read-only (copy before changing one), as client-go asks of informer caches.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.runtime import Actor, ActorRef
from kube_actors.runtime.clock import sleep
from kube_actors.runtime.errors import UNREACHABLE
from kube_actors.runtime.message import message
from kube_actors.runtime.records import record

JsonObject = dict[str, Any]
IndexKey = Callable[[JsonObject], Iterable[Hashable]]

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
RELIST_BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds between failed relists


@message("informer.FirstLists")
class FirstLists:
    """An informing actor's note to itself: hand the objects its informers listed first to
    ``on_changes`` (after ``on_start``, so every informer it keeps is assigned by then)."""


@message("informer.Relist")
class Relist:
    """An informer's note to its actor: list and watch ``resource`` again (after a failure)."""

    key: str


@record
class Change:
    """One object's change: ``object`` is its new state (its last state when DELETED)."""

    type: str
    object: JsonObject
    old: JsonObject | None = None


def object_key(obj: JsonObject) -> str:
    """``namespace/name``, or ``name`` for a cluster-scoped object, as Kubernetes keys work.

    >>> object_key({"metadata": {"namespace": "default", "name": "web"}})
    'default/web'
    >>> object_key({"metadata": {"name": "node-1"}})
    'node-1'
    """
    metadata = obj["metadata"]
    namespace = metadata.get("namespace", "")
    return f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])


def split_key(key: str) -> tuple[str, str]:
    """``(namespace, name)`` of a key; the namespace is empty for cluster-scoped objects.

    >>> split_key("default/web"), split_key("node-1")
    (('default', 'web'), ('', 'node-1'))
    """
    namespace, _, name = key.rpartition("/")
    return namespace, name


class Informer:
    """A cache of one resource's objects (as selected), kept current by ``apply``."""

    def __init__(
        self, resource: str, namespace: str = "", label_selector: str = "", field_selector: str = ""
    ) -> None:
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resource_version = ""
        self._objects: dict[str, JsonObject] = {}
        self._index_keys: dict[str, IndexKey] = {}
        self._indexes: dict[str, dict[Hashable, dict[str, JsonObject]]] = {}
        self._indexed: dict[str, dict[str, list[Hashable]]] = {}  # by index: each key's values

    def get(self, namespace: str, name: str) -> JsonObject | None:
        return self._objects.get(f"{namespace}/{name}" if namespace else name)

    def get_key(self, key: str) -> JsonObject | None:
        return self._objects.get(key)

    def items(self, namespace: str | None = None) -> list[JsonObject]:
        if namespace is None:
            return list(self._objects.values())
        return [o for o in self._objects.values() if o["metadata"].get("namespace", "") == namespace]

    def keys(self) -> list[str]:
        return list(self._objects)

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def add_index(self, name: str, index_key: IndexKey) -> None:
        """Keep objects findable by ``index_key(obj)`` (any number of keys per object), e.g. pods
        by node name or by owner uid; ``by_index`` reads it."""
        self._index_keys[name] = index_key
        self._indexes[name] = {}
        self._indexed[name] = {}
        for key, obj in self._objects.items():
            self._reindex(name, key, obj)

    def by_index(self, name: str, value: Hashable) -> list[JsonObject]:
        return list(self._indexes[name].get(value, {}).values())

    def apply(self, events: list[JsonObject]) -> list[Change]:
        """Fold watch events into the cache; the changes they made, in order."""
        changes = []
        for event in events:
            kind, obj = event["type"], event["object"]
            if kind not in (ADDED, MODIFIED, DELETED):
                if kind == "BOOKMARK":
                    self.resource_version = obj["metadata"]["resourceVersion"]
                continue
            key = object_key(obj)
            old = self._store(key, None if kind == DELETED else obj)
            self.resource_version = obj["metadata"].get("resourceVersion", self.resource_version)
            if kind == DELETED:
                changes.append(Change(DELETED, obj, old))
            else:
                changes.append(Change(MODIFIED if old is not None else ADDED, obj, old))
        return changes

    def replace(self, listed: list[JsonObject], resource_version: str) -> list[Change]:
        """Take a fresh list as the truth; the changes from the cache's old contents to it."""
        fresh = {object_key(obj): obj for obj in listed}
        changes = []
        for key in [key for key in self._objects if key not in fresh]:
            gone = self._store(key, None)
            assert gone is not None
            changes.append(Change(DELETED, gone, gone))
        for key, obj in fresh.items():
            old = self._store(key, obj)
            if old is None:
                changes.append(Change(ADDED, obj))
            elif old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                changes.append(Change(MODIFIED, obj, old))
        self.resource_version = resource_version
        return changes

    def _store(self, key: str, obj: JsonObject | None) -> JsonObject | None:
        old = self._objects.pop(key, None) if obj is None else self._objects.get(key)
        if obj is not None:
            self._objects[key] = obj
        for name in self._index_keys:
            self._reindex(name, key, obj)
        return old

    def _reindex(self, name: str, key: str, obj: JsonObject | None) -> None:
        """File ``key`` under ``obj``'s values in index ``name`` (none if gone), taking it out
        of those it was filed under before (remembered: not worked out again)."""
        index, indexed = self._indexes[name], self._indexed[name]
        before = indexed.pop(key, [])
        after = [] if obj is None else list(self._index_keys[name](obj))
        for value in before:
            entries = index.get(value)
            if entries is not None and value not in after:
                entries.pop(key, None)
                if not entries:
                    del index[value]
        if obj is not None:
            for value in after:
                index.setdefault(value, {})[key] = obj
            indexed[key] = after


_watch_ids = itertools.count(1)


class InformingActor(Actor):
    """An actor with informers: ``inform`` in ``on_start``, react in ``on_changes``, handle
    other messages in ``handle``. Watches stop when the actor stops."""

    def __init__(self, api: ActorRef) -> None:
        self.api = api
        self._informers: dict[str, Informer] = {}  # by current watch id
        self._relisting: dict[str, tuple[Informer, int]] = {}  # informers waiting to relist, failures
        self._first_lists: list[tuple[Informer, list[Change]]] = []

    async def inform(
        self, resource: str, *, namespace: str = "", label_selector: str = "", field_selector: str = ""
    ) -> Informer:
        """List, then watch from the list's version. The cache is full when this returns;
        ``on_changes`` sees the listed objects as ADDED once the current message (``on_start``,
        usually) is handled, before any later change."""
        informer = Informer(resource, namespace, label_selector, field_selector)
        for failures in itertools.count():
            try:
                changes = await self._list_and_watch(informer)
                break
            except UNREACHABLE as failed:  # the apiserver is down: wait for it, as a reflector does
                delay = RELIST_BACKOFF[min(failures, len(RELIST_BACKOFF) - 1)]
                self.log.info("informer_list_failed", resource=resource, reason=str(failed), retry_in=delay)
                await sleep(self.clock, delay)
        if changes:
            if not self._first_lists:
                self.ref.tell(FirstLists())
            self._first_lists.append((informer, changes))
        return informer

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        """Override: one batch of changes to ``informer``'s objects."""

    async def handle(self, message: Any) -> Any:
        """Override for the actor's own messages."""
        return None

    async def receive(self, message: Any) -> Any:
        if isinstance(message, m.ObjectEvents):
            await self._watched(message)
            return None
        if isinstance(message, FirstLists):
            first, self._first_lists = self._first_lists, []
            for informer, changes in first:
                await self.on_changes(informer, changes)
            return None
        if isinstance(message, Relist):
            if (waiting := self._relisting.pop(message.key, None)) is not None:
                await self._relist(*waiting)
            return None
        return await self.handle(message)

    async def on_stop(self) -> None:
        for watch_id in list(self._informers):
            self.api.tell(m.StopWatch(watch_id, str(self.ref.address)))
        self._informers.clear()
        self._relisting.clear()

    async def _watched(self, batch: m.ObjectEvents) -> None:
        informer = self._informers.get(batch.watch_id)
        if informer is None:
            return  # a batch from a watch we have since replaced
        if batch.events and batch.events[-1]["type"] == "ERROR":
            changes = informer.apply(batch.events[:-1])
            if changes:
                await self.on_changes(informer, changes)
            del self._informers[batch.watch_id]
            self.log.info("informer_relist", resource=informer.resource, reason=batch.events[-1]["object"])
            await self._relist(informer, 0)
            return
        changes = informer.apply(batch.events)
        if changes:
            await self.on_changes(informer, changes)

    async def _relist(self, informer: Informer, failures: int) -> None:
        try:
            changes = await self._list_and_watch(informer)
        except (status.ApiError, *UNREACHABLE) as failed:
            delay = RELIST_BACKOFF[min(failures, len(RELIST_BACKOFF) - 1)]
            key = f"{informer.resource}#{id(informer)}"
            self._relisting[key] = (informer, failures + 1)
            self.clock.call_later(delay, self.ref.tell, Relist(key))
            self.log.info(
                "informer_relist_failed", resource=informer.resource, reason=str(failed), retry_in=delay
            )
            return
        if changes:
            await self.on_changes(informer, changes)

    async def _list_and_watch(self, informer: Informer) -> list[Change]:
        """List into the cache and watch from there on; the changes the list made."""
        selection = (informer.namespace, informer.label_selector, informer.field_selector)
        listed = await self.api.ask(m.ListObjects(informer.resource, *selection))
        changes = informer.replace(listed["items"], listed["metadata"]["resourceVersion"])
        watch_id = f"{informer.resource}#{next(_watch_ids)}"
        self._informers[watch_id] = informer
        self.api.tell(
            m.WatchObjects(
                watch_id,
                str(self.ref.address),
                informer.resource,
                informer.namespace,
                informer.resource_version,
                *selection[1:],
            )
        )
        return changes
