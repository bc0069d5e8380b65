"""Why: the timeline as data: which action is due when. An entry is armed at its reference time
(the start, or when the action its ``after`` names ran); an ``at`` entry is then due ``at``
seconds later, a ``when`` entry once its condition holds (plus ``at``, if given). Sans-IO: the
runner feeds the view and the time, asks what is due, runs it and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from kube_actors.scenario.expectations import EventuallyCheck, expectation_for
from kube_actors.scenario.schema import Action
from kube_actors.scenario.schema.checks import Condition
from kube_actors.scenario.view import ClusterView


@dataclass
class Entry:
    index: int
    action: Action
    condition: EventuallyCheck | None  # type: ignore[type-arg]
    armed_at: float | None = None
    due_at: float | None = None
    ran_at: float | None = None
    expired: bool = False
    """Its condition's ``within`` passed without it holding: it never runs."""

    @property
    def waiting(self) -> bool:
        return self.ran_at is None and not self.expired


def _condition(spec: Condition) -> EventuallyCheck:  # type: ignore[type-arg]
    condition = expectation_for(spec)
    assert isinstance(condition, EventuallyCheck)
    return condition


class Timeline:
    def __init__(self, actions: list[Action]) -> None:
        self.entries = [
            Entry(index, action, None if action.when is None else _condition(action.when))
            for index, action in enumerate(actions)
        ]

    def start(self, view: ClusterView, now: float) -> None:
        for entry in self.entries:
            if entry.action.after is None:
                self._arm(entry, view, now)

    def action_ran(self, action_id: str, view: ClusterView, now: float) -> None:
        for entry in self.entries:
            if entry.action.after == action_id and entry.armed_at is None:
                self._arm(entry, view, now)

    def observe(self, view: ClusterView, now: float) -> None:
        """After a batch of events: conditions may now hold (or have run out of time)."""
        for entry in self.entries:
            condition = entry.condition
            if condition is None or entry.armed_at is None or entry.due_at is not None or entry.expired:
                continue
            condition.observe(view, now)
            self._settle(entry)

    def tick(self, now: float) -> None:
        for entry in self.entries:
            if entry.condition is not None and entry.armed_at is not None and entry.due_at is None:
                entry.condition.tick(now)
                self._settle(entry)

    def due(self, now: float) -> list[Entry]:
        """Entries due by ``now``, in time order (then file order)."""
        ready = [e for e in self.entries if e.waiting and e.due_at is not None and e.due_at <= now]
        return sorted(ready, key=lambda e: (e.due_at or 0.0, e.index))

    def ran(self, entry: Entry, now: float) -> None:
        entry.ran_at = now

    def next_due(self) -> float | None:
        times = [e.due_at for e in self.entries if e.waiting and e.due_at is not None]
        deadlines = [
            d
            for e in self.entries
            if e.waiting and e.condition is not None and (d := e.condition.next_deadline()) is not None
        ]
        return min(times + deadlines, default=None)

    def pending(self) -> bool:
        return any(entry.waiting for entry in self.entries)

    def _arm(self, entry: Entry, view: ClusterView, now: float) -> None:
        entry.armed_at = now
        if entry.condition is None:
            entry.due_at = now + (entry.action.at or 0.0)
            return
        entry.condition.begin(view, now)
        entry.condition.observe(view, now)
        self._settle(entry)

    def _settle(self, entry: Entry) -> None:
        outcome = entry.condition.outcome if entry.condition is not None else None
        if outcome is None:
            return
        if outcome.passed and outcome.at is not None:
            entry.due_at = outcome.at + (entry.action.at or 0.0)
        else:
            entry.expired = True
