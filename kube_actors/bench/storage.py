"""Why: measures the etcd shard actors over each backend: writes with 1 and 100 concurrent
writers, reads, and watch events fanned out to 1 and 100 watcher actors.

Targets (issue 3, on a 2-core machine): sqlite durable writes >= 20,000/s with 100 writers
(group commit) and >= 500/s with one; memory >= 100,000 writes/s; watch fan-out >= 100,000
events/s in total. Every request goes through ``StorageClient`` and the shard actor, as the
apiserver's will. The ``etcd`` rows appear when an ``etcd`` binary is on PATH.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from kube_actors.bench import Figure, Report
from kube_actors.bench.etcd_server import EtcdServer
from kube_actors.components.etcd import StorageClient, spawn_shards
from kube_actors.components.etcd.messages import WatchEvents
from kube_actors.runtime import Actor, ActorSystem
from kube_actors.storage.config import StorageConfig
from kube_actors.storage.sharding import ShardMap

PREFIX = "/registry/configmaps/bench/"
VALUE = b"x" * 512  # about the size of a small ConfigMap


async def write_rate(client: StorageClient, n: int, writers: int, tag: str) -> float:
    per_writer = n // writers

    async def writer(w: int) -> None:
        for i in range(per_writer):
            await client.put(f"{PREFIX}{tag}-{w}-{i % 1000}", VALUE)

    start = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return per_writer * writers / (time.perf_counter() - start)


async def read_rate(client: StorageClient, n: int, readers: int = 100) -> float:
    keys = [f"{PREFIX}read-{i}" for i in range(1000)]
    await asyncio.gather(*(client.put(key, VALUE) for key in keys))
    per_reader = n // readers

    async def reader(r: int) -> None:
        for i in range(per_reader):
            await client.get(keys[(r * 7 + i) % len(keys)])

    start = time.perf_counter()
    await asyncio.gather(*(reader(r) for r in range(readers)))
    return per_reader * readers / (time.perf_counter() - start)


class Counter(Actor):
    def __init__(self, done: asyncio.Event, expected: int) -> None:
        self.received = 0
        self.done = done
        self.expected = expected

    async def receive(self, message: Any) -> Any:
        if isinstance(message, WatchEvents):
            self.received += len(message.events)
            if self.received >= self.expected:
                self.done.set()
        return None


async def fanout_rate(system: ActorSystem, client: StorageClient, watchers: int, events: int) -> float:
    prefix = f"{PREFIX}fanout-{watchers}/"
    start_revision = await client.revision(prefix)
    dones = [asyncio.Event() for _ in range(watchers)]
    refs = [
        system.spawn(lambda d=d: Counter(d, events), f"bench/watcher-{watchers}-{i}")
        for i, d in enumerate(dones)
    ]
    for i, ref in enumerate(refs):
        client.watch(prefix, after_revision=start_revision, watcher=ref, watch_id=f"w{i}")
    start = time.perf_counter()
    await asyncio.gather(*(client.put(f"{prefix}{i % 100}", VALUE) for i in range(events)))
    await asyncio.wait_for(asyncio.gather(*(d.wait() for d in dones)), 300)
    rate = watchers * events / (time.perf_counter() - start)
    for i, ref in enumerate(refs):
        client.cancel_watch(prefix, watcher=ref, watch_id=f"w{i}")
        await system.stop(ref)
    return rate


async def measure_backend(config: StorageConfig, kind: str, scale: float, report: Report) -> None:
    targets = {"sqlite": (500, 20_000), "memory": (100_000, 100_000)}.get(kind, (None, None))
    async with ActorSystem("bench", strict=False) as system:
        spawn_shards(system, config)
        client = StorageClient(system, config.shard_map, timeout=120)
        await client.revision(PREFIX)
        n_one = int((2_000 if kind == "sqlite" else 20_000) * scale)
        report.results.append(
            Figure(f"{kind}_write_1", await write_rate(client, n_one, 1, "one"), "writes/s", targets[0])
        )
        report.results.append(
            Figure(
                f"{kind}_write_100",
                await write_rate(client, int(100_000 * scale), 100, "many"),
                "writes/s",
                targets[1],
                note="100 concurrent writers",
            )
        )
        report.results.append(
            Figure(f"{kind}_read", await read_rate(client, int(100_000 * scale)), "reads/s")
        )
        if kind == "memory":
            for watchers in (1, 100):
                events = int((100_000 if watchers == 1 else 2_000) * scale)
                rate = await fanout_rate(system, client, watchers, events)
                report.results.append(
                    Figure(
                        f"watch_fanout_{watchers}",
                        rate,
                        "events/s",
                        100_000,
                        note=f"{watchers} watcher actor(s), events delivered in total",
                    )
                )


async def measure(quick: bool) -> Report:
    scale = 0.1 if quick else 1.0
    report = Report("storage")
    one_shard = ShardMap({})
    with tempfile.TemporaryDirectory(prefix="kube-actors-bench-") as data:
        await measure_backend(StorageConfig("memory", shard_map=one_shard), "memory", scale, report)
        config = StorageConfig("sqlite", data_dir=Path(data), shard_map=one_shard)
        await measure_backend(config, "sqlite", scale, report)
        if shutil.which("etcd"):
            async with EtcdServer(Path(data) / "etcd") as etcd:
                config = StorageConfig("etcd", etcd_endpoints=(etcd.url,), shard_map=one_shard)
                await measure_backend(config, "etcd", scale, report)
        else:
            report.extra["etcd"] = "skipped: no etcd binary on PATH (Debian package etcd-server)"
    report.extra["quick"] = quick
    return report


def run(quick: bool = False) -> Report:
    return asyncio.run(measure(quick))
