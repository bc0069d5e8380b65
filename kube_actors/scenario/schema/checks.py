"""Why: the ``expect`` section of a scenario, and the conditions ``when:`` waits for. Each check
is a claim about what the cluster's watch stream will show, timed from the start or from an
action (``after: <id>``):

- *eventually* checks hold once their state is seen ``within`` a deadline (default: by the end
  of the run): pod counts by phase, a Deployment available, a node Ready or NotReady, pods
  rescheduled off a node, no pods on a node, container restarts;
- *window* checks must hold at every instant ``during`` a window (default: to the end of the
  run): at most N pods unavailable, at most (or at least) N nodes used, running pods unaffected;
- *latency* checks bound a percentile of scheduling or start-up latency over the run.

Eventually checks double as timeline conditions (``when:``). ``expectations/`` evaluates them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kube_actors.scenario.schema.common import Duration, Identifier, Name, Selector, StrictModel


class CheckBase(StrictModel):
    title: str = Field(default="", description="how reports name the check (default: made from its fields)")
    after: Identifier | None = Field(default=None, description="time this check from the action with this id")


class Eventually(CheckBase):
    within: Duration | None = Field(
        default=None, description="deadline after the start (or 'after'); default: the run"
    )


class Bounds(StrictModel):
    count: int | None = Field(default=None, ge=0)
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> Bounds:
        if self.count is None and self.at_least is None and self.at_most is None:
            raise ValueError("give 'count', 'at_least' or 'at_most'")
        if self.count is not None and (self.at_least is not None or self.at_most is not None):
            raise ValueError("'count' excludes 'at_least' and 'at_most'")
        return self

    def admits(self, value: int) -> bool:
        if self.count is not None:
            return value == self.count
        return (self.at_least is None or value >= self.at_least) and (
            self.at_most is None or value <= self.at_most
        )

    def wording(self) -> str:
        if self.count is not None:
            return str(self.count)
        parts = [
            f">= {self.at_least}" if self.at_least is not None else "",
            f"<= {self.at_most}" if self.at_most is not None else "",
        ]
        return " and ".join(p for p in parts if p)


class Pods(Eventually, Bounds):
    """Pods in ``phase`` (pods being deleted are not counted)."""

    check: Literal["pods"]
    phase: Literal["Pending", "Running", "Succeeded", "Failed"] = "Running"
    selector: Selector = ""
    namespace: str | None = Field(default=None, description="default: every namespace")


class DeploymentAvailable(Eventually):
    """Every replica updated and available (a finished ``kubectl rollout status``)."""

    check: Literal["deployment_available"]
    deployment: Name
    namespace: str = "default"


class StatefulSetReady(Eventually):
    check: Literal["statefulset_ready"]
    statefulset: Name
    namespace: str = "default"


class DaemonSetReady(Eventually):
    """A ready pod on every node the DaemonSet wants, all of the current template."""

    check: Literal["daemonset_ready"]
    daemonset: Name
    namespace: str = "default"


class JobComplete(Eventually):
    check: Literal["job_complete"]
    job: Name
    namespace: str = "default"


class NodeReadiness(Eventually):
    check: Literal["node_ready", "node_not_ready"]
    node: Name


class PodsRescheduled(Eventually):
    """Every controller-owned pod running on ``node`` when the check starts has a running
    replacement on another node."""

    check: Literal["pods_rescheduled"]
    node: Name
    selector: Selector = ""


class NoPodsOnNode(Eventually):
    """``node`` is empty ``within`` the deadline (at once, by default) and stays empty until the
    end of the run. Pods being deleted still count: they are there until their kubelet stops
    them."""

    check: Literal["no_pods_on_node"]
    node: Name
    ignore_daemonsets: bool = True
    within: Duration | None = Field(default=0.0, description="when the node must be empty by")


class ContainerRestarts(Eventually, Bounds):
    """The most restarts of any container of the matching pods, as seen at the deadline (or,
    as a condition, as soon as it is in bounds)."""

    check: Literal["container_restarts"]
    selector: Selector = ""
    namespace: str | None = None


class Window(CheckBase):
    during: Duration | None = Field(
        default=None, description="window length from the start (or 'after'); default: the run"
    )


class MaxUnavailable(Window):
    """At no instant more than ``at_most`` of the workload's desired pods are not ready."""

    check: Literal["max_unavailable"]
    deployment: Name | None = None
    statefulset: Name | None = None
    namespace: str = "default"
    at_most: int = Field(ge=0)

    @model_validator(mode="after")
    def _one_workload(self) -> MaxUnavailable:
        if (self.deployment is None) == (self.statefulset is None):
            raise ValueError("name exactly one of 'deployment' and 'statefulset'")
        return self


class NodesUsed(Window, Bounds):
    """The most nodes hosting matching pods at one instant (bin packing uses few)."""

    check: Literal["nodes_used"]
    selector: Selector = ""
    namespace: str | None = None


class PodsUnaffected(Window):
    """Pods running when the window opens are, through it, the same pods on the same nodes,
    running, not restarted: what the control plane being down must not disturb."""

    check: Literal["pods_unaffected"]
    selector: Selector = ""
    namespace: str | None = None


class Latency(CheckBase):
    """A percentile of the pods' scheduling latency (created to bound) or start-up latency
    (created to running), as the watch stream saw them."""

    check: Literal["scheduling_latency", "startup_latency"]
    percentile: float = Field(default=99.0, gt=0, le=100)
    at_most: Duration
    selector: Selector = ""
    namespace: str | None = None


Condition = Annotated[
    Pods
    | DeploymentAvailable
    | StatefulSetReady
    | DaemonSetReady
    | JobComplete
    | NodeReadiness
    | PodsRescheduled
    | NoPodsOnNode
    | ContainerRestarts,
    Field(discriminator="check"),
]
"""A check that can become true: what ``when:`` waits for."""

Check = Annotated[
    Pods
    | DeploymentAvailable
    | StatefulSetReady
    | DaemonSetReady
    | JobComplete
    | NodeReadiness
    | PodsRescheduled
    | NoPodsOnNode
    | ContainerRestarts
    | MaxUnavailable
    | NodesUsed
    | PodsUnaffected
    | Latency,
    Field(discriminator="check"),
]
