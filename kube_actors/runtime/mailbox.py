"""Why: one mailbox per actor, cheaper than ``asyncio.Queue`` on the hottest path of the runtime.

A deque plus at most one waiting future: ``put`` never blocks (actors are unbounded, like
pykka's), and ``wait`` only parks the actor's task when the deque is empty. Measured in
``benchmarks/messaging.py`` against a raw ``asyncio.Queue``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class Mailbox:
    __slots__ = ("_waiter", "items")

    def __init__(self) -> None:
        self.items: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def put(self, item: Any) -> None:
        self.items.append(item)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        """Return once the mailbox holds at least one item."""
        while not self.items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
