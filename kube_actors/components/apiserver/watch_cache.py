"""Why: thousands of watches on one resource (a kubelet per node watching its pods) must not
each hold a storage watch and decode every change. Like Kubernetes' cacher, the apiserver keeps
one storage watch per built-in resource, decodes each change once, remembers the recent ones so
a watch can start from a recent resourceVersion, and hands each change only to the watches it
concerns: by namespace, by selector, and, for watches pinned to one ``spec.nodeName``, through an
index by node, so a pod's change reaches its node's kubelet without testing the other 4,999.

Watches from a version older than the cache remembers fall back to their own storage watch
(``watching.py``); the cache never blocks: a subscriber whose queue is full is cut off with
410 Expired and relists, as client-go does. As Kubernetes' caching objects do, a change is
encoded to JSON at most once, however many HTTP watches send it (``WatchEvent.line``); and a
change this apiserver wrote is not decoded at all: the object it encoded is taken instead
(``writing``), so it is shared, read-only, by the writer's answer and every watch.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.api.selectors import Selection
from kube_actors.components.apiserver.bodies import to_json
from kube_actors.components.apiserver.objects import JsonObject, as_written, decode
from kube_actors.components.etcd import StorageClient
from kube_actors.components.etcd.messages import WatchEnded, WatchEvents
from kube_actors.runtime import Actor, ActorRef
from kube_actors.storage.base import Event, KeyValue, Listing, TooOld

REMEMBERED_CHANGES = 20_000  # per resource: how far back a watch may start from the cache
SUBSCRIBER_QUEUE = 1_000  # batches a watch may fall behind before it is cut off
UNSEEN_WRITES = 10_000  # written objects a cache holds while it waits for their changes

# What a subscriber's queue carries: the batch's last revision and its events, or the reason
# the watch ended.
Delivery = tuple[int, list[JsonObject]] | status.ApiError


@dataclass(slots=True, eq=False)
class Change:
    """A decoded storage change; for DELETED ``object`` is the last state at the deletion's
    revision. ``prev`` is the state it replaced (None on creation). Not changed once made, but
    for ``event``, the watch event every watch that sees it as it is shares, made by the first,
    and ``encoded``, that event's JSON line, made by the first watch that sends it over HTTP."""

    revision: int
    type: str
    object: JsonObject
    prev: JsonObject | None
    event: WatchEvent | None = field(default=None, repr=False)
    encoded: bytes | None = field(default=None, repr=False)

    @classmethod
    def decoded(
        cls, event: Event, resource: ResourceType, latest: Latest | None = None, written: Writes | None = None
    ) -> Change:
        """The change ``event`` makes; ``latest`` (each key's last decoded version, a cache's)
        spares decoding the version it replaced, and learns the new one; ``written`` (what this
        apiserver is writing, by key) spares decoding the new version if it is one of them."""
        revision, key = event.kv.mod_revision, event.kv.key
        latest = {} if latest is None else latest
        prev = None if event.prev is None else _known(event.prev, resource, latest)
        if event.type == "DELETE":
            assert prev is not None
            latest.pop(key, None)
            gone = {**prev, "metadata": {**prev["metadata"], "resourceVersion": str(revision)}}
            return cls(revision, "DELETED", gone, prev)
        mine = written.get(key) if written else None
        if mine is not None and mine[0] == event.kv.value:
            del written[key]  # type: ignore[union-attr]
            obj = as_written(mine[1], event.kv, resource)
        else:
            obj = decode(event.kv, resource)
        latest[key] = (revision, obj)
        return cls(revision, "MODIFIED" if prev is not None else "ADDED", obj, prev)


# Each key's last version the cache decoded, by key: (its revision, the object).
Latest = dict[str, tuple[int, JsonObject]]
# Objects being written, by key: (their encoding, the object it was encoded from).
Writes = dict[str, tuple[bytes, JsonObject]]


def _known(kv: KeyValue, resource: ResourceType, latest: Latest) -> JsonObject:
    known = latest.get(kv.key)
    if known is not None and known[0] == kv.mod_revision:
        return known[1]
    return decode(kv, resource)


class WatchEvent(dict[str, Any]):
    """A watch event that shows its change as it is (``{"type", "object"}``, one dict shared,
    read-only, by every watch that sees it so), remembering the change so that its JSON is
    encoded once for all watches."""

    __slots__ = ("change",)

    def __init__(self, change: Change) -> None:
        super().__init__(type=change.type, object=change.object)
        self.change = change

    def line(self) -> bytes:
        """The event as a line of JSON, as a watch streams it."""
        if self.change.encoded is None:
            self.change.encoded = to_json(self) + b"\n"
        return self.change.encoded


def watch_event(change: Change, match: Selection) -> JsonObject | None:
    """The event a watch with ``match`` sees, as Kubernetes' cacher decides it: an object that
    starts to match is ADDED, one that stops matching is DELETED (in its previous state)."""
    if change.type == "DELETED":
        return _as_it_is(change) if match(change.object) else None
    if match.everything:
        return _as_it_is(change)
    now = match(change.object)
    before = change.prev is not None and match(change.prev)
    if now:
        seen_as = "MODIFIED" if before else "ADDED"
        return _as_it_is(change) if seen_as == change.type else {"type": seen_as, "object": change.object}
    if before:
        assert change.prev is not None
        metadata = {**change.prev["metadata"], "resourceVersion": str(change.revision)}
        return {"type": "DELETED", "object": {**change.prev, "metadata": metadata}}
    return None


def _as_it_is(change: Change) -> WatchEvent:
    """The change's own event, one for every watch that sees it so (read-only, as objects are)."""
    if change.event is None:
        change.event = WatchEvent(change)
    return change.event


@dataclass(eq=False)
class Subscriber:
    namespace: str
    after: int
    match: Selection
    queue: asyncio.Queue[Delivery] = field(default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE))

    def offer(self, changes: list[Change]) -> bool:
        """Queue the events these changes mean to this watch; False if it has fallen behind."""
        events = []
        for change in changes:
            if change.revision <= self.after:
                continue
            if self.namespace and change.object["metadata"].get("namespace") != self.namespace:
                continue
            if (event := watch_event(change, self.match)) is not None:
                events.append(event)
        if not events:
            return True
        try:
            self.queue.put_nowait((changes[-1].revision, events))
        except asyncio.QueueFull:
            return False
        return True

    def end(self, error: status.ApiError) -> None:
        while True:  # the ending must get through, even past a full queue
            try:
                self.queue.put_nowait(error)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()


class ResourceCache:
    """The recent changes of one resource, fed by one storage watch, fanned out to watches;
    with ``objects`` (every object at ``since``) it also knows every object since, and serves
    lists that accept any recent version (``resourceVersion=0``), as Kubernetes' cache does."""

    def __init__(self, resource: ResourceType, since: int, objects: Latest | None = None) -> None:
        self.resource = resource
        self.floor = since  # every change after this revision is remembered (or was trimmed)
        self.latest = since
        self.recent: deque[Change] = deque()
        self.ended = False
        self._everyone: set[Subscriber] = set()
        self._by_node: dict[str, set[Subscriber]] = {}
        self._latest: Latest = objects if objects is not None else {}
        self.complete = objects is not None
        self._written: Writes = {}  # being written here: their changes need no decoding

    def subscribe(self, namespace: str, after: int, match: Selection) -> Subscriber | None:
        """A watch of changes after ``after``; None if the cache no longer remembers them."""
        if self.ended or after < self.floor:
            return None
        subscriber = Subscriber(namespace, after, match)
        backlog = [change for change in self.recent if change.revision > after]
        if backlog:
            subscriber.offer(backlog)
        if match.node_name is None:
            self._everyone.add(subscriber)
        else:
            self._by_node.setdefault(match.node_name, set()).add(subscriber)
        return subscriber

    def latest_of(self, key: str) -> tuple[int, JsonObject] | None:
        return self._latest.get(key)

    def writing(self, key: str, encoded: bytes, obj: JsonObject) -> None:
        """This apiserver is storing ``obj`` as ``encoded``: if the change it makes carries
        these bytes, ``obj`` is its object and need not be decoded."""
        if len(self._written) >= UNSEEN_WRITES:  # writes that failed, or changes never seen
            self._written.clear()
        self._written[key] = (encoded, obj)

    def snapshot(self, prefix: str) -> tuple[int, list[JsonObject]]:
        """The objects whose keys start with ``prefix`` as of the last change seen, in key
        order (as storage lists them), and that change's revision."""
        keys = sorted(key for key in self._latest if key.startswith(prefix))
        return self.latest, [self._latest[key][1] for key in keys]

    def unsubscribe(self, subscriber: Subscriber) -> None:
        node = subscriber.match.node_name
        if node is None:
            self._everyone.discard(subscriber)
        elif (on_node := self._by_node.get(node)) is not None:
            on_node.discard(subscriber)
            if not on_node:
                del self._by_node[node]

    def record(self, events: list[Event]) -> None:
        changes = [Change.decoded(event, self.resource, self._latest, self._written) for event in events]
        if not changes:
            return
        self.recent.extend(changes)
        while len(self.recent) > REMEMBERED_CHANGES:
            self.floor = self.recent.popleft().revision
        self.latest = changes[-1].revision
        for subscriber, concerning in self._audience(changes):
            if not subscriber.offer(concerning):
                self.unsubscribe(subscriber)
                subscriber.end(status.Gone("the watch fell too far behind; list again"))

    def end(self, error: status.ApiError) -> None:
        self.ended = True
        for subscriber in [*self._everyone, *(s for on_node in self._by_node.values() for s in on_node)]:
            subscriber.end(error)
        self._everyone.clear()
        self._by_node.clear()

    def _audience(self, changes: list[Change]) -> list[tuple[Subscriber, list[Change]]]:
        audience = [(subscriber, changes) for subscriber in self._everyone]
        if self._by_node:
            per_node: dict[str, list[Change]] = {}
            for change in changes:
                for node in {_node_of(change.object), _node_of(change.prev)}:
                    if node in self._by_node:
                        per_node.setdefault(node, []).append(change)
            for node, concerning in per_node.items():
                audience.extend((subscriber, concerning) for subscriber in self._by_node[node])
        return audience


def _node_of(pod: JsonObject | None) -> str:
    return "" if pod is None else pod.get("spec", {}).get("nodeName", "")


class CacheFeed(Actor):
    """Receives the storage watch of one resource's cache (a child of the apiserver)."""

    def __init__(self, cache: ResourceCache) -> None:
        self.cache = cache

    async def receive(self, message: Any) -> Any:
        if isinstance(message, WatchEvents):
            self.cache.record(message.events)
        elif isinstance(message, WatchEnded):
            self.cache.end(status.Gone(f"too old resource version ({message.outcome.reason})"))
        return None


class WatchCaches:
    """The apiserver's caches, one per built-in resource, each started by its first watch."""

    def __init__(self, owner: Actor, storage: StorageClient) -> None:
        self.owner = owner
        self.storage = storage
        self._caches: dict[str, tuple[ResourceCache, ActorRef]] = {}
        self._feeds = itertools.count(1)
        # Feeds are named per incarnation: a storage watch an earlier apiserver left behind
        # must never reach a feed of this one that happens to share its name.
        self._incarnation = secrets.token_hex(4)

    def close(self) -> None:
        """Cancel the caches' storage watches (the apiserver stops; its feeds go with it)."""
        for name, (cache, feed) in self._caches.items():
            self.storage.cancel_watch(cache.resource.storage_prefix(""), watcher=feed, watch_id=name)
        self._caches.clear()

    def snapshot(self, resource: ResourceType, namespace: str) -> tuple[int, list[JsonObject]] | None:
        """A list of ``resource`` (in ``namespace``, or all) from its cache, None if the cache
        does not know every object; read-only, and possibly behind storage by a few changes."""
        cached = self._caches.get(f"{resource.plural}.{resource.group}")
        if cached is None or cached[0].ended or not cached[0].complete:
            return None
        return cached[0].snapshot(resource.storage_prefix(namespace))

    def writing(self, resource: ResourceType, key: str, encoded: bytes, obj: JsonObject) -> None:
        """The apiserver is storing ``obj`` as ``encoded``; if it succeeds, the cache takes
        ``obj`` as the change's object rather than decoding it: from now on it is shared and
        must not be changed, but for the resourceVersion the write's answer gives it."""
        cached = self._caches.get(f"{resource.plural}.{resource.group}")
        if cached is not None and cached[0].resource.group_version == resource.group_version:
            cached[0].writing(key, encoded, obj)

    def latest(self, resource: ResourceType, key: str) -> tuple[int, JsonObject] | None:
        """The last version of ``key`` the resource's cache decoded (revision, object), if it
        has one; it may lag behind storage, and must not be changed."""
        cached = self._caches.get(f"{resource.plural}.{resource.group}")
        return None if cached is None or cached[0].ended else cached[0].latest_of(key)

    async def subscribe(
        self, resource: ResourceType, namespace: str, after: int, match: Selection
    ) -> tuple[ResourceCache, Subscriber] | None:
        """A watch served by ``resource``'s cache, or None if it must watch storage itself."""
        if resource.definition:  # a custom resource may be served at several versions
            return None
        name = f"{resource.plural}.{resource.group}"
        cache, _ = self._caches.get(name) or await self._start(name, resource, after)
        if cache.ended:
            cache, _ = await self._start(name, resource, after)
        if after < cache.latest and await self._compacted(resource, after):
            # The cache may remember further back than the shard's history window; a watch
            # must not outlive the window it was promised (410, as the storage would answer).
            gone = Subscriber(namespace, after, match)
            gone.end(status.Gone(f"too old resource version: {after}"))
            return cache, gone
        subscriber = cache.subscribe(namespace, after, match)
        return None if subscriber is None else (cache, subscriber)

    async def _compacted(self, resource: ResourceType, revision: int) -> bool:
        return isinstance(await self.storage.get(resource.storage_prefix(""), revision=revision), TooOld)

    async def _start(self, name: str, resource: ResourceType, since: int) -> tuple[ResourceCache, ActorRef]:
        if (previous := self._caches.pop(name, None)) is not None:
            await self.owner.system.stop(previous[1])
            if (started := self._caches.get(name)) is not None:  # by another watch meanwhile
                return started
        # Every object as of ``since`` (when storage still has that version), then its changes.
        listing = await self.storage.range(resource.storage_prefix(""), revision=since)
        objects = None
        if isinstance(listing, Listing):
            objects = {kv.key: (kv.mod_revision, decode(kv, resource)) for kv in listing.kvs}
            since = since or listing.revision
        if (started := self._caches.get(name)) is not None:  # by another watch meanwhile
            return started
        cache = ResourceCache(resource, since, objects)
        feed_name = f"watch-cache-{self._incarnation}-{next(self._feeds)}"
        feed = self.owner.spawn(lambda: CacheFeed(cache), feed_name)
        self.storage.watch(resource.storage_prefix(""), after_revision=since, watcher=feed, watch_id=name)
        self._caches[name] = (cache, feed)
        return cache, feed
