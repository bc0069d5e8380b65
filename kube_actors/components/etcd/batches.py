"""Why: how an etcd shard answers a ``Batch``, the message every storage request travels in.

Requests are decided in order, each against every write before it, before any of them waits
for durability (so one group commit carries the whole batch). For any backend each request
is the backend's coroutine, stepped until it first waits. The local backends (memory,
SQLite) also decide synchronously: a batch is then one loop over plain calls and one
``flush``, with no coroutine per request, which is most of what 100,000 writes a second
through one shard costs otherwise. ``shard.py`` is the actor that owns the backend.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from kube_actors.components.etcd import messages as m
from kube_actors.runtime.eager import Finished, step_eagerly
from kube_actors.runtime.errors import BadRequestError
from kube_actors.storage.base import StorageBackend
from kube_actors.storage.local import LocalBackend

Flushes = list[tuple[asyncio.Future[None] | None, int]]
"""Each flush's future (None: durable at once) and how many of the batch's writes it covers."""


async def run_batch(backend: StorageBackend, requests: list[Any]) -> list[Any]:
    """The outcome of each request, in order; a ``Failed`` in place of each that raised."""
    if isinstance(backend, LocalBackend):
        return await _decide_locally(backend, requests)
    return await _run_each(backend, requests)


def operation(backend: StorageBackend, request: Any) -> Coroutine[Any, Any, Any]:
    """The backend call a storage request stands for."""
    call = _OPERATIONS.get(type(request))
    if call is None:
        raise BadRequestError(f"an etcd shard does not handle {type(request).__name__}")
    return call(backend, request)


async def _run_each(backend: StorageBackend, requests: list[Any]) -> list[Any]:
    started: list[Finished | asyncio.Future[Any]] = []
    for request in requests:
        try:
            started.append(step_eagerly(operation(backend, request)))
        except Exception as exc:  # not a storage request: refused on its own
            started.append(Finished(error=exc))
    outcomes: list[Any] = []
    for outcome in started:
        try:
            outcomes.append(outcome.result() if isinstance(outcome, Finished) else await outcome)
        except Exception as exc:
            outcomes.append(_failed(exc))
    return outcomes


async def _decide_locally(backend: LocalBackend, requests: list[Any]) -> list[Any]:
    """Writes are decided and staged; anything else first flushes what is staged, so a read
    sees the writes before it once they are durable (at once, on the memory backend) and a
    lease change is persisted after them. Writes, refusals included, answer once their flush
    is durable."""
    outcomes: list[Any] = []
    writes: list[int] = []  # indexes of decided writes: they fail if their flush does
    flushes: Flushes = []
    waiting: list[tuple[int, asyncio.Future[Any]]] = []  # requests on the coroutine path
    staged = False
    for index, request in enumerate(requests):  # each adds one outcome: index is its place
        try:
            decide = _DECISIONS.get(type(request))
            if decide is not None:
                outcomes.append(decide(backend, request))
                writes.append(index)
                staged = True
                continue
            if staged:
                staged = _flush(backend, flushes, len(writes))
            read = _READS.get(type(request))
            if read is not None:
                outcomes.append(read(backend, request))
                continue
            started = step_eagerly(operation(backend, request))
            if isinstance(started, Finished):
                outcomes.append(started.result())
            else:
                waiting.append((index, started))
                outcomes.append(None)
        except Exception as exc:
            outcomes.append(_failed(exc))
    if staged:
        _flush(backend, flushes, len(writes))
    covered = 0
    for flushed, covers in flushes:
        try:
            if flushed is not None:
                await flushed
        except Exception as exc:
            for index in writes[covered:covers]:
                outcomes[index] = _failed(exc)
        covered = covers
    for index, task in waiting:
        try:
            outcomes[index] = await task
        except Exception as exc:
            outcomes[index] = _failed(exc)
    return outcomes


def _flush(backend: LocalBackend, flushes: Flushes, writes: int) -> bool:
    """Persist what is staged, keeping the future to await (None: durable already), which
    covers the first ``writes`` writes of the batch; False: nothing is staged now."""
    try:
        pending = backend.flush()
    except Exception as exc:  # the backend is broken: the writes fail, the batch goes on
        pending = asyncio.get_running_loop().create_future()
        pending.set_exception(exc)
    flushes.append((pending, writes))
    return False


def _failed(error: Exception) -> m.Failed:
    return m.Failed(type(error).__name__, str(error))


_DECISIONS: dict[type[Any], Callable[[LocalBackend, Any], Any]] = {
    m.Put: lambda b, r: b.decide_put(r.key, r.value, r.lease),
    m.Create: lambda b, r: b.decide_create(r.key, r.value, r.lease),
    m.Update: lambda b, r: b.decide_update(r.key, r.value, r.mod_revision, r.lease),
    m.Delete: lambda b, r: b.decide_delete(r.key, r.mod_revision),
}

_READS: dict[type[Any], Callable[[LocalBackend, Any], Any]] = {
    m.Get: lambda b, r: b.read_get(r.key, r.revision),
    m.Range: lambda b, r: b.read_range(r.prefix, r.revision, r.limit, r.start_after),
    m.CurrentRevision: lambda b, r: b.committed,
}

_OPERATIONS: dict[type[Any], Callable[[StorageBackend, Any], Coroutine[Any, Any, Any]]] = {
    m.Get: lambda b, r: b.get(r.key, revision=r.revision),
    m.Range: lambda b, r: b.range(r.prefix, revision=r.revision, limit=r.limit, start_after=r.start_after),
    m.Create: lambda b, r: b.create(r.key, r.value, lease=r.lease),
    m.Update: lambda b, r: b.update(r.key, r.value, mod_revision=r.mod_revision, lease=r.lease),
    m.Put: lambda b, r: b.put(r.key, r.value, lease=r.lease),
    m.Delete: lambda b, r: b.delete(r.key, mod_revision=r.mod_revision),
    m.CurrentRevision: lambda b, r: b.revision(),
    m.Compact: lambda b, r: b.compact(r.revision),
    m.GrantLease: lambda b, r: b.grant_lease(r.ttl),
    m.RefreshLease: lambda b, r: b.refresh_lease(r.lease),
    m.RevokeLease: lambda b, r: b.revoke_lease(r.lease),
}
