"""Why: the sans-IO core of a scenario run. ``Play`` owns the cluster view, the recording, the
judge and the timeline, and keeps them in step: each batch of watch events updates the view
and the figures, closes the instant before it when time has moved on, and lets checks and
conditions look; the runner (the I/O shell) asks it what is due, when to wake next and whether
the run is over. Times are seconds since the start of the run.
"""

from __future__ import annotations

from typing import Any

from kube_actors.scenario.expectations import Judge, Outcome
from kube_actors.scenario.recording import Recording
from kube_actors.scenario.schema import Scenario
from kube_actors.scenario.timeline import Entry, Timeline
from kube_actors.scenario.view import ClusterView

JsonObject = dict[str, Any]


class Play:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.view = ClusterView()
        self.recording = Recording()
        self.judge = Judge(list(scenario.expect))
        self.timeline = Timeline(list(scenario.timeline))
        self.instant: float | None = None
        self.started = False

    def start(self, now: float) -> None:
        self.started = True
        self.judge.start(self.view, now)
        self.timeline.start(self.view, now)

    def feed(self, resource: str, events: list[JsonObject], now: float) -> None:
        """One batch of watch events of ``resource``, received at ``now``."""
        self._advance(now)
        for event in events:
            old, new = self.view.apply(resource, event)
            if old is not new:
                self.recording.apply(resource, old, new, now)
        if self.started:
            self.judge.observe(self.view, now)
            self.timeline.observe(self.view, now)

    def tick(self, now: float) -> None:
        """Time is ``now`` with no event: deadlines may have passed."""
        self._advance(now)
        if self.started:
            self.judge.tick(now)
            self.timeline.tick(now)

    def due(self, now: float) -> list[Entry]:
        return self.timeline.due(now)

    def ran(self, entry: Entry, now: float, description: str, *, error: str = "") -> None:
        """``entry``'s action ran at ``now`` (``error``: it failed)."""
        self.timeline.ran(entry, now)
        self.recording.action(now, description, error=error)
        if entry.action.id is not None:
            self.judge.action_ran(entry.action.id, self.view, now)
            self.timeline.action_ran(entry.action.id, self.view, now)

    def next_wakeup(self) -> float | None:
        times = [t for t in (self.timeline.next_due(), self.judge.next_deadline()) if t is not None]
        return min(times, default=None)

    def over(self) -> bool:
        """Every action has run (or can no longer run) and every check that needs time has had it."""
        return self.started and not self.timeline.pending() and not self.judge.needs_time()

    def finish(self, now: float) -> list[Outcome]:
        self._advance(now)
        if self.instant is not None:
            self._close(self.instant)
            self.instant = None
        return self.judge.finish(self.view, self.recording, now)

    def _advance(self, now: float) -> None:
        if self.instant is not None and now > self.instant:
            self._close(self.instant)
        self.instant = now

    def _close(self, instant: float) -> None:
        self.recording.instant_closed(instant)
        if self.started:
            self.judge.instant_closed(self.view, instant)
