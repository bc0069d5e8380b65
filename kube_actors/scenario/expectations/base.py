"""Why: every check is judged the same way over a run, whatever it claims: it starts when its
reference time comes (the start, or the action named by ``after``), looks at the cluster view
after every batch of watch events (``observe``) and at the end of every instant of simulated
time (``instant_closed``: the state the instant settled on, for claims "at every instant"), is
decided when it can be, and reports an ``Outcome`` (expected, observed, when). Times are
seconds since the start of the run. Pure: no clock, no I/O.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kube_actors.scenario.recording import Recording
from kube_actors.scenario.schema.checks import CheckBase
from kube_actors.scenario.view import ClusterView

SpecT = TypeVar("SpecT", bound=CheckBase)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A check's verdict: ``at`` is when it was decided (seconds since the start), or None."""

    check: str
    title: str
    passed: bool
    expected: str
    observed: str
    at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "title": self.title,
            "passed": self.passed,
            "expected": self.expected,
            "observed": self.observed,
            "at": None if self.at is None else round(self.at, 3),
        }


class Expectation(ABC, Generic[SpecT]):
    """The judging of one check; subclasses say what holds."""

    def __init__(self, spec: SpecT) -> None:
        self.spec = spec
        self.started_at: float | None = None
        self.outcome: Outcome | None = None

    @property
    def title(self) -> str:
        return self.spec.title or self.describe()

    @abstractmethod
    def describe(self) -> str:
        """What the check claims, in a few words (its default title)."""

    @abstractmethod
    def expected(self) -> str: ...

    def begin(self, view: ClusterView, now: float) -> None:
        """The reference time has come; look from here on."""
        self.started_at = now

    def observe(self, view: ClusterView, now: float) -> None:
        """After a batch of events at ``now``."""

    def instant_closed(self, view: ClusterView, instant: float) -> None:
        """Time moved on from ``instant``; ``view`` is the state it settled on."""

    def tick(self, now: float) -> None:
        """Time is ``now`` (a deadline may have passed with nothing seen)."""

    @abstractmethod
    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        """The run ends at ``now``: the verdict, if not decided before."""

    def next_deadline(self) -> float | None:
        """When this check next needs looking at with no event (a deadline, a window's end)."""
        return None

    def needs_time(self) -> bool:
        """Whether the run must go on for this check to be decided (open-ended windows that end
        with the run do not)."""
        return False

    @property
    def decided(self) -> bool:
        return self.outcome is not None

    def decide(self, passed: bool, observed: str, at: float | None) -> Outcome:
        if self.outcome is None:
            self.outcome = Outcome(self.spec_name(), self.title, passed, self.expected(), observed, at)
        return self.outcome

    def spec_name(self) -> str:
        return str(getattr(self.spec, "check", type(self.spec).__name__))

    def never_started(self) -> Outcome:
        return self.decide(False, f"action {self.spec.after!r} never ran, so the check never started", None)


def window_end(start: float | None, length: float | None) -> float | None:
    return None if start is None or length is None else start + length


def seconds(value: float) -> str:
    """``75.0`` -> ``75s``; ``0.25`` -> ``0.25s``."""
    return f"{value:g}s"
