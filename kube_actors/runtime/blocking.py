"""Why: blocking work (SQLite writes, numpy placement) runs in pykka thread actors, awaited
from asyncio without blocking the loop or parking a thread per call.

pykka's futures have no done-callback and its ``await`` support blocks the event loop, so a
``BlockingActor`` creates ``CallbackFuture``s instead: when the actor thread sets the result,
the future settles an asyncio future through ``loop.call_soon_threadsafe``. While a call is in
flight the system's clock is held, so simulated time never leaps past a thread that is still
working for the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import pykka
from pykka.messages import _ActorStop

from kube_actors.runtime.clock import Clock, wait_for
from kube_actors.runtime.errors import ActorDeadError, AskTimeoutError

A = TypeVar("A", bound="BlockingActor")
_Callback = Callable[["CallbackFuture"], None]


class CallbackFuture(pykka.ThreadingFuture[Any]):
    """A pykka future that runs callbacks (in the setting thread) once it has a result."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[_Callback] = []
        self._settled = False

    def add_done_callback(self, callback: _Callback) -> None:
        with self._condition:
            if not self._settled:
                self._callbacks.append(callback)
                return
        callback(self)

    def set(self, value: Any | None = None) -> None:
        super().set(value)
        self._run_callbacks()

    def set_exception(self, exc_info: Any = None) -> None:
        super().set_exception(exc_info)
        self._run_callbacks()

    def _run_callbacks(self) -> None:
        with self._condition:
            self._settled = True
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


class BlockingActor(pykka.ThreadingActor):
    """A pykka thread actor whose replies can be awaited from asyncio via ``BlockingRef``."""

    use_daemon_thread = True

    @staticmethod
    def _create_future() -> pykka.Future[Any]:
        return CallbackFuture()


class BlockingRef(Generic[A]):
    """An asyncio-side handle on a running ``BlockingActor``."""

    def __init__(self, ref: pykka.ActorRef[A], clock: Clock) -> None:
        self._ref = ref
        self._clock = clock

    @classmethod
    def start(cls, actor_class: type[A], *args: Any, clock: Clock, **kwargs: Any) -> BlockingRef[A]:
        return cls(actor_class.start(*args, **kwargs), clock)

    def tell(self, message: Any) -> None:
        try:
            self._ref.tell(message)
        except pykka.ActorDeadError as exc:
            raise ActorDeadError(str(exc)) from exc

    async def ask(self, message: Any, *, timeout: float = 30.0) -> Any:
        """Send to the thread actor and await its reply without blocking the event loop."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Any] = loop.create_future()

        def settle(future: CallbackFuture) -> None:
            loop.call_soon_threadsafe(_copy_outcome, future, result)

        with self._clock.hold():
            pykka_future = self._ref.ask(message, block=False)
            assert isinstance(pykka_future, CallbackFuture)
            pykka_future.add_done_callback(settle)
            try:
                return await wait_for(self._clock, asyncio.shield(result), timeout)
            except TimeoutError:
                raise AskTimeoutError(f"blocking actor gave no reply within {timeout} s") from None

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Stop the thread actor after its queued messages, without blocking the loop."""
        # pykka's own stop() returns a future we cannot await; its stop message we can.
        with contextlib.suppress(ActorDeadError):  # already stopped
            await self.ask(_ActorStop(), timeout=timeout)


def _copy_outcome(source: CallbackFuture, target: asyncio.Future[Any]) -> None:
    if target.done():
        return
    try:
        target.set_result(source.get(timeout=0))
    except pykka.ActorDeadError as exc:
        target.set_exception(ActorDeadError(str(exc)))
    except Exception as exc:
        target.set_exception(exc)
