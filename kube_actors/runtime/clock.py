"""Why: every timer in the runtime and its components reads one injected clock.

Two clocks share one small interface. ``RealClock`` is wall time with asyncio timers.
``VirtualClock`` is simulated time that jumps straight to the next timer whenever nothing in the
event loop can run, so ten simulated minutes of heartbeats and node failure take seconds.

We evaluated ``looptime`` (which fakes the event loop's own time) and wrote our own instead:
looptime advances whenever the loop's selector would sleep, so a reply pending in a pykka
thread (a SQLite commit) would see time leap past its timeout; it also patches every timer in
the loop, aiohttp's included, and lives on private loop internals. Here only timers made
through the clock are virtual, and ``hold()`` lets the blocking-actor bridge freeze time while
a thread works for the loop.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Timer(Protocol):
    """A scheduled callback that can be cancelled before it fires."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Time for actors: wall-clock seconds and timers on that time scale."""

    def now(self) -> float:
        """Seconds since the Unix epoch (simulated for a virtual clock)."""
        ...

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` on the event loop after ``delay`` seconds."""
        ...

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep simulated time still while work outside the loop (a thread) is in flight."""
        ...


async def sleep(clock: Clock, delay: float) -> None:
    """Sleep on ``clock``'s time scale."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    timer = clock.call_later(max(delay, 0.0), settle, future)
    try:
        await future
    finally:
        timer.cancel()


def settle(future: asyncio.Future[None]) -> None:
    """Complete ``future`` unless something else already did (a timer's callback)."""
    if not future.done():
        future.set_result(None)


async def wait_for(clock: Clock, awaitable: Awaitable[T], timeout: float) -> T:
    """Like ``asyncio.wait_for`` but timed by ``clock``; raises ``TimeoutError``."""
    task = asyncio.ensure_future(awaitable)
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = clock.call_later(timeout, expire)
    try:
        return await task
    except asyncio.CancelledError:
        if expired:
            raise TimeoutError(f"timed out after {timeout} s") from None
        raise
    finally:
        timer.cancel()


class RealClock:
    """Wall time; timers are the event loop's own."""

    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        return asyncio.get_running_loop().call_later(delay, callback, *args)

    @contextmanager
    def hold(self) -> Iterator[None]:
        yield


class _VirtualTimer:
    __slots__ = ("args", "callback", "cancelled", "clock", "when")

    def __init__(
        self, clock: VirtualClock, when: float, callback: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        self.clock = clock
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self.clock._timer_cancelled()


class VirtualClock:
    """Simulated time that leaps to the next timer once the event loop has nothing to run.

    ``start()`` launches the task that advances time; ``stop()`` ends it. While it runs, a
    timer fires only after every task that could still act at the current instant has settled,
    so causality is kept: nothing sees time move while it still has work to do "now".
    """

    # The loop counts as idle once this many consecutive yields found nothing else runnable.
    SETTLE_ROUNDS = 3

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._heap: list[tuple[float, int, _VirtualTimer]] = []
        self._sequence = itertools.count()
        self._holds = 0
        self._cancelled = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        timer = _VirtualTimer(self, self._now + max(delay, 0.0), callback, args)
        heapq.heappush(self._heap, (timer.when, next(self._sequence), timer))
        if self._wake is not None:
            self._wake.set()
        return timer

    @contextmanager
    def hold(self) -> Iterator[None]:
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            if self._wake is not None:
                self._wake.set()

    def start(self) -> None:
        """Start advancing time on the running event loop."""
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._advance_forever(), name="virtual-clock")

    async def stop(self) -> None:
        """Stop advancing time; pending timers stay pending."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def advance(self, seconds: float) -> None:
        """Fire every timer due within ``seconds``, in order, then set the time forward.

        For tests that drive time by hand instead of running ``start()``.
        """
        target = self._now + seconds
        while self._heap and self._heap[0][0] <= target:
            self._fire_next()
        self._now = target

    def _timer_cancelled(self) -> None:
        # Every ask arms a timeout and nearly all are cancelled: purge them in bulk, as asyncio
        # does, so the heap holds live timers rather than every ask of the last minute.
        self._cancelled += 1
        if self._cancelled > 256 and self._cancelled * 2 > len(self._heap):
            self._heap = [entry for entry in self._heap if not entry[2].cancelled]
            heapq.heapify(self._heap)
            self._cancelled = 0

    def _fire_next(self) -> None:
        when, _, timer = heapq.heappop(self._heap)
        if timer.cancelled:
            self._cancelled -= 1
            return
        self._now = max(self._now, when)
        timer.callback(*timer.args)

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
            self._cancelled -= 1

    async def _advance_forever(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await _settle_loop(loop, self.SETTLE_ROUNDS)
            self._drop_cancelled()
            if self._holds or not self._heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            # Fire every timer due at the same instant together.
            due = self._heap[0][0]
            while self._heap and self._heap[0][0] <= due:
                self._fire_next()


async def _settle_loop(loop: asyncio.AbstractEventLoop, rounds: int) -> None:
    """Yield until the loop has had nothing but us to run for ``rounds`` turns in a row.

    CPython's loop keeps runnable callbacks in ``_ready``; where that is missing we fall back
    to yielding a fixed number of times.
    """
    quiet = 0
    while quiet < rounds:
        await asyncio.sleep(0)
        ready = getattr(loop, "_ready", None)
        quiet = quiet + 1 if ready is None or len(ready) == 0 else 0
