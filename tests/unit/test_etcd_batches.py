"""How a shard answers a ``Batch``: in order, each request against every write before it, the
local backends' synchronous path agreeing with the coroutine path every backend has, and a
failed flush failing the writes it carried but not the reads."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kube_actors.components.etcd import messages as m
from kube_actors.components.etcd.batches import run_batch
from kube_actors.runtime import VirtualClock
from kube_actors.storage.base import (
    MAX_VALUE_BYTES,
    Conflict,
    Deleted,
    Event,
    KeyValue,
    Listing,
    NotFound,
    StorageError,
    Written,
)
from kube_actors.storage.memory import MemoryBackend
from kube_actors.storage.mvcc import Lease

K = "/registry/configmaps/default/"


class Delegating:
    """A backend that is not a ``LocalBackend``, so batches take the coroutine path."""

    def __init__(self, inner: MemoryBackend) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Unwritable(MemoryBackend):
    """A backend whose disk has failed: every flush with something to persist fails."""

    def _persist(self, events: list[Event], granted: list[Lease], revoked: list[int]) -> None:
        if events or granted or revoked:
            raise StorageError("storage file shard.db failed to commit: disk I/O error")


BATCHES: list[tuple[list[Any], list[type]]] = [
    ([m.Put(K + "a", b"1"), m.Get(K + "a")], [Written, KeyValue]),
    ([m.Create(K + "a", b"1"), m.Create(K + "a", b"2"), m.Range(K)], [Written, Conflict, Listing]),
    (
        [m.Create(K + "a", b"1"), m.Update(K + "a", b"2", mod_revision=1), m.Update(K + "a", b"3", 1)],
        [Written, Written, Conflict],
    ),
    ([m.Put(K + "a", b"x" * (MAX_VALUE_BYTES + 1)), m.Put(K + "b", b"1")], [m.Failed, Written]),
    (
        [m.Delete(K + "a"), m.Put(K + "a", b"1"), m.Delete(K + "a", 99), m.Delete(K + "a")],
        [NotFound, Written, Conflict, Deleted],
    ),
    (
        [m.GrantLease(10.0), m.Put(K + "a", b"1", lease=1), m.RevokeLease(1), m.Get(K + "a")],
        [int, Written, type(None), NotFound],
    ),
    ([m.Put(K + "a", b"1", lease=7), m.CurrentRevision()], [m.Failed, int]),
    (["not a request", m.Put(K + "a", b"1"), m.CurrentRevision()], [m.Failed, Written, int]),
]


@pytest.mark.parametrize(("requests", "kinds"), BATCHES)
async def test_a_batch_is_decided_in_order_and_both_paths_agree(
    requests: list[Any], kinds: list[type], virtual_clock: VirtualClock
) -> None:
    local, other = MemoryBackend(clock=virtual_clock), MemoryBackend(clock=virtual_clock)
    for backend in (local, other):
        await backend.start()
    decided = await run_batch(local, requests)
    stepped = await run_batch(Delegating(other), requests)  # type: ignore[arg-type]
    assert [type(outcome) for outcome in decided] == kinds
    assert decided == stepped
    assert local.committed == other.committed
    for backend in (local, other):
        await backend.close()


async def test_a_read_after_a_write_of_its_own_batch_sees_it(virtual_clock: VirtualClock) -> None:
    backend = MemoryBackend(clock=virtual_clock)
    await backend.start()
    outcomes = await run_batch(backend, [m.Put(K + "a", b"1"), m.CurrentRevision(), m.Range(K)])
    assert outcomes[1] == 1
    assert [kv.key for kv in outcomes[2].kvs] == [K + "a"]
    await backend.close()


async def test_a_failed_flush_fails_the_writes_and_not_the_reads(virtual_clock: VirtualClock) -> None:
    backend = Unwritable(clock=virtual_clock)
    await backend.start()
    requests = [m.Put(K + "a", b"1"), m.Get(K + "b"), m.Create(K + "b", b"2"), m.CurrentRevision()]
    outcomes = await run_batch(backend, requests)
    assert [type(outcome) for outcome in outcomes] == [m.Failed, NotFound, m.Failed, int]
    assert outcomes[0].error_type == "StorageError"
    await backend.close()


async def test_writes_answer_only_once_their_flush_is_durable(virtual_clock: VirtualClock) -> None:
    class Slow(MemoryBackend):
        durable: asyncio.Future[None]

        def _persist(
            self, events: list[Event], granted: list[Lease], revoked: list[int]
        ) -> asyncio.Future[None]:
            self.durable = asyncio.get_running_loop().create_future()
            self.durable.add_done_callback(lambda _: self._published(events))
            return self.durable

    backend = Slow(clock=virtual_clock)
    await backend.start()
    batch = asyncio.ensure_future(run_batch(backend, [m.Put(K + "a", b"1"), m.Put(K + "b", b"2")]))
    await asyncio.sleep(0)
    assert not batch.done() and backend.committed == 0
    backend.durable.set_result(None)
    assert [type(outcome) for outcome in await batch] == [Written, Written]
    assert backend.committed == 2
    await backend.close()
