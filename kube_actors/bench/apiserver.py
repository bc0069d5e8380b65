"""Why: measures the apiserver as its clients see it, on the sqlite backend: pod creates, a list
of every pod and one watch stream over HTTP on loopback, and creates by actor message from
in-cluster callers.

Targets (on a 2-core machine): HTTP creates >= 3,000/s from 50 concurrent clients with p99
latency under 100 ms; a list of 150,000 pods in under 5 s; >= 20,000 events/s to one HTTP
watcher. The 50 HTTP create clients run in a child process, so that the load generator does
not take the apiserver's CPU; the list and the watch clients share the cluster's event loop,
as do the in-cluster callers. A watcher only gets what is written, so ``http_watch_events``
is bounded by the create rate (compare ``actor_create``).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp

from kube_actors.bench import Figure, Report
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver.messages import CreateObject
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.storage.config import StorageConfig

CLIENTS = 50
NAMESPACES = ("bench-actor", "bench-http", "bench-watch", "bench-list")

Job = Callable[[int], Awaitable[None]]


def pod(name: str) -> dict[str, Any]:
    """A small, realistic Pod: one container with a port and resource requests."""
    container = {
        "name": "web",
        "image": "nginx:1.25",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bench", "tier": "web"}},
        "spec": {"containers": [container], "restartPolicy": "Always"},
    }


def http_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600))


async def concurrently(n: int, workers: int, job: Job) -> float:
    """Run ``job(0)`` to ``job(n - 1)`` from ``workers`` concurrent workers; returns jobs/s."""
    per_worker = n // workers

    async def worker(w: int) -> None:
        for i in range(w * per_worker, (w + 1) * per_worker):
            await job(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    return per_worker * workers / (time.perf_counter() - start)


def create_by_message(api: ActorRef, namespace: str) -> Job:
    async def create(i: int) -> None:
        await api.ask(CreateObject("pods", namespace, pod(f"pod-{i}")), timeout=120)

    return create


def create_over_http(url: str, n: int) -> tuple[float, list[float]]:
    """Creates per second from ``CLIENTS`` concurrent HTTP clients, and each one's latency in
    seconds; run in a child process."""

    async def measure() -> tuple[float, list[float]]:
        latencies: list[float] = []
        async with http_session() as client:

            async def create(i: int) -> None:
                start = time.perf_counter()
                pods = f"{url}/api/v1/namespaces/bench-http/pods"
                async with client.post(pods, json=pod(f"pod-{i}")) as reply:
                    if reply.status != 201:
                        raise RuntimeError(f"a create answered {reply.status}: {await reply.text()}")
                    await reply.read()
                latencies.append(time.perf_counter() - start)

            return await concurrently(n, CLIENTS, create), latencies

    return asyncio.run(measure())


async def list_seconds(client: aiohttp.ClientSession, url: str, expected: int) -> float:
    """Seconds until the whole body of ``GET /api/v1/pods`` has arrived (decoding it is not timed)."""
    start = time.perf_counter()
    async with client.get(f"{url}/api/v1/pods") as reply:
        body = await reply.read()
    elapsed = time.perf_counter() - start
    if (got := len(json.loads(body)["items"])) != expected:
        raise RuntimeError(f"the list has {got} pods, not {expected}")
    return elapsed


async def watch_rate(client: aiohttp.ClientSession, url: str, api: ActorRef, n: int) -> float:
    """Events per second arriving at one HTTP watcher, from the first of ``n`` creates by
    ``CLIENTS`` in-cluster callers to the last event."""
    pods = f"{url}/api/v1/namespaces/bench-watch/pods"
    async with client.get(pods) as reply:
        version = (await reply.json())["metadata"]["resourceVersion"]
    async with client.get(pods, params={"watch": "true", "resourceVersion": version}) as stream:
        start = time.perf_counter()
        creating = asyncio.create_task(concurrently(n, CLIENTS, create_by_message(api, "bench-watch")))
        seen = 0
        async for line in stream.content:
            if (kind := json.loads(line)["type"]) != "ADDED":
                raise RuntimeError(f"the watch sent {kind} after {seen} events")
            seen += 1
            if seen == n:
                break
        elapsed = time.perf_counter() - start
        await creating
    return n / elapsed


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def measure(quick: bool) -> Report:
    scale = 0.1 if quick else 1.0
    creates, events, listed = (int(x * scale) for x in (20_000, 20_000, 150_000))
    with tempfile.TemporaryDirectory(prefix="kube-actors-bench-") as data:
        async with ActorSystem("bench", strict=False) as system:
            config = ClusterConfig(StorageConfig("sqlite", data_dir=Path(data)), api_port=0)
            url = await start_cluster(system, config)
            api = system.ref_for_path(API_PATH)
            for namespace in NAMESPACES:
                await api.ask(CreateObject("namespaces", "", {"metadata": {"name": namespace}}))
            actor_rate = await concurrently(creates, CLIENTS, create_by_message(api, "bench-actor"))
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
                loop = asyncio.get_running_loop()
                http_rate, latencies = await loop.run_in_executor(child, create_over_http, url, creates)
            async with http_session() as client:
                watch = await watch_rate(client, url, api, events)
                await concurrently(listed - 2 * creates - events, 100, create_by_message(api, "bench-list"))
                list_time = await list_seconds(client, url, listed)

    p50, p99 = (percentile(latencies, p) * 1000 for p in (50, 99))
    report = Report("apiserver", extra={"quick": quick})
    report.results = [
        Figure("http_create", http_rate, "creates/s", 3_000, note=f"{CLIENTS} HTTP clients, another process"),
        Figure("http_create_p50_ms", p50, "ms"),
        Figure("http_create_p99_ms", p99, "ms", ceiling=100),
        Figure("http_list_150k_s", list_time, "s", ceiling=5, note=f"GET /api/v1/pods, {listed:,} pods"),
        Figure("http_watch_events", watch, "events/s", 20_000, note="one watcher, pods created meanwhile"),
        Figure("actor_create", actor_rate, "creates/s", note=f"{CLIENTS} in-cluster callers"),
    ]
    return report


def run(quick: bool = False) -> Report:
    return asyncio.run(measure(quick))
