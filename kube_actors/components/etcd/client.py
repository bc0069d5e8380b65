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
    """Each request method returns the future of its outcome (await it like a coroutine): a
    request is queued at the call, and everything queued for a shard within one turn of the
    event loop goes to it as one ``Batch``, answered by one reply. A hundred concurrent
    writers thus cost one message per turn, not a hundred asks with a timer each."""

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
        self._queued: dict[str, tuple[list[Any], list[asyncio.Future[Any]]]] = {}
        placed = hosts or {}
        self._refs = {
            shard: system.ref(f"ka://{placed.get(shard, system.host)}/{SHARD_PATH}/{shard}")
            for shard in shard_map.shards
        }
        self._only_shard = shard_map.shards[0] if len(shard_map.shards) == 1 else None

    def shard_ref(self, shard: str) -> ActorRef:
        return self._refs[shard]

    def ref_for(self, key: str) -> ActorRef:
        return self._refs[self.shard_map.shard_for(key)]

    def _ask(self, key: str, request: Any) -> asyncio.Future[Any]:
        """Queue ``request`` for the shard of ``key``; the future of its outcome."""
        shard = self._only_shard or self.shard_map.shard_for(key)
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[Any] = asyncio.Future(loop=loop)
        queued = self._queued.get(shard)
        if queued is None:
            self._queued[shard] = ([request], [outcome])
            loop.call_soon(self._send, shard)
        else:
            queued[0].append(request)
            queued[1].append(outcome)
        return outcome

    def _send(self, shard: str) -> None:
        requests, outcomes = self._queued.pop(shard)
        try:
            reply = self._refs[shard].request(m.Batch(requests), timeout=self.timeout)
        except Exception as exc:
            reply = asyncio.get_running_loop().create_future()
            reply.set_exception(exc)
        reply.add_done_callback(partial(_settle, outcomes))

    def get(self, key: str, *, revision: int = 0) -> asyncio.Future[KeyValue | NotFound | TooOld]:
        return self._ask(key, m.Get(key, revision))

    def range(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> asyncio.Future[Listing | TooOld]:
        return self._ask(prefix, m.Range(prefix, revision, limit, start_after))

    def create(self, key: str, value: bytes, *, lease: int = 0) -> asyncio.Future[Written | Conflict]:
        return self._ask(key, m.Create(key, value, lease))

    def update(
        self, key: str, value: bytes, *, mod_revision: int, lease: int = 0
    ) -> asyncio.Future[Written | Conflict | NotFound]:
        return self._ask(key, m.Update(key, value, mod_revision, lease))

    def put(self, key: str, value: bytes, *, lease: int = 0) -> asyncio.Future[Written]:
        return self._ask(key, m.Put(key, value, lease))

    def delete(self, key: str, *, mod_revision: int = 0) -> asyncio.Future[Deleted | Conflict | NotFound]:
        return self._ask(key, m.Delete(key, mod_revision))

    def revision(self, key: str) -> asyncio.Future[int]:
        """The current revision of the shard owning ``key``."""
        return self._ask(key, m.CurrentRevision())

    def grant_lease(self, ttl: float, *, for_key: str) -> asyncio.Future[int]:
        """A lease on the shard of ``for_key`` (a lease only holds keys of its own shard)."""
        return self._ask(for_key, m.GrantLease(ttl))

    def refresh_lease(self, lease: int, *, for_key: str) -> asyncio.Future[bool]:
        return self._ask(for_key, m.RefreshLease(lease))

    def revoke_lease(self, lease: int, *, for_key: str) -> asyncio.Future[None]:
        return self._ask(for_key, m.RevokeLease(lease))

    def watch(self, prefix: str, *, after_revision: int, watcher: ActorRef, watch_id: str) -> None:
        """Have the owning shard send ``WatchEvents`` (then maybe ``WatchEnded``) to ``watcher``."""
        self.ref_for(prefix).tell(m.Watch(watch_id, prefix, after_revision, str(watcher.address)))

    def cancel_watch(self, prefix: str, *, watcher: ActorRef, watch_id: str) -> None:
        self.ref_for(prefix).tell(m.CancelWatch(watch_id, str(watcher.address)))


def _settle(outcomes: list[asyncio.Future[Any]], reply: asyncio.Future[Any]) -> None:
    """Hand each caller its own outcome from a batch's reply (or the batch's failure)."""
    failure = reply.exception() if not reply.cancelled() else asyncio.CancelledError()
    if failure is not None:
        for future in outcomes:
            if not future.done():
                future.set_exception(failure)
        return
    for future, outcome in zip(outcomes, reply.result(), strict=True):
        try:
            if type(outcome) is _FAILED:
                future.set_exception(rebuild_error(outcome.error_type, outcome.text))
            else:
                future.set_result(outcome)
        except asyncio.InvalidStateError:
            pass  # its caller gave up on it (cancelled)


_FAILED = m.Failed
