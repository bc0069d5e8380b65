"""pykka thread actors, awaited from asyncio without blocking the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from kube_actors.runtime.blocking import BlockingActor, BlockingRef
from kube_actors.runtime.clock import RealClock, VirtualClock, sleep
from kube_actors.runtime.errors import ActorDeadError, AskTimeoutError


class Worker(BlockingActor):
    def on_receive(self, message: Any) -> Any:
        kind, value = message
        if kind == "sleep":
            time.sleep(value)
            return threading.current_thread().name
        if kind == "fail":
            raise LookupError(value)
        return value


async def test_the_loop_keeps_running_while_the_thread_works() -> None:
    worker = BlockingRef.start(Worker, clock=RealClock())
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    try:
        thread_name = await worker.ask(("sleep", 0.2))
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
        await worker.stop()
    assert thread_name != threading.current_thread().name
    assert ticks >= 10


async def test_exceptions_come_back_to_the_caller() -> None:
    worker = BlockingRef.start(Worker, clock=RealClock())
    try:
        with pytest.raises(LookupError, match="missing"):
            await worker.ask(("fail", "missing"))
        assert await worker.ask(("echo", 7)) == 7  # the actor survived
    finally:
        await worker.stop()


async def test_many_calls_in_flight_do_not_park_threads() -> None:
    worker = BlockingRef.start(Worker, clock=RealClock())
    threads_before = threading.active_count()
    try:
        results = await asyncio.gather(*(worker.ask(("echo", i)) for i in range(500)))
        assert results == list(range(500))
        assert threading.active_count() <= threads_before
    finally:
        await worker.stop()


async def test_virtual_time_waits_for_the_thread(virtual_clock: VirtualClock) -> None:
    worker = BlockingRef.start(Worker, clock=virtual_clock)
    start = virtual_clock.now()
    alarm = asyncio.ensure_future(sleep(virtual_clock, 5))
    try:
        await worker.ask(("sleep", 0.1), timeout=1)
        assert virtual_clock.now() == start  # neither the alarm nor the ask's timeout fired
        assert not alarm.done()
    finally:
        await alarm
        await worker.stop()


async def test_a_slow_thread_times_out() -> None:
    worker = BlockingRef.start(Worker, clock=RealClock())
    try:
        with pytest.raises(AskTimeoutError):
            await worker.ask(("sleep", 0.3), timeout=0.05)
    finally:
        await worker.stop()


async def test_a_stopped_actor_is_dead() -> None:
    worker = BlockingRef.start(Worker, clock=RealClock())
    await worker.stop()
    await worker.stop()  # idempotent
    with pytest.raises(ActorDeadError):
        await worker.ask(("echo", 1))
    with pytest.raises(ActorDeadError):
        worker.tell(("echo", 1))
