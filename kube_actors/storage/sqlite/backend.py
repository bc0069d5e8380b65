"""Why: SQLite durability with the speed of the in-memory core, through group commit.

Writes are decided in memory at once and queued; one commit is in flight at a time, and
every write that arrives meanwhile joins the next one. Many concurrent writers therefore
share one transaction and one fsync, and each is acknowledged only after its commit.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from kube_actors.runtime.blocking import BlockingRef
from kube_actors.runtime.clock import Clock
from kube_actors.storage.base import Event, KeyValue, StorageError
from kube_actors.storage.local import LocalBackend
from kube_actors.storage.mvcc import Lease
from kube_actors.storage.sqlite.writer import Commit, Compact, Load, Loaded, Row, SqliteWriter
from kube_actors.storage.watching import DEFAULT_WATCH_BUFFER


class SqliteBackend(LocalBackend):
    def __init__(
        self, path: Path | str, *, clock: Clock | None = None, watch_buffer: int = DEFAULT_WATCH_BUFFER
    ) -> None:
        super().__init__(clock=clock, watch_buffer=watch_buffer)
        self.path = Path(path)
        self._writer: BlockingRef[SqliteWriter] | None = None
        self._queue: list[tuple[list[Event], list[Lease], list[int], asyncio.Future[None]]] = []
        self._committing: asyncio.Task[None] | None = None
        self._broken: StorageError | None = None

    async def _recover(self) -> None:
        self._writer = BlockingRef.start(SqliteWriter, self.path, clock=self.clock)
        try:
            loaded: Loaded = await self._writer.ask(Load())
        except StorageError:
            await self._writer.stop()
            raise
        store = self.store
        for lease_id, ttl in loaded.leases:
            store.grant_lease(ttl, self.clock.now(), lease_id)
        store.next_lease = max(store.next_lease, loaded.next_lease)
        for revision, key, value, create_revision, version, lease in loaded.rows:
            kv = KeyValue(key, value, create_revision, revision, version, lease)
            prev = store.live(key)
            store.restore(kv)
            if revision > loaded.compact_revision:
                store.restore_event(Event("PUT" if version else "DELETE", kv, prev))
        store.revision = max(store.revision, loaded.revision)
        store.compact_revision = loaded.compact_revision

    async def close(self) -> None:
        if self._committing is not None:
            await asyncio.gather(self._committing, return_exceptions=True)
        await super().close()
        if self._writer is not None:
            await self._writer.stop()

    async def compact(self, revision: int) -> None:
        dropped = self.store.compact(min(revision, self.committed))
        assert self._writer is not None
        await self._writer.ask(Compact(self.store.compact_revision, dropped))

    def _persist(
        self, events: list[Event], granted: list[Lease], revoked: list[int]
    ) -> asyncio.Future[None] | None:
        if self._broken is not None:
            raise self._broken
        if not (events or granted or revoked or self._queue or self._committing):
            return None  # nothing is pending: whatever this was decided on is durable already
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((events, granted, revoked, done))
        if self._committing is None:
            self._committing = asyncio.get_running_loop().create_task(self._commit_queued())
        return done

    async def _commit_queued(self) -> None:
        assert self._writer is not None
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                events = [e for entry in batch for e in entry[0]]
                commit = Commit(
                    rows=[_row(e.kv) for e in events],
                    granted=[(lease.id, lease.ttl) for entry in batch for lease in entry[1]],
                    revoked=[lease for entry in batch for lease in entry[2]],
                    revision=events[-1].kv.mod_revision if events else self.committed,
                    next_lease=self.store.next_lease,
                )
                try:
                    await self._writer.ask(commit)
                except Exception as exc:
                    self._broken = StorageError(f"storage file {self.path} failed to commit: {exc}")
                    for *_, done in batch + self._queue:
                        done.set_exception(self._broken)
                    self._queue = []
                    return
                self._published(events)
                for *_, done in batch:
                    done.set_result(None)
        finally:
            self._committing = None


def _row(kv: KeyValue) -> Row:
    return (kv.mod_revision, kv.key, kv.value, kv.create_revision, kv.version, kv.lease)
