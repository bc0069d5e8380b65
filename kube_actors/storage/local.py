"""Why: what the in-process backends (memory, SQLite) share: the MVCC core, watch fan-out,
lease timers, and the rule that nothing counts before it is durable.

A write is decided at once against the newest state (so compare-and-swap sees every write
before it), but its reply and its events wait until ``_persist`` says the write is durable;
reads with no revision see only durable writes. The memory backend persists instantly; the
SQLite backend commits many writes per transaction (group commit).

Besides the ``StorageBackend`` coroutines, the local backends decide requests synchronously
(``decide_*``, ``read_*``, then one ``flush``): a shard's batch of a hundred writes then costs
one persist and one publish, not a coroutine and a commit entry per write. The write
coroutines are the same decisions followed by a flush.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TypeVar

from kube_actors.runtime.clock import Clock, RealClock, Timer
from kube_actors.storage.base import (
    Conflict,
    Deleted,
    Event,
    KeyValue,
    Listing,
    NotFound,
    TooOld,
    Written,
)
from kube_actors.storage.mvcc import Lease, MvccStore
from kube_actors.storage.watching import DEFAULT_WATCH_BUFFER, LocalWatch, WatchHub

Outcome = TypeVar("Outcome")


class LocalBackend(ABC):
    def __init__(self, *, clock: Clock | None = None, watch_buffer: int = DEFAULT_WATCH_BUFFER) -> None:
        self.clock: Clock = clock or RealClock()
        self.store = MvccStore()
        self.hub = WatchHub(self.store, watch_buffer)
        self.committed = 0
        self._handed = 0  # the revision up to which decided writes went to _persist
        # Writes decided at once, durable after the next ``flush``: the store's own writes,
        # whose events wait in its log. Even a refusal counts only after that flush: it was
        # decided against writes that may not be durable yet.
        self.decide_create = self.store.create
        self.decide_update = self.store.update
        self.decide_put = self.store.put
        self.decide_delete = self.store.delete
        self._expiry: Timer | None = None
        self._expiring: asyncio.Task[None] | None = None

    # Subclasses: make writes durable.

    @abstractmethod
    def _persist(
        self, events: list[Event], granted: list[Lease], revoked: list[int]
    ) -> asyncio.Future[None] | None:
        """Make ``events`` and lease changes durable after every earlier write, passing the
        events to ``_published`` then. Returns a future to await if that is still to come, or
        None if it is done already (the memory backend's every time)."""

    @abstractmethod
    async def _recover(self) -> None:
        """Fill ``self.store`` from durable storage."""

    # Lifecycle.

    async def start(self) -> None:
        await self._recover()
        self.committed = self._handed = self.store.revision
        now = self.clock.now()
        for lease in self.store.leases.values():
            lease.expires_at = now + lease.ttl  # as etcd does after a restart
        self._schedule_expiry()

    async def close(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        if self._expiring is not None:
            await asyncio.gather(self._expiring, return_exceptions=True)
        await self.hub.close()

    async def revision(self) -> int:
        return self.committed

    # Reads see durable writes only.

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | NotFound | TooOld:
        return self.read_get(key, revision)

    async def range(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> Listing | TooOld:
        return self.read_range(prefix, revision, limit, start_after)

    def watch(self, prefix: str, *, after_revision: int) -> LocalWatch:
        return self.hub.open(prefix, after_revision, self.committed)

    def read_get(self, key: str, revision: int = 0) -> KeyValue | NotFound | TooOld:
        return self.store.get(key, revision or self.committed)

    def read_range(
        self, prefix: str, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> Listing | TooOld:
        return self.store.range(prefix, revision or self.committed, limit, start_after)

    # Writes.

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> Written | Conflict:
        return await self._durable(self.decide_create(key, value, lease))

    async def update(
        self, key: str, value: bytes, *, mod_revision: int, lease: int = 0
    ) -> Written | Conflict | NotFound:
        return await self._durable(self.decide_update(key, value, mod_revision, lease))

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> Written:
        return await self._durable(self.decide_put(key, value, lease))

    async def delete(self, key: str, *, mod_revision: int = 0) -> Deleted | Conflict | NotFound:
        return await self._durable(self.decide_delete(key, mod_revision))

    async def compact(self, revision: int) -> None:
        self.store.compact(min(revision, self.committed))

    def flush(
        self, granted: Sequence[Lease] = (), revoked: Sequence[int] = ()
    ) -> asyncio.Future[None] | None:
        """Persist everything decided so far, and these lease changes after it; a future to
        await until that is durable, or None if it is already (always, on the memory backend)."""
        events = self.store.events_since(self._handed)
        self._handed = self.store.revision
        return self._persist(events, list(granted), list(revoked))

    async def _durable(
        self, outcome: Outcome, granted: Sequence[Lease] = (), revoked: Sequence[int] = ()
    ) -> Outcome:
        """``outcome`` once everything decided so far (and these lease changes) is durable."""
        pending = self.flush(granted, revoked)
        if pending is not None:
            await pending
        return outcome

    def _published(self, events: list[Event]) -> None:
        """Called by ``_persist`` implementations, in revision order, once events are durable."""
        if events:
            self.committed = events[-1].kv.mod_revision
            self.hub.publish(events)

    # Leases.

    async def grant_lease(self, ttl: float) -> int:
        lease = self.store.grant_lease(ttl, self.clock.now())
        await self._durable(None, granted=[lease])
        self._schedule_expiry()
        return lease.id

    async def refresh_lease(self, lease: int) -> bool:
        refreshed = self.store.refresh_lease(lease, self.clock.now())
        self._schedule_expiry()
        return refreshed

    async def revoke_lease(self, lease: int) -> None:
        self.store.revoke_lease(lease)
        await self._durable(None, revoked=[lease])
        self._schedule_expiry()

    def _schedule_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        due = self.store.next_expiry()
        if due is not None:
            self._expiry = self.clock.call_later(max(0.0, due - self.clock.now()), self._expire)

    def _expire(self) -> None:
        self._expiry = None
        if self._expiring is None or self._expiring.done():
            self._expiring = asyncio.get_running_loop().create_task(self._revoke_expired())

    async def _revoke_expired(self) -> None:
        for lease in self.store.expired_leases(self.clock.now()):
            await self.revoke_lease(lease)
        self._schedule_expiry()
