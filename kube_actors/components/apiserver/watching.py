"""Why: a REST watch, as Kubernetes defines it, on top of a shard's watch messages.

Without a resourceVersion (or with "0") the watch starts with a synthetic ADDED for every
existing object, then follows changes after the list's version; with one, it follows changes
after it. Each watch gets a small relay actor that the shard sends its batches to; the
relay hands them to the response through a bounded queue, so a slow HTTP client slows its own
stream until the shard cuts it off, which the client sees as a 410 Expired ERROR event.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, Protocol

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore, decode
from kube_actors.components.etcd import StorageClient
from kube_actors.components.etcd.messages import WatchEnded, WatchEvents
from kube_actors.runtime import Actor
from kube_actors.storage.base import Event

RELAY_QUEUE = 64
BOOKMARK_EVERY = 30.0  # seconds of quiet before a watch that asked for bookmarks gets one
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class WatchOpener(Protocol):
    """Opens a watch: batches of watch events, in order; an ERROR event ends the last batch."""

    def __call__(
        self,
        resource: ResourceType,
        namespace: str,
        resource_version: str,
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


"""Opens a watch: batches of watch events, in order; an ERROR event ends the last batch."""


class WatchRelay(Actor):
    """Receives one watch's messages from a shard and queues them for the HTTP response."""

    def __init__(self, queue: asyncio.Queue[WatchEvents | WatchEnded]) -> None:
        self.queue = queue

    async def receive(self, message: Any) -> Any:
        if isinstance(message, (WatchEvents, WatchEnded)):
            await self.queue.put(message)
        return None


def as_watch_event(event: Event, resource: ResourceType | None = None) -> JsonObject:
    """A storage event as a Kubernetes watch event (its object at ``resource``'s version)."""
    if event.type == "DELETE":
        assert event.prev is not None
        gone = decode(event.prev, resource)
        gone["metadata"]["resourceVersion"] = str(event.kv.mod_revision)
        return {"type": "DELETED", "object": gone}
    return {"type": "ADDED" if event.prev is None else "MODIFIED", "object": decode(event.kv, resource)}


class Watches:
    """Opens REST watches for the apiserver actor ``owner`` (relays are its children)."""

    def __init__(self, owner: Actor, storage: StorageClient, objects: ObjectStore) -> None:
        self.owner = owner
        self.storage = storage
        self.objects = objects
        self._ids = itertools.count(1)

    async def open(
        self,
        resource: ResourceType,
        namespace: str,
        resource_version: str,
        *,
        bookmarks: bool = False,
        send_initial_events: bool = False,
    ) -> AsyncGenerator[list[JsonObject], None]:
        """Without a resourceVersion (or with ``send_initial_events``) the watch starts with
        an ADDED per existing object (then, with ``send_initial_events``, a BOOKMARK marking
        their end); ``bookmarks`` adds a BOOKMARK after each quiet spell."""
        initial: list[JsonObject] = []
        if resource_version in ("", "0") or send_initial_events:
            items, listed_at = await self.objects.list(resource, namespace)
            initial = [{"type": "ADDED", "object": item} for item in items]
            after = int(listed_at)
            if send_initial_events:
                initial.append(bookmark(resource, after, initial_events_end=True))
        elif resource_version.isdigit():
            after = int(resource_version)
        else:
            raise status.BadRequest(f"invalid resourceVersion {resource_version!r}: expected a number")
        queue: asyncio.Queue[WatchEvents | WatchEnded] = asyncio.Queue(maxsize=RELAY_QUEUE)
        watch_id = f"watch-{next(self._ids)}"
        relay = self.owner.spawn(lambda: WatchRelay(queue), watch_id)
        prefix = resource.storage_prefix(namespace)
        self.storage.watch(prefix, after_revision=after, watcher=relay, watch_id=watch_id)

        async def batches() -> AsyncGenerator[list[JsonObject], None]:
            try:
                if initial:
                    yield initial
                latest = after
                while True:
                    try:
                        message = await asyncio.wait_for(queue.get(), BOOKMARK_EVERY if bookmarks else None)
                    except TimeoutError:
                        yield [bookmark(resource, latest)]
                        continue
                    if isinstance(message, WatchEnded):
                        expired = status.Gone(f"too old resource version: {after} ({message.outcome.reason})")
                        yield [{"type": "ERROR", "object": expired.status()}]
                        return
                    if message.events:
                        latest = message.events[-1].kv.mod_revision
                    yield [as_watch_event(change, resource) for change in message.events]
            finally:
                self.storage.cancel_watch(prefix, watcher=relay, watch_id=watch_id)
                await self.owner.system.stop(relay)

        return batches()
