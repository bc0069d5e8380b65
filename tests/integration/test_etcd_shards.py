"""etcd shard actors: routing by resource, watches as messages, compaction, recovery."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from kube_actors.components.etcd import StorageClient, spawn_shards
from kube_actors.components.etcd.messages import WatchEnded, WatchEvents
from kube_actors.runtime import Actor, ActorRef, ActorSystem, VirtualClock
from kube_actors.storage.base import (
    Event,
    InvalidRequestError,
    KeyValue,
    Listing,
    NotFound,
    TooOld,
    Written,
)
from kube_actors.storage.config import StorageConfig
from kube_actors.storage.history import HistoryWindow
from tests.waiting import eventually


class Watcher(Actor):
    """Collects what shards send; blocks on ``gate`` to play a slow consumer."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.events: list[Event] = []
        self.ended: list[WatchEnded] = []
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if isinstance(message, WatchEvents):
            if self.gate is not None:
                await self.gate.wait()
            self.events.extend(message.events)
        elif isinstance(message, WatchEnded):
            self.ended.append(message)
        return None


def _config(tmp_path: Path, backend: str, **kwargs: Any) -> StorageConfig:
    return StorageConfig(backend=backend, data_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_keys_go_to_the_shard_of_their_resource(tmp_path: Path, backend: str) -> None:
    config = _config(tmp_path, backend)
    async with ActorSystem("cp") as system:
        shards = spawn_shards(system, config)
        assert sorted(shards) == ["events", "leases", "main", "pods"]
        client = StorageClient(system, config.shard_map)
        pod, deployment = "/registry/pods/default/web-0", "/registry/deployments/default/web"
        written = await client.create(pod, b"pod")
        assert isinstance(written, Written)
        await client.create(deployment, b"deployment")
        await client.put("/registry/events/default/web.1", b"event")
        assert await client.revision(pod) == 1
        assert await client.revision(deployment) == 1  # each shard counts on its own
        assert await client.get(pod) == written.kv
        listing = await client.range("/registry/pods/")
        assert isinstance(listing, Listing) and [kv.key for kv in listing.kvs] == [pod]
        with pytest.raises(ValueError, match="spans several shards"):
            await client.range("/registry/")
    if backend == "sqlite":
        files = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db")  # noqa: ASYNC240
        assert files == ["events.db", "leases.db", "main.db", "pods.db"]


async def test_watch_events_arrive_as_messages_in_order(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlite")
    async with ActorSystem("cp") as system:
        spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        watcher_ref = system.spawn(Watcher, "watcher")
        client.watch("/registry/pods/", after_revision=0, watcher=watcher_ref, watch_id="w1")
        created = await client.create("/registry/pods/default/a", b"1")
        assert isinstance(created, Written)
        await client.update("/registry/pods/default/a", b"2", mod_revision=created.kv.mod_revision)
        await client.create("/registry/configmaps/default/x", b"other shard")
        await client.delete("/registry/pods/default/a")
        watcher = await _actor(system, watcher_ref, Watcher)
        await eventually(lambda: len(watcher.events) == 3)
        seen = [(e.type, e.kv.mod_revision) for e in watcher.events]
        assert seen == [("PUT", 1), ("PUT", 2), ("DELETE", 3)]
        assert watcher.events[1].prev == created.kv
        client.cancel_watch("/registry/pods/", watcher=watcher_ref, watch_id="w1")
        await asyncio.sleep(0.05)
        await client.create("/registry/pods/default/b", b"after cancel")
        await asyncio.sleep(0.05)
        assert len(watcher.events) == 3


async def test_a_slow_watcher_is_cut_off_with_too_old(tmp_path: Path) -> None:
    config = _config(tmp_path, "memory", watch_buffer=50)
    gate = asyncio.Event()
    async with ActorSystem("cp") as system:
        spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        slow = system.spawn(lambda: Watcher(gate), "slow")
        client.watch("/registry/pods/", after_revision=0, watcher=slow, watch_id="w")
        for i in range(200):
            await client.put(f"/registry/pods/default/p{i}", b"x")
        gate.set()
        watcher = await _actor(system, slow, Watcher)
        await eventually(lambda: bool(watcher.ended))
        assert isinstance(watcher.ended[0].outcome, TooOld)
        assert "fell behind" in watcher.ended[0].outcome.reason
        assert len(watcher.events) < 200


async def test_history_outside_the_window_is_compacted(tmp_path: Path, virtual_clock: VirtualClock) -> None:
    window = HistoryWindow(revisions=1_000_000, seconds=60, check_every=10)
    config = _config(tmp_path, "sqlite", window=window)
    async with ActorSystem("cp", clock=virtual_clock) as system:
        spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        first = await client.put("/registry/configmaps/default/c", b"1")
        await client.put("/registry/configmaps/default/c", b"2")
        assert isinstance(await client.get("/registry/configmaps/default/c", revision=1), KeyValue)
        await asyncio.sleep(0)
        await _advance(virtual_clock, 200)
        await client.put("/registry/configmaps/default/c", b"3")
        await _advance(virtual_clock, 200)
        old = await client.get("/registry/configmaps/default/c", revision=first.kv.mod_revision)
        assert isinstance(old, TooOld)
        current = await client.get("/registry/configmaps/default/c")
        assert isinstance(current, KeyValue) and current.value == b"3"


async def _advance(clock: VirtualClock, seconds: float) -> None:
    from kube_actors.runtime.clock import sleep

    await sleep(clock, seconds)


async def test_bad_requests_are_refused_and_the_shard_lives_on(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlite")
    async with ActorSystem("cp") as system:
        shards = spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        await client.put("/registry/configmaps/default/c", b"1")
        with pytest.raises(InvalidRequestError, match="in the future"):
            await client.get("/registry/configmaps/default/c", revision=99)
        shards["main"].tell("not a request")
        assert isinstance(await client.get("/registry/configmaps/default/c"), KeyValue)


async def test_a_restarted_shard_recovers_from_its_file(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlite")
    async with ActorSystem("cp") as system:
        shards = spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        for i in range(20):
            await client.put(f"/registry/pods/default/p{i}", str(i).encode())
        await client.delete("/registry/pods/default/p3")
        await system.stop(shards["pods"])
    async with ActorSystem("cp") as system:
        spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        assert await client.revision("/registry/pods/") == 21
        listing = await client.range("/registry/pods/")
        assert isinstance(listing, Listing) and len(listing.kvs) == 19
        assert isinstance(await client.get("/registry/pods/default/p3"), NotFound)
        watcher_ref = system.spawn(Watcher, "watcher")
        client.watch("/registry/pods/", after_revision=18, watcher=watcher_ref, watch_id="w")
        watcher = await _actor(system, watcher_ref, Watcher)
        await eventually(lambda: len(watcher.events) == 3)  # history survives the restart too
        assert watcher.events[-1].type == "DELETE"


async def test_shards_on_another_host_serve_requests_and_watches(tmp_path: Path) -> None:
    config = _config(tmp_path, "memory")
    db = ActorSystem("db", token="t")
    api = ActorSystem("api", token="t")
    try:
        spawn_shards(db, config)
        api.add_peer("db", await db.listen("ws://127.0.0.1:0"))
        client = StorageClient(api, config.shard_map, hosts=dict.fromkeys(config.shard_map.shards, "db"))
        watcher_ref = api.spawn(Watcher, "watcher")
        client.watch("/registry/pods/", after_revision=0, watcher=watcher_ref, watch_id="w")
        written = await client.create("/registry/pods/default/web", b"remote")
        assert isinstance(written, Written) and written.kv.value == b"remote"
        with pytest.raises(InvalidRequestError):  # the error keeps its class across hosts
            await client.get("/registry/pods/default/web", revision=50)
        watcher = await _actor(api, watcher_ref, Watcher)
        await eventually(lambda: len(watcher.events) == 1)
        assert watcher.events[0].kv == written.kv
    finally:
        await api.shutdown()
        await db.shutdown()


async def _actor(system: ActorSystem, ref: ActorRef, kind: type[Any]) -> Any:
    """The live instance behind a local ref, to inspect what it collected."""
    cell = system._cells[ref.address.path]
    await eventually(lambda: cell.actor is not None)
    assert isinstance(cell.actor, kind)
    return cell.actor
