"""Why: components that wait for many things to come due (a controller's delayed keys, the
scheduler's backed-off pods) need one timer, for the earliest of them, that wakes the actor
through its own mailbox: a timer callback must not touch actor state, it only tells.
"""

from __future__ import annotations

from collections.abc import Callable

from kube_actors.runtime.clock import Clock, Timer


class Wakeup:
    def __init__(self, clock: Clock, wake: Callable[[], None]) -> None:
        self.clock = clock
        self._wake = wake
        self._timer: Timer | None = None
        self._due: float | None = None

    def at(self, due: float | None) -> None:
        """Make sure ``wake`` runs by ``due`` (None: nothing is due)."""
        if due is None or (self._due is not None and self._due <= due):
            return
        self.cancel()
        self._due = due
        self._timer = self.clock.call_later(max(due - self.clock.now(), 0.0), self._fire)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._due = None, None

    def _fire(self) -> None:
        self._timer, self._due = None, None
        self._wake()
