"""One harness per storage backend, so the contract suite runs unchanged over each of them."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube_actors.runtime.clock import VirtualClock, sleep
from kube_actors.storage.base import StorageBackend
from kube_actors.storage.memory import MemoryBackend

_roots = itertools.count()


@dataclass
class Harness:
    """A started backend, a unique key root for the test, and how time passes for it."""

    backend: StorageBackend
    root: str
    wait: Callable[[float], Awaitable[None]]

    def key(self, path: str) -> str:
        return f"{self.root}{path}"


BackendFactory = Callable[[int], Awaitable[tuple[StorageBackend, Callable[[float], Awaitable[None]]]]]


def _memory(clock: VirtualClock) -> BackendFactory:
    async def make(watch_buffer: int) -> tuple[StorageBackend, Callable[[float], Awaitable[None]]]:
        return MemoryBackend(clock=clock, watch_buffer=watch_buffer), lambda s: sleep(clock, s)

    return make


BACKENDS = ["memory"]


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make_harness(
    backend_kind: str, virtual_clock: VirtualClock, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    started: list[StorageBackend] = []
    factories: dict[str, BackendFactory] = {"memory": _memory(virtual_clock)}

    async def make(watch_buffer: int = 100_000) -> Harness:
        backend, wait = await factories[backend_kind](watch_buffer)
        await backend.start()
        started.append(backend)
        return Harness(backend, f"/t{next(_roots)}", wait)

    yield make
    for backend in started:
        await backend.close()
    await asyncio.sleep(0)


@pytest.fixture
async def harness(make_harness: Callable[..., Awaitable[Harness]]) -> Harness:
    return await make_harness()
