"""Why: every ask has a deadline, and a control plane makes tens of thousands of asks a second.
Arming a loop timer per ask and cancelling it on the reply costs a timer handle, a heap push and
a done-callback each time, for deadlines that almost never pass.

Asks with the same timeout reach their deadlines in the order they were made, so one queue per
timeout value, with one timer armed for its oldest waiting ask, does the same work lazily: an
answered ask is simply dropped once it reaches the head of its queue (when a later ask is made,
or when the timer fires). An ask still unanswered at its deadline fails exactly as before
(``ActorSystem.expire_ask``), on the system's clock, virtual or real.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from kube_actors.runtime.address import Address
from kube_actors.runtime.clock import Clock

Expire = Callable[["asyncio.Future[Any]", Address, float], None]


class AskDeadlines:
    """The deadlines of one system's asks."""

    def __init__(self, clock: Clock, expire: Expire) -> None:
        self.clock = clock
        self.expire = expire
        # By timeout: (deadline, reply, address) in the order the asks were made.
        self._waiting: dict[float, deque[tuple[float, asyncio.Future[Any], Address]]] = {}
        self._armed: set[float] = set()  # timeouts whose queue has a timer set

    def track(self, reply: asyncio.Future[Any], address: Address, timeout: float) -> None:
        """Fail ``reply`` through ``expire`` if it is not done ``timeout`` seconds from now."""
        waiting = self._waiting.get(timeout)
        if waiting is None:
            waiting = self._waiting[timeout] = deque()
        while waiting and waiting[0][1].done():
            waiting.popleft()
        waiting.append((self.clock.now() + timeout, reply, address))
        if timeout not in self._armed:
            self._arm(timeout, waiting[0][0])

    def pending(self) -> int:
        """Asks tracked and not yet dropped (answered ones linger until they reach a head)."""
        return sum(len(waiting) for waiting in self._waiting.values())

    def _arm(self, timeout: float, deadline: float) -> None:
        self._armed.add(timeout)
        self.clock.call_later(max(0.0, deadline - self.clock.now()), self._due, timeout)

    def _due(self, timeout: float) -> None:
        self._armed.discard(timeout)
        waiting, now = self._waiting[timeout], self.clock.now()
        while waiting and (waiting[0][0] <= now or waiting[0][1].done()):
            _, reply, address = waiting.popleft()
            if not reply.done():
                self.expire(reply, address, timeout)
        if waiting:
            self._arm(timeout, waiting[0][0])
