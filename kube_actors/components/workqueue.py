"""Why: controllers are level-triggered: a change only says "look at this object again", so
many changes to one object must collapse into one reconcile, and a reconcile that failed must
come back later, each time a little later. This is client-go's rate-limited work queue, without
I/O: the caller passes the time in and asks when the next delayed key is due, so the controller
shell (``controllers/base.py``) owns the only timer.
"""

from __future__ import annotations

import heapq

BASE_DELAY = 0.005  # client-go's per-item exponential failure limiter: 5 ms * 2^failures ...
MAX_DELAY = 1000.0  # ... up to 1000 s


class WorkQueue:
    """Keys ready now, in the order they were added (each at most once), and keys due later."""

    def __init__(self) -> None:
        self._ready: dict[str, None] = {}
        self._later: list[tuple[float, str]] = []  # (due, key); entries no longer in _due are stale
        self._due: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    def add(self, key: str) -> None:
        self._ready[key] = None

    def add_after(self, key: str, delay: float, now: float) -> None:
        """``key`` is due in ``delay`` seconds; a key already waiting keeps the earlier time, and
        one already ready needs no second look (client-go's delaying queue)."""
        if delay <= 0:
            self.add(key)
            return
        due = now + delay
        if key in self._ready or self._due.get(key, due) < due:
            return
        self._due[key] = due
        heapq.heappush(self._later, (due, key))

    def retry(self, key: str, now: float) -> float:
        """Add ``key`` again after its failure backoff; returns the delay chosen."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        delay = min(BASE_DELAY * 2.0**failures, MAX_DELAY)
        self.add_after(key, delay, now)
        return delay

    def forget(self, key: str) -> None:
        """The key succeeded: its next failure starts from the base delay again."""
        self._failures.pop(key, None)

    def pop(self, now: float) -> str | None:
        """The next key to reconcile, or None if none is due."""
        while self._later and self._later[0][0] <= now:
            due, key = heapq.heappop(self._later)
            if self._due.get(key) == due:
                del self._due[key]
                self._ready[key] = None
        if not self._ready:
            return None
        key = next(iter(self._ready))
        del self._ready[key]
        return key

    def next_due(self) -> float | None:
        """When the earliest delayed key is due (None if nothing waits)."""
        while self._later and self._due.get(self._later[0][1]) != self._later[0][0]:
            heapq.heappop(self._later)  # superseded by an earlier time
        return self._later[0][0] if self._later else None

    def __len__(self) -> int:
        return len(self._ready)
