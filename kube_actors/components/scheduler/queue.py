"""Why: Kubernetes' scheduling queue decides which pending pod is tried next and when a pod
that did not fit is tried again. Three parts, as in kube-scheduler:

- **active**: pods to try now, highest ``spec.priority`` first, then oldest first;
- **backoff**: pods that failed, each waiting 1 s, 2 s, 4 s ... up to 10 s per attempt so far;
- **unschedulable**: pods no node could take. They wait for a cluster change that might help
  (a node added or changed, a pod deleted) and are retried anyway after 5 minutes.

Pure: the caller passes the time in and asks when the next waiting pod is due.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0
MAX_UNSCHEDULABLE_WAIT = 300.0  # podMaxInUnschedulablePodsDuration


@dataclass(order=True)
class _Entry:
    priority: int  # negated, so the heap pops the highest priority first
    created: float
    sequence: int
    key: str = field(compare=False)


def backoff(attempts: int) -> float:
    """Seconds a pod waits after ``attempts`` failed tries.

    >>> [backoff(n) for n in (1, 2, 3, 4, 5)]
    [1.0, 2.0, 4.0, 8.0, 10.0]
    """
    return min(INITIAL_BACKOFF * 2.0 ** (attempts - 1), MAX_BACKOFF)


class SchedulingQueue:
    def __init__(self) -> None:
        self._active: list[_Entry] = []
        self._in_active: dict[str, _Entry] = {}
        self._waiting: dict[str, float] = {}  # key -> when it may be tried (backoff)
        self._waiting_heap: list[tuple[float, str]] = []  # the same, by time; stale entries skipped
        self._unschedulable: dict[str, float] = {}  # key -> when it was set aside, oldest first
        self._attempts: dict[str, int] = {}
        self._order: dict[str, tuple[int, float]] = {}  # key -> (priority, created)
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._in_active)

    def __contains__(self, key: object) -> bool:
        return key in self._order

    def add(self, key: str, *, priority: int = 0, created: float = 0.0) -> None:
        """A pending pod to schedule (again, if it was known: its attempts are kept)."""
        self._order[key] = (priority, created)
        if key not in self._waiting and key not in self._unschedulable:
            self._activate(key)

    def remove(self, key: str) -> None:
        """The pod was bound or deleted: forget it."""
        self._order.pop(key, None)
        self._waiting.pop(key, None)
        self._unschedulable.pop(key, None)
        self._attempts.pop(key, None)
        entry = self._in_active.pop(key, None)
        if entry is not None:
            entry.key = ""  # popped lazily

    def pop(self, now: float, limit: int) -> list[str]:
        """Up to ``limit`` pods to try now, in order."""
        self._release(now)
        chosen: list[str] = []
        while self._active and len(chosen) < limit:
            entry = heapq.heappop(self._active)
            if entry.key and self._in_active.get(entry.key) is entry:
                del self._in_active[entry.key]
                chosen.append(entry.key)
        return chosen

    def failed(self, key: str, now: float, *, unschedulable: bool) -> float:
        """A try did not place the pod: back off (an error, a lost bind) or, if no node could
        take it, wait for a helpful change. Returns the backoff chosen."""
        if key not in self._order:
            return 0.0
        attempts = self._attempts.get(key, 0) + 1
        self._attempts[key] = attempts
        delay = backoff(attempts)
        if unschedulable:
            self._unschedulable.pop(key, None)
            self._unschedulable[key] = now
        else:
            self._wait(key, now + delay)
        return delay

    def cluster_changed(self, now: float) -> None:
        """Something that may let unschedulable pods fit happened: retry them (after their
        backoff, as Kubernetes moves them to the backoff queue)."""
        for key in self._unschedulable:
            self._wait(key, now + backoff(self._attempts.get(key, 1)))
        self._unschedulable.clear()

    def next_due(self) -> float | None:
        """When the next waiting pod may be tried (None if none waits)."""
        while self._waiting_heap and self._waiting.get(self._waiting_heap[0][1]) != self._waiting_heap[0][0]:
            heapq.heappop(self._waiting_heap)
        times = [self._waiting_heap[0][0]] if self._waiting_heap else []
        if self._unschedulable:
            times.append(next(iter(self._unschedulable.values())) + MAX_UNSCHEDULABLE_WAIT)
        return min(times) if times else None

    @property
    def unschedulable(self) -> list[str]:
        return list(self._unschedulable)

    def _wait(self, key: str, due: float) -> None:
        self._waiting[key] = due
        heapq.heappush(self._waiting_heap, (due, key))

    def _release(self, now: float) -> None:
        while self._waiting_heap and self._waiting_heap[0][0] <= now:
            due, key = heapq.heappop(self._waiting_heap)
            if self._waiting.get(key) == due:
                del self._waiting[key]
                self._activate(key)
        while self._unschedulable:
            key, since = next(iter(self._unschedulable.items()))
            if since + MAX_UNSCHEDULABLE_WAIT > now:
                break
            del self._unschedulable[key]
            self._activate(key)

    def _activate(self, key: str) -> None:
        if key in self._in_active:
            return
        priority, created = self._order[key]
        entry = _Entry(-priority, created, next(self._sequence), key)
        self._in_active[key] = entry
        heapq.heappush(self._active, entry)
