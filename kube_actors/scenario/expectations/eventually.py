"""Why: most claims about a cluster are "this state is reached in time": pods counted by phase,
a Deployment available, a node Ready or NotReady, a node emptied, pods rescheduled elsewhere.
``EventuallyCheck`` judges them all (pass at the first batch that shows the state, fail when
the deadline passes without it); each subclass only says whether the state holds now and
what it sees. The same classes answer the timeline's ``when:`` conditions.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TypeVar

from kube_actors.scenario.expectations.base import Expectation, Outcome, seconds, window_end
from kube_actors.scenario.recording import Recording
from kube_actors.scenario.schema import checks as c
from kube_actors.scenario.view import (
    DAEMONSETS,
    DEPLOYMENTS,
    JOBS,
    STATEFULSETS,
    ClusterView,
    JsonObject,
    controller_of,
    daemonset_ready,
    deployment_available,
    is_daemonset_pod,
    is_node_ready,
    is_terminating,
    job_complete,
    node_of,
    phase_of,
    restarts_of,
    statefulset_ready,
)

EventuallyT = TypeVar("EventuallyT", bound=c.Eventually)


class EventuallyCheck(Expectation[EventuallyT]):
    def __init__(self, spec: EventuallyT) -> None:
        super().__init__(spec)
        self.last_seen = "nothing yet"

    @abstractmethod
    def holds(self, view: ClusterView) -> tuple[bool, str]:
        """Whether the claimed state holds in ``view``, and what is seen."""

    @property
    def deadline(self) -> float | None:
        return window_end(self.started_at, self.spec.within)

    def expected(self) -> str:
        within = "" if self.spec.within is None else f" within {seconds(self.spec.within)}"
        return self.describe() + within

    def observe(self, view: ClusterView, now: float) -> None:
        if self.started_at is None or self.decided:
            return
        deadline = self.deadline
        if deadline is not None and now > deadline:
            self.tick(now)
            return
        holding, self.last_seen = self.holds(view)
        if holding:
            self.decide(True, self.last_seen, now)

    def tick(self, now: float) -> None:
        deadline = self.deadline
        if not self.decided and deadline is not None and now >= deadline:
            self.decide(False, f"by {seconds(deadline)}: {self.last_seen}", deadline)

    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        if self.started_at is None:
            return self.never_started()
        self.observe(view, now)
        return self.decide(False, f"by the end ({seconds(now)}): {self.last_seen}", now)

    def next_deadline(self) -> float | None:
        return None if self.decided else self.deadline

    def needs_time(self) -> bool:
        return not self.decided


class PodsCheck(EventuallyCheck[c.Pods]):
    def describe(self) -> str:
        where = f" ({self.spec.selector})" if self.spec.selector else ""
        return f"{self.spec.phase} pods{where}: {self.spec.wording()}"

    def holds(self, view: ClusterView) -> tuple[bool, str]:
        count = sum(
            1
            for pod in view.pods(self.spec.selector, self.spec.namespace)
            if phase_of(pod) == self.spec.phase and not is_terminating(pod)
        )
        return self.spec.admits(count), f"{count} {self.spec.phase}"


class WorkloadReady(EventuallyCheck[EventuallyT]):
    resource: str
    noun: str
    state: str

    @abstractmethod
    def target(self) -> tuple[str, str]:
        """The namespace and name of the workload watched."""

    def describe(self) -> str:
        namespace, name = self.target()
        return f"{self.noun} {namespace}/{name} {self.state}"

    def holds(self, view: ClusterView) -> tuple[bool, str]:
        namespace, name = self.target()
        obj = view.get(self.resource, namespace, name)
        if obj is None:
            return False, f"no {self.noun} {namespace}/{name}"
        status = obj.get("status", {})
        figures = ", ".join(f"{k}={v}" for k, v in status.items() if isinstance(v, int))
        return self.ready(obj), figures or "no status yet"

    @abstractmethod
    def ready(self, obj: JsonObject) -> bool:
        """Whether the workload is as the check wants it."""


class DeploymentAvailableCheck(WorkloadReady[c.DeploymentAvailable]):
    resource, noun, state = DEPLOYMENTS, "Deployment", "available"

    def ready(self, obj: JsonObject) -> bool:
        return deployment_available(obj)

    def target(self) -> tuple[str, str]:
        return self.spec.namespace, self.spec.deployment


class StatefulSetReadyCheck(WorkloadReady[c.StatefulSetReady]):
    resource, noun, state = STATEFULSETS, "StatefulSet", "ready"

    def ready(self, obj: JsonObject) -> bool:
        return statefulset_ready(obj)

    def target(self) -> tuple[str, str]:
        return self.spec.namespace, self.spec.statefulset


class DaemonSetReadyCheck(WorkloadReady[c.DaemonSetReady]):
    resource, noun, state = DAEMONSETS, "DaemonSet", "ready on every node"

    def ready(self, obj: JsonObject) -> bool:
        return daemonset_ready(obj)

    def target(self) -> tuple[str, str]:
        return self.spec.namespace, self.spec.daemonset


class JobCompleteCheck(WorkloadReady[c.JobComplete]):
    resource, noun, state = JOBS, "Job", "complete"

    def ready(self, obj: JsonObject) -> bool:
        return job_complete(obj)

    def target(self) -> tuple[str, str]:
        return self.spec.namespace, self.spec.job


class NodeReadinessCheck(EventuallyCheck[c.NodeReadiness]):
    def describe(self) -> str:
        return f"node {self.spec.node} {'Ready' if self.spec.check == 'node_ready' else 'NotReady'}"

    def holds(self, view: ClusterView) -> tuple[bool, str]:
        node = view.node(self.spec.node)
        if node is None:
            return False, "node not registered"
        ready = is_node_ready(node)
        return ready == (self.spec.check == "node_ready"), "Ready" if ready else "NotReady"


class NoPodsOnNodeCheck(EventuallyCheck[c.NoPodsOnNode]):
    """Empty at the deadline (pods may come and go before it), then empty to the end."""

    def __init__(self, spec: c.NoPodsOnNode) -> None:
        super().__init__(spec)
        self.emptied_at: float | None = None

    def describe(self) -> str:
        return f"no pods on node {self.spec.node} from then on"

    def holds(self, view: ClusterView) -> tuple[bool, str]:
        pods = [
            p
            for p in view.pods_on(self.spec.node)
            if not (self.spec.ignore_daemonsets and is_daemonset_pod(p))
            and phase_of(p) not in ("Succeeded", "Failed")
        ]
        names = ", ".join(sorted(p["metadata"]["name"] for p in pods)[:5])
        return not pods, f"{len(pods)} pod(s) on the node" + (f": {names}" if names else "")

    def observe(self, view: ClusterView, now: float) -> None:
        if self.started_at is None or self.decided:
            return
        empty, seen = self.holds(view)
        deadline = self.deadline
        if deadline is None or now <= deadline:
            if not empty:
                self.emptied_at, self.last_seen = None, seen
            elif self.emptied_at is None:
                self.emptied_at, self.last_seen = now, f"empty from {seconds(now)}"
            return
        self.tick(now)
        if not self.decided and not empty:
            assert self.emptied_at is not None
            self.decide(False, f"emptied at {seconds(self.emptied_at)}, then {seen}", now)

    def tick(self, now: float) -> None:
        deadline = self.deadline
        if not self.decided and deadline is not None and now >= deadline and self.emptied_at is None:
            self.decide(False, f"by {seconds(deadline)}: {self.last_seen}", deadline)

    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        if self.started_at is None:
            return self.never_started()
        self.observe(view, now)
        if self.emptied_at is not None:
            return self.decide(True, f"empty from {seconds(self.emptied_at)} to the end", self.emptied_at)
        return self.decide(False, f"by the end: {self.last_seen}", now)

    def needs_time(self) -> bool:
        return not self.decided and self.emptied_at is None


class PodsRescheduledCheck(EventuallyCheck[c.PodsRescheduled]):
    """Each controller that had running pods on the node must get back to as many running pods
    elsewhere as it had running in all when the check began."""

    def __init__(self, spec: c.PodsRescheduled) -> None:
        super().__init__(spec)
        self.wanted: dict[str, int] = {}
        self.moved = 0

    def describe(self) -> str:
        return f"pods on node {self.spec.node} rescheduled elsewhere"

    def begin(self, view: ClusterView, now: float) -> None:
        super().begin(view, now)
        running = [
            p for p in view.pods(self.spec.selector) if phase_of(p) == "Running" and not is_terminating(p)
        ]
        on_node = {self._owner(p) for p in running if node_of(p) == self.spec.node} - {""}
        self.moved = sum(1 for p in running if node_of(p) == self.spec.node and self._owner(p))
        self.wanted = {owner: sum(1 for p in running if self._owner(p) == owner) for owner in on_node}

    def holds(self, view: ClusterView) -> tuple[bool, str]:
        if not self.wanted:
            return False, f"no controller-owned pods were running on {self.spec.node} when the check began"
        running: dict[str, int] = {}
        for pod in view.pods(self.spec.selector):
            if phase_of(pod) == "Running" and not is_terminating(pod) and node_of(pod) != self.spec.node:
                owner = self._owner(pod)
                running[owner] = running.get(owner, 0) + 1
        short = sum(max(want - running.get(owner, 0), 0) for owner, want in self.wanted.items())
        replaced = max(self.moved - short, 0)
        return short == 0, f"{replaced} of {self.moved} pods running again elsewhere"

    @staticmethod
    def _owner(pod: JsonObject) -> str:
        owner = controller_of(pod)
        return "" if owner is None else str(owner.get("uid") or owner.get("name"))


class ContainerRestartsCheck(EventuallyCheck[c.ContainerRestarts]):
    """Holds once the most restarts of a matching pod reaches ``at_least``; with ``at_most``,
    going above it at any time fails, and the verdict waits for the deadline."""

    def __init__(self, spec: c.ContainerRestarts) -> None:
        super().__init__(spec)
        self.worst = 0

    def describe(self) -> str:
        where = f" ({self.spec.selector})" if self.spec.selector else ""
        return f"container restarts{where}: {self.spec.wording()}"

    def holds(self, view: ClusterView) -> tuple[bool, str]:
        pods = view.pods(self.spec.selector, self.spec.namespace)
        most = max((restarts_of(p) for p in pods), default=0)
        self.worst = max(self.worst, most)
        return self.spec.admits(most), f"{most} restarts at most (highest seen {self.worst})"

    def observe(self, view: ClusterView, now: float) -> None:
        if self.started_at is None or self.decided:
            return
        holding, self.last_seen = self.holds(view)
        limit = self.spec.count if self.spec.count is not None else self.spec.at_most
        if limit is not None and self.worst > limit:
            self.decide(False, self.last_seen, now)
        elif holding and limit is None:
            self.decide(True, self.last_seen, now)
        else:
            self.tick(now)

    def tick(self, now: float) -> None:
        deadline = self.deadline
        if self.decided or deadline is None or now < deadline:
            return
        passed = self.last_seen != "nothing yet" and self._admitted()
        self.decide(passed, f"by {seconds(deadline)}: {self.last_seen}", deadline)

    def finish(self, view: ClusterView, recording: Recording, now: float) -> Outcome:
        if self.started_at is None:
            return self.never_started()
        self.observe(view, now)
        return self.decide(self._admitted(), f"by the end ({seconds(now)}): {self.last_seen}", now)

    def _admitted(self) -> bool:
        return self.spec.admits(self.worst)
