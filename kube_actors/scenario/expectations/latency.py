"""Why: the chapter's scheduler and kubelet are judged by how fast pods get going; these checks
bound a percentile of scheduling latency (created to bound to a node) and start-up latency
(created to running) as the watch stream saw each pod, over the whole run.
"""

from __future__ import annotations

from kube_actors.scenario.expectations.base import Expectation, Outcome, seconds
from kube_actors.scenario.recording import Recording, percentile
from kube_actors.scenario.schema.checks import Latency
from kube_actors.scenario.view import ClusterView


class LatencyCheck(Expectation[Latency]):
    @property
    def kind(self) -> str:
        return "scheduling" if self.spec.check == "scheduling_latency" else "startup"

    def describe(self) -> str:
        where = f" ({self.spec.selector})" if self.spec.selector else ""
        return f"p{self.spec.percentile:g} {self.kind} latency{where}"

    def expected(self) -> str:
        return f"<= {seconds(self.spec.at_most)}"

    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        if self.started_at is None:
            return self.never_started()
        values = recording.latencies(self.kind, self.spec.selector, self.spec.namespace)
        if not values:
            return self.decide(False, "no pod got that far", now)
        value = percentile(values, self.spec.percentile)
        observed = f"{value:.3f}s over {len(values)} pods (max {values[-1]:.3f}s)"
        return self.decide(value <= self.spec.at_most, observed, now)
