"""Why: a watch, as Kubernetes defines it, for the REST front and for in-cluster watchers alike.

Without a resourceVersion (or with "0") the watch starts with a synthetic ADDED for every
existing matching object, then follows changes after the list's version; with one, it follows
changes after it. Most watches are served by the resource's watch cache (``watch_cache.py``);
one that starts further back than the cache remembers gets a small relay actor of its own that
a shard sends its batches to, through a bounded queue, so a slow client slows its own stream
until the shard cuts it off, which the client sees as a 410 Expired ERROR event.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Protocol

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.api.selectors import EVERYTHING, Selection
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore
from kube_actors.components.apiserver.watch_cache import Change, Delivery, WatchCaches, watch_event
from kube_actors.components.etcd import StorageClient
from kube_actors.components.etcd.messages import WatchEnded, WatchEvents
from kube_actors.runtime import Actor

RELAY_QUEUE = 64
MERGED_EVENTS = 5_000  # at most this many events queued for a watch are sent as one batch
BOOKMARK_EVERY = 30.0  # seconds of quiet before a watch that asked for bookmarks gets one
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class WatchOpener(Protocol):
    """Opens a watch: batches of watch events, in order; an ERROR event ends the last batch."""

    def __call__(
        self,
        resource: ResourceType,
        namespace: str,
        resource_version: str,
        match: Selection = EVERYTHING,
        *,
        bookmarks: bool = False,
        send_initial_events: bool = False,
    ) -> Awaitable[AsyncGenerator[list[JsonObject], None]]: ...


def bookmark(
    resource: ResourceType, resource_version: int, *, initial_events_end: bool = False
) -> JsonObject:
    """A BOOKMARK event: only the resourceVersion a client may resume from."""
    metadata: JsonObject = {"resourceVersion": str(resource_version)}
    if initial_events_end:
        metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
    return {
        "type": "BOOKMARK",
        "object": {"kind": resource.kind, "apiVersion": resource.group_version, "metadata": metadata},
    }


class WatchRelay(Actor):
    """Receives one storage watch's messages for a watch the cache cannot serve, and queues
    them, decoded and selected, as the cache would."""

    def __init__(self, queue: asyncio.Queue[Delivery], resource: ResourceType, match: Selection) -> None:
        self.queue = queue
        self.resource = resource
        self.match = match

    async def receive(self, message: Any) -> Any:
        if isinstance(message, WatchEvents) and message.events:
            changes = [Change.decoded(event, self.resource) for event in message.events]
            events = [e for change in changes if (e := watch_event(change, self.match)) is not None]
            await self.queue.put((changes[-1].revision, events))
        elif isinstance(message, WatchEnded):
            await self.queue.put(status.Gone(f"too old resource version ({message.outcome.reason})"))
        return None


class Watches:
    """Opens watches for the apiserver actor ``owner``: from its watch caches when they
    remember far enough back, else each on a storage watch of its own (relays are children)."""

    def __init__(self, owner: Actor, storage: StorageClient, objects: ObjectStore) -> None:
        self.owner = owner
        self.storage = storage
        self.objects = objects
        self.caches = WatchCaches(owner, storage)
        objects.cache = self.caches  # updates start from its copies, lists at any version use it
        self._ids = itertools.count(1)
        self._incarnation = secrets.token_hex(4)  # as the caches' feeds: never an old watch's name

    async def open(
        self,
        resource: ResourceType,
        namespace: str,
        resource_version: str,
        match: Selection = EVERYTHING,
        *,
        bookmarks: bool = False,
        send_initial_events: bool = False,
    ) -> AsyncGenerator[list[JsonObject], None]:
        """Without a resourceVersion (or with ``send_initial_events``) the watch starts with
        an ADDED per existing matching object (then, with ``send_initial_events``, a BOOKMARK
        marking their end); ``bookmarks`` adds a BOOKMARK after each quiet spell."""
        initial: list[JsonObject] = []
        if resource_version in ("", "0") or send_initial_events:
            items, listed_at = await self.objects.list(resource, namespace)
            initial = [{"type": "ADDED", "object": item} for item in items if match(item)]
            after = int(listed_at)
            if send_initial_events:
                initial.append(bookmark(resource, after, initial_events_end=True))
        elif resource_version.isdigit():
            after = int(resource_version)
        else:
            raise status.BadRequest(f"invalid resourceVersion {resource_version!r}: expected a number")
        cached = await self.caches.subscribe(resource, namespace, after, match)
        if cached is not None:
            cache, subscriber = cached

            async def unsubscribe() -> None:
                cache.unsubscribe(subscriber)

            return batches(resource, initial, after, subscriber.queue, bookmarks, unsubscribe)
        queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=RELAY_QUEUE)
        watch_id = f"watch-{self._incarnation}-{next(self._ids)}"
        relay = self.owner.spawn(lambda: WatchRelay(queue, resource, match), watch_id)
        prefix = resource.storage_prefix(namespace)
        self.storage.watch(prefix, after_revision=after, watcher=relay, watch_id=watch_id)

        async def close() -> None:
            self.storage.cancel_watch(prefix, watcher=relay, watch_id=watch_id)
            await self.owner.system.stop(relay)

        return batches(resource, initial, after, queue, bookmarks, close)


async def batches(
    resource: ResourceType,
    initial: list[JsonObject],
    after: int,
    queue: asyncio.Queue[Delivery],
    bookmarks: bool,
    close: Callable[[], Awaitable[None]],
) -> AsyncGenerator[list[JsonObject], None]:
    """A watch's batches of events: ``initial`` first, then what ``queue`` delivers, all that
    is queued at once in one batch, a BOOKMARK after each quiet spell when asked for, an ERROR
    event last if the watch is ended; ``close`` when the consumer stops."""
    try:
        if initial:
            yield initial
        latest = after
        while True:
            try:
                delivery = await asyncio.wait_for(queue.get(), BOOKMARK_EVERY if bookmarks else None)
            except TimeoutError:
                yield [bookmark(resource, latest)]
                continue
            if isinstance(delivery, status.ApiError):
                yield [{"type": "ERROR", "object": delivery.status()}]
                return
            latest, events = delivery
            ending: status.ApiError | None = None
            # What queued up meanwhile (a watcher slower than the writes) goes in the same
            # batch: one write to the client's socket, one message to an in-cluster watcher.
            if not queue.empty():
                events = list(events)
            while not queue.empty() and len(events) < MERGED_EVENTS:
                more = queue.get_nowait()
                if isinstance(more, status.ApiError):
                    ending = more
                    break
                latest = more[0]
                events.extend(more[1])
            if events:
                yield events
            if ending is not None:
                yield [{"type": "ERROR", "object": ending.status()}]
                return
    finally:
        await close()
