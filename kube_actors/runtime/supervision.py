"""Why: how a supervisor decides between restarting a failed actor and escalating, kept pure.

An actor that fails is restarted after an exponential backoff; if it fails more than
``max_restarts`` times within ``window`` seconds, its failure escalates to its parent (or, for a
top-level actor, to the system). The decision is a function of failure times only, so it is
unit-tested without any event loop.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SupervisorStrategy:
    """Restart policy for one actor."""

    max_restarts: int = 10
    window: float = 60.0
    min_backoff: float = 0.1
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0 or self.window <= 0:
            raise ValueError("max_restarts must be >= 0 and window > 0")
        if not 0 <= self.min_backoff <= self.max_backoff:
            raise ValueError("need 0 <= min_backoff <= max_backoff")


@dataclass(frozen=True, slots=True)
class Restart:
    """Restart the actor after ``delay`` seconds; ``attempt`` counts failures in the window."""

    delay: float
    attempt: int


@dataclass(frozen=True, slots=True)
class Escalate:
    """Give up: the actor failed ``failures`` times within the window."""

    failures: int


class RestartBudget:
    """Failure history of one actor and the decision each new failure leads to.

    >>> budget = RestartBudget(SupervisorStrategy(max_restarts=2, window=10, min_backoff=1))
    >>> budget.record_failure(0.0), budget.record_failure(1.0), budget.record_failure(2.0)
    (Restart(delay=1, attempt=1), Restart(delay=2, attempt=2), Escalate(failures=3))
    >>> budget.record_failure(30.0)  # the old failures left the window
    Restart(delay=1, attempt=1)
    """

    def __init__(self, strategy: SupervisorStrategy) -> None:
        self.strategy = strategy
        self._failures: deque[float] = deque()

    def record_failure(self, now: float) -> Restart | Escalate:
        strategy = self.strategy
        self._failures.append(now)
        while self._failures and self._failures[0] <= now - strategy.window:
            self._failures.popleft()
        count = len(self._failures)
        if count > strategy.max_restarts:
            self._failures.clear()
            return Escalate(count)
        delay = min(strategy.max_backoff, strategy.min_backoff * 2 ** (count - 1))
        return Restart(delay, count)
