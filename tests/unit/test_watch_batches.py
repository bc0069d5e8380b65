"""A watch's stream of batches: what queued up while its consumer was busy goes as one batch
(one socket write, one message), in order, and an ending still comes last."""

from __future__ import annotations

import asyncio

import pytest

from kube_actors.api import status
from kube_actors.api.resources import PODS
from kube_actors.components.apiserver import watching
from kube_actors.components.apiserver.watch_cache import Delivery
from kube_actors.components.apiserver.watching import batches


def added(name: str) -> dict[str, object]:
    return {"type": "ADDED", "object": {"metadata": {"name": name}}}


async def test_queued_deliveries_go_as_one_batch_and_the_ending_after_them() -> None:
    queue: asyncio.Queue[Delivery] = asyncio.Queue()
    closed = asyncio.Event()

    async def close() -> None:
        closed.set()

    for revision, names in [(2, ["a", "b"]), (3, ["c"]), (5, ["d"])]:
        queue.put_nowait((revision, [added(name) for name in names]))
    queue.put_nowait(status.Gone("too old resource version"))
    stream = batches(PODS, [added("listed")], 1, queue, False, close)
    seen = [batch async for batch in stream]
    assert seen == [
        [added("listed")],
        [added("a"), added("b"), added("c"), added("d")],
        [{"type": "ERROR", "object": status.Gone("too old resource version").status()}],
    ]
    assert closed.is_set()


async def test_a_batch_stops_growing_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watching, "MERGED_EVENTS", 2)
    queue: asyncio.Queue[Delivery] = asyncio.Queue()
    for revision, name in enumerate("abcde", start=1):
        queue.put_nowait((revision, [added(name)]))

    closed = asyncio.Event()

    async def close() -> None:
        closed.set()

    stream = batches(PODS, [], 0, queue, False, close)
    sizes = [len(await anext(stream)) for _ in range(3)]
    await stream.aclose()  # the consumer stops: the watch closes
    assert sizes == [2, 2, 1] and closed.is_set()
