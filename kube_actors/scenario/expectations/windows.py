"""Why: some claims must hold at every instant of a window, not just once: no more than N pods
of a workload unavailable during a rolling update or a node failure, no more than N nodes used
(bin packing), running pods untouched while the control plane is down. A ``WindowCheck`` looks
at the state each instant settled on (``instant_closed``), keeps the worst it saw and when, and
is decided when its window ends (or at the first violation).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TypeVar

from kube_actors.api.label_selectors import selector_matches
from kube_actors.scenario.expectations.base import Expectation, Outcome, seconds, window_end
from kube_actors.scenario.recording import Recording
from kube_actors.scenario.schema import checks as c
from kube_actors.scenario.view import (
    DEPLOYMENTS,
    STATEFULSETS,
    ClusterView,
    is_pod_ready,
    is_terminating,
    node_of,
    phase_of,
    restarts_of,
    uid_of,
)

WindowT = TypeVar("WindowT", bound=c.Window)


class WindowCheck(Expectation[WindowT]):
    def __init__(self, spec: WindowT) -> None:
        super().__init__(spec)
        self.worst: tuple[int, float] | None = None  # (value, when)
        self.violation = ""

    @property
    def end(self) -> float | None:
        return window_end(self.started_at, self.spec.during)

    @abstractmethod
    def measure(self, view: ClusterView, instant: float) -> int | None:
        """The figure at ``instant`` (None: nothing to measure yet)."""

    @abstractmethod
    def violates(self, value: int) -> bool: ...

    def window(self) -> str:
        return "" if self.spec.during is None else f" for {seconds(self.spec.during)}"

    def instant_closed(self, view: ClusterView, instant: float) -> None:
        if self.started_at is None or self.decided or instant < self.started_at:
            return
        end = self.end
        if end is not None and instant > end:
            self.tick(instant)
            return
        value = self.measure(view, instant)
        if value is None:
            return
        if self.worst is None or self._worse(value, self.worst[0]):
            self.worst = (value, instant)
        if self.violates(value) and not self.violation:
            self.violation = f"{value} at {seconds(instant)}"

    def _worse(self, value: int, than: int) -> bool:
        return value > than

    def tick(self, now: float) -> None:
        end = self.end
        if not self.decided and end is not None and now >= end:
            self.decide(not self.violation, self.observed(), end)

    def observed(self) -> str:
        if self.worst is None:
            return "nothing to measure in the window"
        worst = f"worst {self.worst[0]} at {seconds(self.worst[1])}"
        return f"first breach {self.violation}; {worst}" if self.violation else worst

    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        if self.started_at is None:
            return self.never_started()
        self.instant_closed(view, now)
        return self.decide(not self.violation and self.worst is not None, self.observed(), now)

    def next_deadline(self) -> float | None:
        return None if self.decided else self.end

    def needs_time(self) -> bool:
        return not self.decided and self.end is not None


class MaxUnavailableCheck(WindowCheck[c.MaxUnavailable]):
    def describe(self) -> str:
        kind = "Deployment" if self.spec.deployment else "StatefulSet"
        name = f"{self.spec.namespace}/{self.spec.deployment or self.spec.statefulset}"
        return f"{kind} {name}: at most {self.spec.at_most} pods unavailable{self.window()}"

    def expected(self) -> str:
        return f"unavailable <= {self.spec.at_most} at every instant{self.window()}"

    def measure(self, view: ClusterView, instant: float) -> int | None:
        resource, name = (
            (DEPLOYMENTS, self.spec.deployment)
            if self.spec.deployment
            else (STATEFULSETS, self.spec.statefulset)
        )
        assert name is not None
        workload = view.get(resource, self.spec.namespace, name)
        if workload is None:
            return None
        spec = workload.get("spec", {})
        selector = spec.get("selector") or {}
        ready = sum(
            1
            for pod in view.pods(namespace=self.spec.namespace)
            if selector_matches(selector, pod["metadata"].get("labels"))
            and not is_terminating(pod)
            and is_pod_ready(pod)
        )
        return max(int(spec.get("replicas", 1)) - ready, 0)

    def violates(self, value: int) -> bool:
        return value > self.spec.at_most


class NodesUsedCheck(WindowCheck[c.NodesUsed]):
    def describe(self) -> str:
        where = f" by {self.spec.selector}" if self.spec.selector else ""
        return f"nodes used{where}: {self.spec.wording()}{self.window()}"

    def expected(self) -> str:
        return f"the most nodes in use at one instant {self.spec.wording()}"

    def measure(self, view: ClusterView, instant: float) -> int | None:
        nodes = {
            node_of(pod)
            for pod in view.pods(self.spec.selector, self.spec.namespace)
            if node_of(pod) and phase_of(pod) not in ("Succeeded", "Failed")
        }
        return len(nodes)

    def violates(self, value: int) -> bool:
        return self.spec.at_most is not None and value > self.spec.at_most

    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        if self.started_at is None:
            return self.never_started()
        self.instant_closed(view, now)
        if self.worst is None:
            return self.decide(False, self.observed(), now)
        return self.decide(self.spec.admits(self.worst[0]), self.observed(), now)

    def tick(self, now: float) -> None:
        end = self.end
        if not self.decided and end is not None and now >= end:
            self.decide(self.worst is not None and self.spec.admits(self.worst[0]), self.observed(), end)


class PodsUnaffectedCheck(WindowCheck[c.PodsUnaffected]):
    """The figure is how many of the pods running at the start were disturbed."""

    def __init__(self, spec: c.PodsUnaffected) -> None:
        super().__init__(spec)
        self.running: dict[str, tuple[str, str, int]] = {}  # uid -> (name, node, restarts)

    def describe(self) -> str:
        where = f" ({self.spec.selector})" if self.spec.selector else ""
        return f"running pods{where} unaffected{self.window()}"

    def expected(self) -> str:
        return "every pod running at the start still running, on its node, not restarted"

    def begin(self, view: ClusterView, now: float) -> None:
        super().begin(view, now)
        for pod in view.pods(self.spec.selector, self.spec.namespace):
            if phase_of(pod) == "Running" and not is_terminating(pod):
                self.running[uid_of(pod)] = (pod["metadata"]["name"], node_of(pod), restarts_of(pod))

    def measure(self, view: ClusterView, instant: float) -> int | None:
        if not self.running:
            return None
        current = {uid_of(p): p for p in view.pods(self.spec.selector, self.spec.namespace)}
        disturbed = []
        for uid, (name, node, restarts) in self.running.items():
            pod = current.get(uid)
            if pod is None or is_terminating(pod):
                disturbed.append(f"{name} deleted")
            elif node_of(pod) != node or phase_of(pod) != "Running":
                disturbed.append(f"{name} {phase_of(pod)} on {node_of(pod) or 'no node'}")
            elif restarts_of(pod) > restarts:
                disturbed.append(f"{name} restarted")
        if disturbed and not self.violation:
            self.violation = f"{', '.join(disturbed[:3])} at {seconds(instant)}"
        return len(disturbed)

    def violates(self, value: int) -> bool:
        return False  # ``measure`` words the first disturbance itself

    def observed(self) -> str:
        if not self.running:
            return "no pods were running when the window opened"
        if self.violation:
            return f"disturbed: {self.violation}"
        return f"all {len(self.running)} pods untouched"
