"""Virtual time must move only when nothing can run, fire timers in order, and never leap
past work that is still in flight."""

from __future__ import annotations

import asyncio
import time

import pytest

from kube_actors.runtime.clock import RealClock, VirtualClock, sleep, wait_for


async def test_virtual_time_leaps_to_each_timer_in_order(virtual_clock: VirtualClock) -> None:
    start = virtual_clock.now()
    fired: list[tuple[str, float]] = []

    async def after(delay: float, name: str) -> None:
        await sleep(virtual_clock, delay)
        fired.append((name, virtual_clock.now() - start))

    wall = time.perf_counter()
    await asyncio.gather(after(600, "ten minutes"), after(5, "five seconds"), after(60, "a minute"))
    assert fired == [("five seconds", 5), ("a minute", 60), ("ten minutes", 600)]
    assert time.perf_counter() - wall < 1.0


async def test_time_stands_still_while_tasks_still_have_work(virtual_clock: VirtualClock) -> None:
    start = virtual_clock.now()
    timer = asyncio.ensure_future(sleep(virtual_clock, 1))
    for _ in range(1000):  # a busy task that yields often but never waits on time
        await asyncio.sleep(0)
    assert virtual_clock.now() == start
    assert not timer.done()
    await timer
    assert virtual_clock.now() == start + 1


async def test_hold_keeps_time_still_until_released(virtual_clock: VirtualClock) -> None:
    start = virtual_clock.now()
    timer = asyncio.ensure_future(sleep(virtual_clock, 30))
    with virtual_clock.hold():
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.05)
        assert virtual_clock.now() == start
    await timer
    assert virtual_clock.now() == start + 30


async def test_cancelled_timers_never_fire(virtual_clock: VirtualClock) -> None:
    fired: list[str] = []
    virtual_clock.call_later(10, fired.append, "cancelled").cancel()
    virtual_clock.call_later(20, fired.append, "kept")
    await sleep(virtual_clock, 30)
    assert fired == ["kept"]


async def test_wait_for_times_out_on_the_injected_clock(virtual_clock: VirtualClock) -> None:
    start = virtual_clock.now()
    with pytest.raises(TimeoutError, match="after 3600"):
        await wait_for(virtual_clock, asyncio.Event().wait(), 3600)
    assert virtual_clock.now() == start + 3600
    assert await wait_for(virtual_clock, asyncio.sleep(0, "done"), 1) == "done"


def test_advance_by_hand_fires_due_timers() -> None:
    clock = VirtualClock(start=100.0)
    fired: list[float] = []
    clock.call_later(5, lambda: fired.append(clock.now()))
    clock.call_later(50, lambda: fired.append(clock.now()))
    clock.advance(10)
    assert fired == [105.0] and clock.now() == 110.0


async def test_real_clock_is_wall_time() -> None:
    clock = RealClock()
    assert abs(clock.now() - time.time()) < 1
    start = time.perf_counter()
    await sleep(clock, 0.02)
    assert time.perf_counter() - start >= 0.015


async def test_cancelled_timers_do_not_pile_up(virtual_clock: VirtualClock) -> None:
    for _ in range(10_000):
        virtual_clock.call_later(60, lambda: None).cancel()
    fired: list[str] = []
    virtual_clock.call_later(60, fired.append, "kept")
    assert len(virtual_clock._heap) < 1_000
    await sleep(virtual_clock, 61)
    assert fired == ["kept"]
