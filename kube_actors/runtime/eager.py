"""Why: deferred work often needs no waiting at all (a memory store answers at once), and a
task per message would cost more than the work. So its first step runs on the spot, and only
work that really has to wait becomes a task: the eager start Python 3.12 offers loop-wide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start_eagerly(work: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """Run ``work`` until it first waits; a finished future if it never did, else a task."""
    loop = asyncio.get_running_loop()
    try:
        waiting_on = work.send(None)
    except StopIteration as stop:
        done: asyncio.Future[Any] = loop.create_future()
        done.set_result(stop.value)
        return done
    except Exception as exc:
        failed: asyncio.Future[Any] = loop.create_future()
        failed.set_exception(exc)
        return failed
    return loop.create_task(_carry_on(work, waiting_on))


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
