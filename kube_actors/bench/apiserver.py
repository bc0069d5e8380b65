"""Why: measures the apiserver as its clients see it, on the sqlite backend: pod creates, a list
of every pod and one watch stream over HTTP on loopback, and creates by actor message from
in-cluster callers.

Targets (on a 2-core machine): HTTP creates >= 3,000/s from 50 concurrent clients with p99
latency under 100 ms; a list of 150,000 pods in under 5 s; >= 20,000 events/s to one HTTP
watcher. The HTTP clients (creates, watcher, list) run in a child process, so that they do
not take the apiserver's event loop; the creates go over 50 keep-alive connections of a lean
client (``http_load``), so that it takes little of the machine's CPU either. The in-cluster
callers share the cluster's event loop, as in-cluster components do.

``http_watch_events`` is how fast the server delivers events to one watcher: the watcher
resumes from a resourceVersion before ``n`` pod creates, still in the watch window, and the
apiserver replays those events from its watch cache, as Kubernetes does (from the request to
the last event; each event's JSON, encoded once for the live watcher below, is not encoded
again, as in Kubernetes' cacher). ``http_watch_live_events`` is the same watcher following the
creates as they happen (from the first create to the last event): it can only get what is
being written, so it is bounded by the create rate of the in-cluster callers; informative only.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from kube_actors.bench import Figure, Report
from kube_actors.bench.http_load import HttpConnection, connect
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver.messages import CreateObject
from kube_actors.components.apiserver.watch_cache import REMEMBERED_CHANGES
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.storage.config import StorageConfig

CLIENTS = 50
WAIT_AT_MOST = 600.0  # seconds for any one HTTP exchange, a watch's whole stream included
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
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=WAIT_AT_MOST))


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
    """Creates per second from ``CLIENTS`` concurrent HTTP clients, each on a keep-alive
    connection of its own, and each create's latency in seconds; run in a child process."""

    async def measure() -> tuple[float, list[float]]:
        latencies: list[float] = []
        idle: list[HttpConnection] = [await connect(url) for _ in range(CLIENTS)]
        pods = "/api/v1/namespaces/bench-http/pods"

        async def create(i: int) -> None:
            connection = idle.pop()  # one per worker: there are as many as workers
            try:
                start = time.perf_counter()
                code, answer = await connection.request("POST", pods, orjson.dumps(pod(f"pod-{i}")))
                latencies.append(time.perf_counter() - start)
            finally:
                idle.append(connection)
            if code != 201:
                raise RuntimeError(f"a create answered {code}: {answer[:300]!r}")

        try:
            return await concurrently(n, CLIENTS, create), latencies
        finally:
            for connection in idle:
                connection.close()

    return asyncio.run(measure())


def watch_events(url: str, version: str, n: int) -> tuple[float, float]:
    """Watch the ``bench-watch`` pods from ``version`` until ``n`` ADDED events have come;
    returns when the watch was asked for and when its last event came (``time.monotonic``,
    which the parent process shares on Linux). Run in a child process."""

    async def watch() -> tuple[float, float]:
        query = {"watch": "true", "resourceVersion": version}
        seen, rest = 0, b""
        async with http_session() as client:
            asked = time.monotonic()
            async with client.get(f"{url}/api/v1/namespaces/bench-watch/pods", params=query) as stream:
                async for chunk in stream.content.iter_any():
                    *lines, rest = (rest + chunk).split(b"\n")
                    for line in lines:
                        if (kind := orjson.loads(line)["type"]) != "ADDED":
                            raise RuntimeError(f"the watch sent {kind} after {seen} events")
                        seen += 1
                    if seen >= n:
                        return asked, time.monotonic()
        raise RuntimeError(f"the watch ended after {seen} of {n} events")

    return asyncio.run(watch())


def list_seconds(url: str, expected: int) -> float:
    """Seconds until the whole body of ``GET /api/v1/pods`` has arrived (decoding it is not
    timed); run in a child process."""

    async def read() -> tuple[float, bytes]:
        async with http_session() as client:
            start = time.perf_counter()
            async with client.get(f"{url}/api/v1/pods") as reply:
                body = await reply.read()
            return time.perf_counter() - start, body

    elapsed, body = asyncio.run(read())
    if (got := len(orjson.loads(body)["items"])) != expected:
        raise RuntimeError(f"the list has {got} pods, not {expected}")
    return elapsed


async def watch_rates(
    child: ProcessPoolExecutor, client: aiohttp.ClientSession, url: str, api: ActorRef, n: int
) -> tuple[float, float]:
    """Events per second to one HTTP watcher (in ``child``): following ``n`` creates by
    ``CLIENTS`` in-cluster callers as they happen, then replaying them from before the first."""
    async with client.get(f"{url}/api/v1/namespaces/bench-watch/pods") as reply:
        version = (await reply.json())["metadata"]["resourceVersion"]
    loop = asyncio.get_running_loop()
    following = loop.run_in_executor(child, watch_events, url, version, n)
    started = time.monotonic()
    await concurrently(n, CLIENTS, create_by_message(api, "bench-watch"))
    _, live_end = await following
    asked, replay_end = await loop.run_in_executor(child, watch_events, url, version, n)
    return n / (replay_end - asked), n / (live_end - started)


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def measure(quick: bool) -> Report:
    scale = 0.1 if quick else 1.0
    creates, events, listed = (int(x * scale) for x in (20_000, 20_000, 150_000))
    if events > REMEMBERED_CHANGES:  # the replay would come from storage, not the watch cache
        raise RuntimeError(f"{events} events do not fit the watch cache's {REMEMBERED_CHANGES}")
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
                    replayed, live = await watch_rates(child, client, url, api, events)
                await concurrently(listed - 2 * creates - events, 100, create_by_message(api, "bench-list"))
                list_time = await loop.run_in_executor(child, list_seconds, url, listed)

    p50, p99 = (percentile(latencies, p) * 1000 for p in (50, 99))
    report = Report("apiserver", extra={"quick": quick})
    report.results = [
        Figure("http_create", http_rate, "creates/s", 3_000, note=f"{CLIENTS} connections, another process"),
        Figure("http_create_p50_ms", p50, "ms"),
        Figure("http_create_p99_ms", p99, "ms", ceiling=100),
        Figure("http_list_150k_s", list_time, "s", ceiling=5, note=f"GET /api/v1/pods, {listed:,} pods"),
        Figure("http_watch_events", replayed, "events/s", 20_000, note=f"one watcher, {events:,} replayed"),
        Figure("http_watch_live_events", live, "events/s", note="the same, as in-cluster callers create"),
        Figure("actor_create", actor_rate, "creates/s", note=f"{CLIENTS} in-cluster callers"),
    ]
    return report


def run(quick: bool = False) -> Report:
    return asyncio.run(measure(quick))
