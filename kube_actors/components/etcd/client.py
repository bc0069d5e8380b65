"""Why: the apiserver's handle on storage: it routes each key to the actor of the shard that
owns it, wherever that shard runs, and speaks the shard messages so callers need not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from kube_actors.components.etcd import messages as m
from kube_actors.components.etcd.shard import EtcdShard
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.runtime.errors import rebuild_error
from kube_actors.storage.base import Conflict, Deleted, KeyValue, Listing, NotFound, TooOld, Written
from kube_actors.storage.config import StorageConfig
from kube_actors.storage.sharding import ShardMap

SHARD_PATH = "etcd"


def spawn_shards(system: ActorSystem, config: StorageConfig) -> dict[str, ActorRef]:
    """Start one shard actor per shard of ``config.shard_map`` on ``system``, at ``etcd/<shard>``."""
    return {
        shard: system.spawn(shard_factory(system, config, shard), shard_path(shard))
        for shard in config.shard_map.shards
    }


def shard_path(shard: str) -> str:
    return f"{SHARD_PATH}/{shard}"


def shard_factory(system: ActorSystem, config: StorageConfig, shard: str) -> Callable[[], EtcdShard]:
    return partial(EtcdShard, shard, partial(config.make_backend, shard, system.clock), config.window)


class StorageClient:
    def __init__(
        self,
        system: ActorSystem,
        shard_map: ShardMap,
        *,
        hosts: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        """``hosts`` says where each shard runs (default: this system's host)."""
        self.shard_map = shard_map
        self.timeout = timeout
        self._queued: dict[str, list[tuple[Any, asyncio.Future[Any]]]] = {}
        placed = hosts or {}
        self._refs = {
            shard: system.ref(f"ka://{placed.get(shard, system.host)}/{SHARD_PATH}/{shard}")
            for shard in shard_map.shards
        }

    def shard_ref(self, shard: str) -> ActorRef:
        return self._refs[shard]

    def ref_for(self, key: str) -> ActorRef:
        return self._refs[self.shard_map.shard_for(key)]

    async def _ask(self, key: str, request: Any) -> Any:
        """Queue ``request`` for its shard; everything queued in this turn of the event loop
        goes as one ``Batch``."""
        shard = self.shard_map.shard_for(key)
        loop = asyncio.get_running_loop()
        queued = self._queued.get(shard)
        if queued is None:
            queued = self._queued[shard] = []
            loop.call_soon(self._send, shard)
        outcome: asyncio.Future[Any] = loop.create_future()
        queued.append((request, outcome))
        return await outcome

    def _send(self, shard: str) -> None:
        queued = self._queued.pop(shard)
        try:
            reply = self._refs[shard].request(
                m.Batch([request for request, _ in queued]), timeout=self.timeout
            )
        except Exception as exc:
            reply = asyncio.get_running_loop().create_future()
            reply.set_exception(exc)
        reply.add_done_callback(lambda done: _settle(queued, done))

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | NotFound | TooOld:
        reply: KeyValue | NotFound | TooOld = await self._ask(key, m.Get(key, revision))
        return reply

    async def range(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> Listing | TooOld:
        reply: Listing | TooOld = await self._ask(prefix, m.Range(prefix, revision, limit, start_after))
        return reply

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> Written | Conflict:
        reply: Written | Conflict = await self._ask(key, m.Create(key, value, lease))
        return reply

    async def update(
        self, key: str, value: bytes, *, mod_revision: int, lease: int = 0
    ) -> Written | Conflict | NotFound:
        reply: Written | Conflict | NotFound = await self._ask(key, m.Update(key, value, mod_revision, lease))
        return reply

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> Written:
        reply: Written = await self._ask(key, m.Put(key, value, lease))
        return reply

    async def delete(self, key: str, *, mod_revision: int = 0) -> Deleted | Conflict | NotFound:
        reply: Deleted | Conflict | NotFound = await self._ask(key, m.Delete(key, mod_revision))
        return reply

    async def revision(self, key: str) -> int:
        """The current revision of the shard owning ``key``."""
        reply: int = await self._ask(key, m.CurrentRevision())
        return reply

    async def grant_lease(self, ttl: float, *, for_key: str) -> int:
        """A lease on the shard of ``for_key`` (a lease only holds keys of its own shard)."""
        reply: int = await self._ask(for_key, m.GrantLease(ttl))
        return reply

    async def refresh_lease(self, lease: int, *, for_key: str) -> bool:
        reply: bool = await self._ask(for_key, m.RefreshLease(lease))
        return reply

    async def revoke_lease(self, lease: int, *, for_key: str) -> None:
        await self._ask(for_key, m.RevokeLease(lease))

    def watch(self, prefix: str, *, after_revision: int, watcher: ActorRef, watch_id: str) -> None:
        """Have the owning shard send ``WatchEvents`` (then maybe ``WatchEnded``) to ``watcher``."""
        self.ref_for(prefix).tell(m.Watch(watch_id, prefix, after_revision, str(watcher.address)))

    def cancel_watch(self, prefix: str, *, watcher: ActorRef, watch_id: str) -> None:
        self.ref_for(prefix).tell(m.CancelWatch(watch_id, str(watcher.address)))


def _settle(queued: list[tuple[Any, asyncio.Future[Any]]], reply: asyncio.Future[Any]) -> None:
    """Hand each caller its own outcome from a batch's reply (or the batch's failure)."""
    failure = reply.exception() if not reply.cancelled() else asyncio.CancelledError()
    outcomes = reply.result() if failure is None else [None] * len(queued)
    for (_, future), outcome in zip(queued, outcomes, strict=True):
        if future.done():
            continue
        if failure is not None:
            future.set_exception(failure)
        elif isinstance(outcome, m.Failed):
            future.set_exception(rebuild_error(outcome.error_type, outcome.text))
        else:
            future.set_result(outcome)
