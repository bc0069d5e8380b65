"""Why: actors that serve streams (watches) run one task per stream, keyed by who asked for
it; starting one again replaces it, ending it forgets it, and stopping the actor ends them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Hashable
from typing import Any


class KeyedTasks:
    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, key: Hashable, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` under ``key``, cancelling whatever ran under it before."""
        self.cancel(key)
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    def cancel(self, key: Hashable) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Cancel every task and wait until all have ended."""
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, key: Hashable, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
