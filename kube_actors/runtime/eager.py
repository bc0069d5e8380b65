"""Why: deferred work often needs no waiting at all (a memory store answers at once), and a
task per message would cost more than the work. So its first step runs on the spot, and only
work that really has to wait becomes a task: the eager start Python 3.12 offers loop-wide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Finished:
    """Work that completed without waiting: its value, or the exception it raised."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value = value
        self.error = error

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def step_eagerly(work: Coroutine[Any, Any, Any]) -> Finished | asyncio.Task[Any]:
    """Run ``work`` until it first waits: ``Finished`` if it never had to, else a task that
    carries it on."""
    try:
        waiting_on = work.send(None)
    except StopIteration as stop:
        return Finished(stop.value)
    except Exception as exc:
        return Finished(error=exc)
    return asyncio.get_running_loop().create_task(_carry_on(work, waiting_on))


def start_eagerly(work: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """``step_eagerly`` as a future: a finished one if the work never waited, else a task."""
    started = step_eagerly(work)
    if not isinstance(started, Finished):
        return started
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    if started.error is not None:
        done.set_exception(started.error)
    else:
        done.set_result(started.value)
    return done


async def _carry_on(work: Coroutine[Any, Any, Any], waiting_on: Any) -> Any:
    """Drive ``work`` the rest of the way, as a task would have from the start."""
    while True:
        cancelled: asyncio.CancelledError | None = None
        try:
            if waiting_on is None:
                await asyncio.sleep(0)  # a bare yield
            else:
                # Hand the future over as a task would: the flag says "a task now waits on it".
                waiting_on._asyncio_future_blocking = False
                await waiting_on
        except asyncio.CancelledError as exc:
            cancelled = exc
        except Exception:
            pass  # the coroutine meets this error itself when it resumes
        try:
            waiting_on = work.throw(cancelled) if cancelled is not None else work.send(None)
        except StopIteration as stop:
            return stop.value
