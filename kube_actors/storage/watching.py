"""Why: fan-out of committed events to the watch streams of the local backends.

A stream first replays the logged history after its start revision, then receives every new
batch that matches its prefix. Each stream buffers at most ``limit`` unread events; a
watcher that falls further behind is cut off with an explicit ``TooOld`` rather than losing
events silently, and must start again from a fresh read, as Kubernetes clients relist.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from kube_actors.storage.base import Event, TooOld
from kube_actors.storage.mvcc import MvccStore

DEFAULT_WATCH_BUFFER = 100_000


class LocalWatch:
    def __init__(self, hub: WatchHub, prefix: str, limit: int) -> None:
        self.prefix = prefix
        self._hub = hub
        self._limit = limit
        self._pending: list[Event] = []
        self._ended: TooOld | None = None
        self._closed = False
        self._wake = asyncio.Event()

    def offer(self, events: list[Event]) -> None:
        if self._ended is not None or self._closed:
            return
        prefix = self.prefix
        matching = [e for e in events if e.kv.key.startswith(prefix)]
        if not matching:
            return
        if len(self._pending) + len(matching) > self._limit:
            self.end(
                TooOld(
                    self._hub.store.compact_revision,
                    f"watcher fell behind: more than {self._limit} events unread",
                )
            )
            return
        self._pending.extend(matching)
        self._wake.set()

    def end(self, outcome: TooOld) -> None:
        self._pending = []
        self._ended = outcome
        self._hub.remove(self)
        self._wake.set()

    async def __aiter__(self) -> AsyncIterator[list[Event] | TooOld]:
        while True:
            if self._pending:
                batch, self._pending = self._pending, []
                yield batch
            elif self._ended is not None:
                yield self._ended
                return
            elif self._closed:
                return
            else:
                self._wake.clear()
                await self._wake.wait()

    async def close(self) -> None:
        self._closed = True
        self._hub.remove(self)
        self._wake.set()


class WatchHub:
    def __init__(self, store: MvccStore, limit: int = DEFAULT_WATCH_BUFFER) -> None:
        self.store = store
        self.limit = limit
        self._watches: set[LocalWatch] = set()

    def open(self, prefix: str, after_revision: int, committed: int) -> LocalWatch:
        """A stream of events above ``after_revision``; history up to ``committed`` replayed."""
        watch = LocalWatch(self, prefix, self.limit)
        history = self.store.events_after(prefix, after_revision)
        if isinstance(history, TooOld):
            watch.end(history)
            return watch
        watch.offer([e for e in history if e.kv.mod_revision <= committed])
        self._watches.add(watch)
        return watch

    def publish(self, events: list[Event]) -> None:
        if events and self._watches:
            for watch in list(self._watches):
                watch.offer(events)

    def remove(self, watch: LocalWatch) -> None:
        self._watches.discard(watch)

    async def close(self) -> None:
        for watch in list(self._watches):
            await watch.close()
