"""Why: deferred work often needs no waiting at all (a memory store answers at once), and a
task per message would cost more than the work. So its first step runs on the spot (the eager
start Python 3.12 offers loop-wide), and work that does wait is carried on by the futures it
waits on (``Carried``): it resumes from their done-callbacks, as a task would, without a task's
creation, registration and extra turn of the loop. An apiserver write waits once (on storage),
so this is on the path of every write.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
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


def step_eagerly(work: Coroutine[Any, Any, Any]) -> Finished | Carried:
    """Run ``work`` until it first waits: ``Finished`` if it never had to, else the future of
    the rest of it."""
    try:
        waiting_on = work.send(None)
    except StopIteration as stop:
        return Finished(stop.value)
    except Exception as exc:
        return Finished(error=exc)
    return Carried(work, waiting_on)


def start_eagerly(work: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """``step_eagerly`` as a future: a finished one if the work never waited, else its ``Carried``."""
    started = step_eagerly(work)
    if not isinstance(started, Finished):
        return started
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    if started.error is not None:
        done.set_exception(started.error)
    else:
        done.set_result(started.value)
    return done


class Carried(asyncio.Future[Any]):
    """A coroutine that has waited once, carried on as a task would carry it: each time what it
    waits on is done it takes its next step, in one context of its own, as the loop's current
    task (``asyncio.timeout`` and aiohttp's timeouts need one); its result is this future's.
    ``cancel`` cancels what it waits on, so it meets ``CancelledError`` there, and counts as a
    task's does (``cancelling``, ``uncancel``)."""

    def __init__(self, work: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        super().__init__()
        self._work = work
        self._waiting: asyncio.Future[Any] | None = None
        self._must_cancel = False
        self._cancel_requests = 0
        self._context = contextvars.copy_context()
        self._then: Callable[[Carried], None] | None = None
        self._wait(waiting_on)

    def then(self, callback: Callable[[Carried], None]) -> None:
        """Call ``callback`` with this future the moment it is done: a done-callback that does
        not wait for a turn of the loop (the actor cell answers its asker this way)."""
        self._then = callback

    def cancel(self, msg: Any | None = None) -> bool:
        if self.done():
            return False
        self._cancel_requests += 1
        if self._waiting is not None and self._waiting.cancel(msg):
            return True  # the coroutine meets the cancellation when it resumes
        self._must_cancel = True
        return True

    def cancelling(self) -> int:
        return self._cancel_requests

    def uncancel(self) -> int:
        if self._cancel_requests > 0:
            self._cancel_requests -= 1
        return self._cancel_requests

    def _wait(self, waiting_on: Any) -> None:
        if waiting_on is None:  # a bare yield (``asyncio.sleep(0)``): next turn of the loop
            self._waiting = None
            self.get_loop().call_soon(self._step, None, context=self._context)
        elif getattr(waiting_on, "_asyncio_future_blocking", False):
            waiting_on._asyncio_future_blocking = False  # "a task now waits on it", as a task says
            self._waiting = waiting_on
            waiting_on.add_done_callback(self._step, context=self._context)
        else:
            self._waiting = None
            error = RuntimeError(f"deferred work yielded {waiting_on!r}, not a future")
            self.get_loop().call_soon(self._step, error, context=self._context)

    def _step(self, outcome: Any) -> None:
        self._waiting = None
        loop = self.get_loop()
        asyncio.tasks._enter_task(loop, self)  # type: ignore[arg-type]  # a task in all it needs
        try:
            self._advance(outcome)
        finally:
            asyncio.tasks._leave_task(loop, self)  # type: ignore[arg-type]

    def _advance(self, outcome: Any) -> None:
        try:
            if self._must_cancel:
                self._must_cancel = False
                waiting_on = self._work.throw(asyncio.CancelledError())
            elif isinstance(outcome, BaseException):
                waiting_on = self._work.throw(outcome)
            else:
                waiting_on = self._work.send(None)
        except StopIteration as stop:
            super().set_result(stop.value)
        except asyncio.CancelledError:
            super().cancel()
        except (KeyboardInterrupt, SystemExit) as exc:
            super().set_exception(exc)
            raise
        except BaseException as exc:
            super().set_exception(exc)
        else:
            self._wait(waiting_on)
            return
        if self._then is not None:
            self._then(self)
