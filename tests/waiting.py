"""Waiting in tests for a condition that other tasks (or another host) will make true."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable


async def eventually(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll ``condition`` (a plain or an async function) until it holds; fail the test after
    ``timeout`` real seconds.

    Polling is right here: the condition is state inside the system under test, which offers
    no event to wait on, and a test must not add one just for itself.
    """

    async def holds() -> bool:
        outcome = condition()
        return bool(await outcome if inspect.isawaitable(outcome) else outcome)

    async def poll() -> None:
        while not await holds():  # noqa: ASYNC110
            await asyncio.sleep(0.002)

    await asyncio.wait_for(poll(), timeout)
