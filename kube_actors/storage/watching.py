"""Why: fan-out of committed events to the watch streams of the local backends.

A stream first replays the logged history after its start revision, then receives every new
batch that matches its prefix. Each stream buffers at most ``limit`` unread events; a
watcher that falls further behind is cut off with an explicit ``TooOld`` rather than losing
events silently, and must start again from a fresh read, as Kubernetes clients relist.

``WatchBuffer`` is that bounded buffer and the iteration over it, kept here once for both
``LocalWatch`` and ``etcd.watch.EtcdWatch``, which feeds it from etcd's HTTP stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from kube_actors.storage.base import Event, StorageError, TooOld
from kube_actors.storage.mvcc import MvccStore

DEFAULT_WATCH_BUFFER = 100_000


class WatchBuffer:
    """A ``WatchStream``'s unread events, at most ``limit``, and how the stream finished.

    Subclasses feed it with ``_buffer`` and finish it with ``_end`` (cut off: iteration yields
    a ``TooOld``, or raises a ``StorageError``, after the last batch) or ``_mark_closed``
    (iteration stops silently). ``_before_end`` runs as the consumer reaches the ending.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._pending: list[Event] = []
        self._ended: TooOld | StorageError | None = None
        self._closed = False
        self._wake = asyncio.Event()

    @property
    def _finished(self) -> bool:
        return self._ended is not None or self._closed

    def _buffer(self, events: list[Event]) -> bool:
        """Buffer events for the consumer; False, buffering none, if that would exceed the limit."""
        if len(self._pending) + len(events) > self._limit:
            return False
        self._pending.extend(events)
        self._wake.set()
        return True

    def _fell_behind(self, compact_revision: int) -> TooOld:
        """The cut-off for a watcher whose events ``_buffer`` refused."""
        return TooOld(compact_revision, f"watcher fell behind: more than {self._limit} events unread")

    def _end(self, outcome: TooOld | StorageError) -> None:
        self._pending = []
        self._ended = outcome
        self._wake.set()

    def _mark_closed(self, *, drop_unread: bool) -> None:
        self._closed = True
        if drop_unread:
            self._pending = []
        self._wake.set()

    async def _before_end(self) -> None:
        """Called when iteration reaches the ending outcome, before it is yielded or raised."""

    async def __aiter__(self) -> AsyncIterator[list[Event] | TooOld]:
        while True:
            if self._pending:
                batch, self._pending = self._pending, []
                yield batch
            elif self._ended is not None:
                await self._before_end()
                if isinstance(self._ended, StorageError):
                    raise self._ended
                yield self._ended
                return
            elif self._closed:
                return
            else:
                self._wake.clear()
                await self._wake.wait()


class LocalWatch(WatchBuffer):
    def __init__(self, hub: WatchHub, prefix: str, limit: int) -> None:
        super().__init__(limit)
        self.prefix = prefix
        self._hub = hub

    def offer(self, events: list[Event]) -> None:
        if self._finished:
            return
        prefix = self.prefix
        matching = [e for e in events if e.kv.key.startswith(prefix)]
        if matching and not self._buffer(matching):
            self.end(self._fell_behind(self._hub.store.compact_revision))

    def end(self, outcome: TooOld) -> None:
        self._end(outcome)
        self._hub.remove(self)

    async def close(self) -> None:
        self._mark_closed(drop_unread=False)
        self._hub.remove(self)


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
