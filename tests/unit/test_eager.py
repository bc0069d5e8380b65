"""Work started eagerly: finished on the spot if it never waits, otherwise carried on by what it
waits on, with a task's semantics: results, errors, bare yields, cancellation, one context."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from kube_actors.runtime.eager import Carried, Finished, start_eagerly, step_eagerly

STEPS: contextvars.ContextVar[list[str]] = contextvars.ContextVar("steps")


async def answer(value: Any) -> Any:
    return value


async def fail() -> None:
    raise ValueError("bad input")


async def test_work_that_never_waits_finishes_on_the_spot() -> None:
    assert step_eagerly(answer(42)).result() == 42  # type: ignore[union-attr]
    failed = step_eagerly(fail())
    assert isinstance(failed, Finished)
    with pytest.raises(ValueError, match="bad input"):
        failed.result()
    assert start_eagerly(answer("done")).result() == "done"


async def test_work_that_waits_is_carried_on_to_its_result_or_error() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    steps: list[str] = []

    async def waits() -> int:
        steps.append("first")
        value = await gate
        steps.append("after the gate")
        await asyncio.sleep(0)
        steps.append("after a bare yield")
        return value + 1

    started = step_eagerly(waits())
    assert isinstance(started, Carried) and steps == ["first"] and not started.done()
    gate.set_result(1)
    assert await started == 2
    assert steps == ["first", "after the gate", "after a bare yield"]

    late: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def fails_later() -> None:
        await late
        raise ValueError("too late")

    failing = start_eagerly(fails_later())
    late.set_result(None)
    with pytest.raises(ValueError, match="too late"):
        await failing


async def test_cancelling_carried_work_cancels_what_it_waits_on() -> None:
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    cleaned: list[str] = []

    async def waits_forever() -> None:
        try:
            await never
        finally:
            cleaned.append("finally")

    started = start_eagerly(waits_forever())
    assert started.cancel()
    with pytest.raises(asyncio.CancelledError):
        await started
    assert never.cancelled() and cleaned == ["finally"] and started.cancelled()


async def test_work_may_catch_its_cancellation_and_finish() -> None:
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def stubborn() -> str:
        try:
            await never
        except asyncio.CancelledError:
            await asyncio.sleep(0)
            return "stopped cleanly"
        return "not reached"

    started = start_eagerly(stubborn())
    started.cancel()
    assert await started == "stopped cleanly"


async def test_every_later_step_shares_one_context() -> None:
    async def counts() -> list[str]:
        STEPS.set(["set before waiting"])
        await asyncio.sleep(0)
        STEPS.get().append("seen after one wait")
        await asyncio.sleep(0)
        return STEPS.get()

    assert await start_eagerly(counts()) == ["set before waiting", "seen after one wait"]


async def test_a_follower_hears_of_the_end_at_once() -> None:
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def waits() -> str:
        return await gate

    started = step_eagerly(waits())
    assert isinstance(started, Carried)
    heard: list[str] = []
    started.then(lambda done: heard.append(done.result()))
    gate.set_result("open")
    await asyncio.sleep(0)  # the gate's callback resumes the work, which ends and tells at once
    assert heard == ["open"]


async def test_carried_work_is_the_current_task_so_timeouts_work() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def times_out() -> str:
        await gate
        me = asyncio.current_task()
        try:
            async with asyncio.timeout(0.01):
                await never
        except TimeoutError:
            return f"timed out as {type(me).__name__}, cancelling {me.cancelling() if me else '-'}"
        return "not reached"

    started = start_eagerly(times_out())
    gate.set_result(None)
    assert await started == "timed out as Carried, cancelling 0"
    assert never.cancelled()
