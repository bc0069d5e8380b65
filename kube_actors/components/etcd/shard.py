"""Why: an etcd shard is an actor owning one backend (one part of the key space), so shards can
live on any host and the apiserver reaches them like any other actor.

Requests are answered through deferred work (``batches.py`` decides a batch), so many writes
wait for the same group commit while the shard goes on taking messages. Each watch is pumped
by a task that asks the watcher to take every batch: a slow watcher slows its own stream until
the backend cuts it off with ``TooOld``. A timer compacts history older than the window. If
the shard fails, its supervisor restarts it and the backend recovers from disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_actors.components.etcd import messages as m
from kube_actors.components.etcd.batches import operation, run_batch
from kube_actors.runtime import Actor, ActorDeadError, AskTimeoutError, DeliveryError, defer
from kube_actors.runtime.clock import Timer
from kube_actors.runtime.tasks import KeyedTasks
from kube_actors.storage.base import StorageBackend, TooOld, WatchStream
from kube_actors.storage.history import HistoryClock, HistoryWindow

WATCH_ACK_TIMEOUT = 60.0


class EtcdShard(Actor):
    def __init__(
        self, name: str, make_backend: Callable[[], StorageBackend], window: HistoryWindow | None = None
    ) -> None:
        self.name = name
        self._make_backend = make_backend
        self.history = HistoryClock(window or HistoryWindow())
        self.backend: StorageBackend | None = None
        self._watches = KeyedTasks()
        self._compaction: Timer | None = None
        self._compacted_to = 0

    async def on_start(self) -> None:
        backend = self._make_backend()
        await backend.start()
        self.backend = backend
        self._schedule_compaction()
        self.log.info("shard_started", shard=self.name, revision=await backend.revision())

    async def on_stop(self) -> None:
        await self._release()

    async def on_failure(self, error: BaseException) -> None:
        await self._release()

    async def _release(self) -> None:
        if self._compaction is not None:
            self._compaction.cancel()
        await self._watches.close()
        if self.backend is not None:
            await self.backend.close()
            self.backend = None

    async def receive(self, message: Any) -> Any:
        backend = self.backend
        assert backend is not None
        match message:
            case m.Batch(requests):
                return defer(run_batch(backend, requests))
            case m.Watch(watch_id, prefix, after_revision, watcher):
                pump = self._pump(watch_id, watcher, backend.watch(prefix, after_revision=after_revision))
                self._watches.start((watcher, watch_id), pump, f"watch {watch_id}")
                return None
            case m.CancelWatch(watch_id, watcher):
                self._watches.cancel((watcher, watch_id))
                return None
            case m.CompactHistory():
                return defer(self._compact_history(backend))
        return defer(operation(backend, message))

    # Watches.

    async def _pump(self, watch_id: str, watcher: str, stream: WatchStream) -> None:
        target = self.system.ref(watcher)
        try:
            async for batch in stream:
                if isinstance(batch, TooOld):
                    target.tell(m.WatchEnded(self.name, watch_id, batch))
                    return
                try:
                    await target.ask(m.WatchEvents(self.name, watch_id, batch), timeout=WATCH_ACK_TIMEOUT)
                except AskTimeoutError:
                    reason = f"watcher took more than {WATCH_ACK_TIMEOUT} s to take a batch"
                    target.tell(m.WatchEnded(self.name, watch_id, TooOld(0, reason)))
                    return
        except (ActorDeadError, DeliveryError) as exc:
            self.log.info("watcher_gone", watch_id=watch_id, watcher=watcher, reason=str(exc))
        finally:
            await stream.close()

    # Compaction.

    def _schedule_compaction(self) -> None:
        self._compaction = self.clock.call_later(self.history.window.check_every, self._compact_due)

    def _compact_due(self) -> None:
        self.ref.tell(m.CompactHistory())
        self._schedule_compaction()

    async def _compact_history(self, backend: StorageBackend) -> None:
        now, current = self.clock.now(), await backend.revision()
        self.history.record(now, current)
        target = self.history.compaction_target(now, current)
        if target > self._compacted_to:
            await backend.compact(target)
            self._compacted_to = target
            self.log.debug("shard_compacted", shard=self.name, revision=target)
