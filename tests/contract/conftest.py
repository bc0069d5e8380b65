"""One harness per storage backend, so the contract suite runs unchanged over each of them.

SQLite files live in the test's temporary directory. The etcd backend runs against a real etcd
server (Debian's ``etcd-server``), started once per session on free loopback ports; tests keep
apart through their unique key roots.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube_actors.bench.etcd_server import EtcdServer
from kube_actors.runtime.clock import VirtualClock, sleep
from kube_actors.storage.base import StorageBackend
from kube_actors.storage.etcd import EtcdBackend
from kube_actors.storage.memory import MemoryBackend
from kube_actors.storage.sqlite import SqliteBackend

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


def _sqlite(clock: VirtualClock, directory: Path) -> BackendFactory:
    async def make(watch_buffer: int) -> tuple[StorageBackend, Callable[[float], Awaitable[None]]]:
        path = directory / f"shard-{next(_roots)}.db"
        return SqliteBackend(path, clock=clock, watch_buffer=watch_buffer), lambda s: sleep(clock, s)

    return make


def _etcd(url: str) -> BackendFactory:
    async def make(watch_buffer: int) -> tuple[StorageBackend, Callable[[float], Awaitable[None]]]:
        return EtcdBackend(url, watch_buffer=watch_buffer), asyncio.sleep  # etcd keeps real time

    return make


@pytest.fixture(scope="session")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The client URL of a real etcd server shared by the session's etcd tests."""
    if shutil.which("etcd") is None:
        pytest.skip("etcd binary not found: install Debian's etcd-server")
    server = EtcdServer(tmp_path_factory.mktemp("etcd")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def etcd_url(backend_kind: str, request: pytest.FixtureRequest) -> str:
    """The shared etcd server's URL for the etcd backend (started on first use), else ""."""
    return str(request.getfixturevalue("etcd_server")) if backend_kind == "etcd" else ""


BACKENDS = ["memory", "sqlite", "etcd"]


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make_harness(
    backend_kind: str, virtual_clock: VirtualClock, tmp_path: Path, etcd_url: str
) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    started: list[StorageBackend] = []
    factories: dict[str, BackendFactory] = {
        "memory": _memory(virtual_clock),
        "sqlite": _sqlite(virtual_clock, tmp_path),
        "etcd": _etcd(etcd_url),
    }

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
