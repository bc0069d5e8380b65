"""Why: the scenario's ``expect`` list judged over a run. ``Judge`` holds one ``Expectation``
per check, starts each at its reference time (the start, or the action its ``after`` names),
passes it every batch, every closed instant and every tick, and collects the outcomes; the
runner asks it when to wake up next and whether the run can end. ``expectation_for`` is the one
place a check's model meets its judging class, for ``expect`` and for ``when:`` alike.
"""

from __future__ import annotations

from kube_actors.scenario.expectations.base import Expectation, Outcome
from kube_actors.scenario.expectations.eventually import (
    ContainerRestartsCheck,
    DaemonSetReadyCheck,
    DeploymentAvailableCheck,
    EventuallyCheck,
    JobCompleteCheck,
    NodeReadinessCheck,
    NoPodsOnNodeCheck,
    PodsCheck,
    PodsRescheduledCheck,
    StatefulSetReadyCheck,
)
from kube_actors.scenario.expectations.latency import LatencyCheck
from kube_actors.scenario.expectations.windows import MaxUnavailableCheck, NodesUsedCheck, PodsUnaffectedCheck
from kube_actors.scenario.recording import Recording
from kube_actors.scenario.schema import checks as c
from kube_actors.scenario.view import ClusterView

__all__ = ["EventuallyCheck", "Expectation", "Judge", "Outcome", "expectation_for"]

_CLASSES: dict[type[c.CheckBase], type[Expectation]] = {  # type: ignore[type-arg]
    c.Pods: PodsCheck,
    c.DeploymentAvailable: DeploymentAvailableCheck,
    c.StatefulSetReady: StatefulSetReadyCheck,
    c.DaemonSetReady: DaemonSetReadyCheck,
    c.JobComplete: JobCompleteCheck,
    c.NodeReadiness: NodeReadinessCheck,
    c.PodsRescheduled: PodsRescheduledCheck,
    c.NoPodsOnNode: NoPodsOnNodeCheck,
    c.ContainerRestarts: ContainerRestartsCheck,
    c.MaxUnavailable: MaxUnavailableCheck,
    c.NodesUsed: NodesUsedCheck,
    c.PodsUnaffected: PodsUnaffectedCheck,
    c.Latency: LatencyCheck,
}


def expectation_for(spec: c.CheckBase) -> Expectation:  # type: ignore[type-arg]
    return _CLASSES[type(spec)](spec)


class Judge:
    """Every check of a run, judged together."""

    def __init__(self, specs: list[c.CheckBase]) -> None:
        self.expectations = [expectation_for(spec) for spec in specs]

    def start(self, view: ClusterView, now: float) -> None:
        """The run starts: checks timed from the start begin."""
        for expectation in self.expectations:
            if expectation.spec.after is None:
                expectation.begin(view, now)
                expectation.observe(view, now)

    def action_ran(self, action_id: str, view: ClusterView, now: float) -> None:
        for expectation in self.expectations:
            if expectation.spec.after == action_id and expectation.started_at is None:
                expectation.begin(view, now)
                expectation.observe(view, now)

    def observe(self, view: ClusterView, now: float) -> None:
        for expectation in self.expectations:
            expectation.observe(view, now)

    def instant_closed(self, view: ClusterView, instant: float) -> None:
        for expectation in self.expectations:
            expectation.instant_closed(view, instant)

    def tick(self, now: float) -> None:
        for expectation in self.expectations:
            expectation.tick(now)

    def next_deadline(self) -> float | None:
        deadlines = [d for e in self.expectations if (d := e.next_deadline()) is not None]
        return min(deadlines, default=None)

    def needs_time(self) -> bool:
        """Whether some check started (or yet to start) cannot be decided without more time."""
        return any(e.needs_time() or (e.started_at is None and not e.decided) for e in self.expectations)

    def finish(self, view: ClusterView, recording: Recording, now: float) -> list[Outcome]:
        return [e.outcome or e.finish(view, recording, now) for e in self.expectations]
