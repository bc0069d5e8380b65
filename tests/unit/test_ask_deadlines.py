"""Ask deadlines kept in one queue per timeout: an unanswered ask fails at its deadline on the
system's clock, exactly; answered ones never fail and do not pile up."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from kube_actors.runtime.address import Address
from kube_actors.runtime.clock import VirtualClock
from kube_actors.runtime.deadlines import AskDeadlines

ACTOR = Address("h1", "somebody")


def tracking(clock: VirtualClock) -> tuple[AskDeadlines, list[tuple[float, float]]]:
    """Deadlines whose expiries are noted as (clock time, timeout)."""
    expired: list[tuple[float, float]] = []

    def expire(reply: asyncio.Future[Any], address: Address, timeout: float) -> None:
        expired.append((clock.now(), timeout))
        reply.set_exception(TimeoutError(f"{address} {timeout}"))

    return AskDeadlines(clock, expire), expired


async def test_an_unanswered_ask_fails_at_its_deadline_and_an_answered_one_never(
    virtual_clock: VirtualClock,
) -> None:
    deadlines, expired = tracking(virtual_clock)
    loop, start = asyncio.get_running_loop(), virtual_clock.now()
    answered, unanswered = loop.create_future(), loop.create_future()
    deadlines.track(answered, ACTOR, 30)
    await asyncio.sleep(0)
    deadlines.track(unanswered, ACTOR, 30)
    answered.set_result("done")
    with contextlib.suppress(TimeoutError):
        await unanswered
    assert expired == [(start + 30, 30)]
    assert answered.result() == "done"


async def test_each_timeout_keeps_its_own_order(virtual_clock: VirtualClock) -> None:
    deadlines, expired = tracking(virtual_clock)
    loop, start = asyncio.get_running_loop(), virtual_clock.now()
    slow, quick = loop.create_future(), loop.create_future()
    deadlines.track(slow, ACTOR, 60)
    deadlines.track(quick, ACTOR, 5)
    await asyncio.gather(slow, quick, return_exceptions=True)
    assert expired == [(start + 5, 5), (start + 60, 60)]


async def test_answered_asks_are_dropped_as_new_ones_are_made(virtual_clock: VirtualClock) -> None:
    deadlines, expired = tracking(virtual_clock)
    loop = asyncio.get_running_loop()
    for i in range(1_000):
        reply = loop.create_future()
        deadlines.track(reply, ACTOR, 30)
        reply.set_result(i)
    assert deadlines.pending() == 1  # only the last, answered after it was tracked
    assert expired == []
