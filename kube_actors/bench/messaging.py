"""Why: measures what every component pays per message, locally and across a ws link between
two OS processes, beside a raw ``asyncio.Queue`` measured in the same run.

Targets (issue 2, on a 2-core machine): local tell >= 400,000/s and >= 25% of the raw queue;
local ask >= 50,000/s; over one ws link, tell >= 100,000/s, ask >= 5,000/s with one in flight
and >= 30,000/s with 100 in flight; 5,000 actors started well under a second (>= 10,000/s).
Each figure is the median of several rounds.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable

from kube_actors.bench import Figure, Report
from kube_actors.bench.peer import Count, Echo, Ping, Sink, launch_peer, stop_peer
from kube_actors.runtime import ActorRef, ActorSystem

Round = Callable[[], Awaitable[float]]


async def _median_rate(measure: Round, rounds: int) -> float:
    return statistics.median([await measure() for _ in range(rounds)])


async def queue_baseline(n: int) -> float:
    """A producer puts ``n`` items on an asyncio.Queue while one consumer task takes them."""
    queue: asyncio.Queue[Ping] = asyncio.Queue()

    async def consume() -> None:
        for _ in range(n):
            await queue.get()

    start = time.perf_counter()
    consumer = asyncio.create_task(consume())
    for i in range(n):
        queue.put_nowait(Ping(i))
        if i % 1000 == 999:
            await asyncio.sleep(0)  # the same rhythm as tell_rate
    await consumer
    return n / (time.perf_counter() - start)


async def tell_rate(sink: ActorRef, n: int) -> float:
    before = await sink.ask(Count())
    start = time.perf_counter()
    for i in range(n):
        sink.tell(Ping(i))
        if i % 1000 == 999:
            await asyncio.sleep(0)  # like an actor between messages: let the loop run
    after = await sink.ask(Count(), timeout=120)
    elapsed = time.perf_counter() - start
    if after - before != n:
        raise RuntimeError(f"sink received {after - before} of {n} messages")
    return n / elapsed


async def ask_rate(echo: ActorRef, n: int, in_flight: int) -> float:
    per_worker = n // in_flight

    async def worker() -> None:
        for i in range(per_worker):
            await echo.ask(Ping(i))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return per_worker * in_flight / (time.perf_counter() - start)


async def actor_start_rate(n: int) -> float:
    """Spawn ``n`` actors and wait until each has answered one ask: a cluster's kubelets."""
    async with ActorSystem("bench", strict=False) as system:
        start = time.perf_counter()
        refs = [system.spawn(Echo, f"kubelet/node-{i:05d}") for i in range(n)]
        await asyncio.gather(*(ref.ask(Ping(i)) for i, ref in enumerate(refs)))
        return n / (time.perf_counter() - start)


async def measure(quick: bool) -> Report:
    scale = 0.1 if quick else 1.0
    rounds = 1 if quick else 3
    n_tell, n_ask, n_ws_tell, n_ws_ask1, n_ws_ask100 = (
        int(x * scale) for x in (400_000, 100_000, 300_000, 10_000, 60_000)
    )
    report = Report("messaging")
    baseline = await _median_rate(lambda: queue_baseline(n_tell), rounds)

    async with ActorSystem("bench", strict=False) as system:
        sink = system.spawn(Sink, "sink")
        echo = system.spawn(Echo, "echo")
        local_tell = await _median_rate(lambda: tell_rate(sink, n_tell), rounds)
        local_ask = await _median_rate(lambda: ask_rate(echo, n_ask, 1), rounds)
    actor_start = await _median_rate(lambda: actor_start_rate(5000), rounds)

    token = secrets.token_hex(16)
    process, url = await launch_peer("peer", token=token)
    try:
        async with ActorSystem("bench", strict=False, token=token) as system:
            system.add_peer("peer", url)
            remote_sink = system.ref("ka://peer/sink")
            remote_echo = system.ref("ka://peer/echo")
            await remote_echo.ask(Ping(0), timeout=30)  # link up
            ws_tell = await _median_rate(lambda: tell_rate(remote_sink, n_ws_tell), rounds)
            ws_ask_1 = await _median_rate(lambda: ask_rate(remote_echo, n_ws_ask1, 1), rounds)
            ws_ask_100 = await _median_rate(lambda: ask_rate(remote_echo, n_ws_ask100, 100), rounds)
    finally:
        await stop_peer(process)

    share = local_tell / baseline
    report.results = [
        Figure("queue_baseline", baseline, "msg/s", note="raw asyncio.Queue, same run"),
        Figure("local_tell", local_tell, "msg/s", 400_000),
        Figure("local_ask", local_ask, "asks/s", 50_000),
        Figure("ws_tell", ws_tell, "msg/s", 100_000, note="two processes, one ws link"),
        Figure("ws_ask_1", ws_ask_1, "asks/s", 5_000, note="one in flight"),
        Figure("ws_ask_100", ws_ask_100, "asks/s", 30_000, note="100 in flight"),
        Figure("local_tell_vs_queue", share * 100, "%", 25, note="local_tell / queue_baseline"),
        Figure("actor_start", actor_start, "actors/s", 10_000, note="5,000 spawned and asked once"),
    ]
    report.extra["quick"] = quick
    return report


def run(quick: bool = False) -> Report:
    return asyncio.run(measure(quick))
