"""Why: the ``timeline`` of a scenario: what happens to the cluster and when. Each entry is one
action (what kubectl or an operator would do: apply, scale, set image, rollout undo, cordon,
drain; or a fault: kill a node, crash a container, stop a control-plane component), due ``at``
a time after the start (or after another action, ``after: <id>``) or ``when`` a condition holds
(any check of ``checks.py`` that can become true).

Entries are told apart by ``action:``, so an error names the action's own fields.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kube_actors.scenario.schema.checks import Condition
from kube_actors.scenario.schema.common import Duration, Identifier, Name, QuantityText, Selector, StrictModel
from kube_actors.scenario.schema.workloads import Workload

COMPONENT_PATTERN = (
    r"^(apiserver(/[0-9]+)?|storage/[a-z0-9]([-a-z0-9]*[a-z0-9])?|scheduler|controller-manager)$"
)


class Timed(StrictModel):
    """When an action runs: ``at`` seconds after the start (or after action ``after``), or once
    ``when`` holds (looked for from the start, or from action ``after``), then ``at`` later."""

    id: Identifier | None = Field(default=None, description="a name checks and other actions refer to")
    at: Duration | None = None
    after: Identifier | None = Field(
        default=None, description="the action whose time 'at' and 'when' count from"
    )
    when: Condition | None = None

    @model_validator(mode="after")
    def _timed(self) -> Timed:
        if self.at is None and self.when is None:
            raise ValueError("an action needs 'at' (a time) or 'when' (a condition)")
        return self


class Apply(Timed):
    action: Literal["apply"]
    namespace: str = "default"
    manifests: list[Workload] = Field(min_length=1)


class Delete(Timed):
    action: Literal["delete"]
    namespace: str = "default"
    kind: str = Field(min_length=1, description="e.g. Deployment, Pod, Service")
    name: Name
    api_version: str = Field(default="", description="needed only when the kind is in several groups")


class Scale(Timed):
    action: Literal["scale"]
    namespace: str = "default"
    kind: Literal["Deployment", "StatefulSet", "ReplicaSet"] = "Deployment"
    name: Name
    replicas: int = Field(ge=0)


class SetImage(Timed):
    action: Literal["set_image"]
    namespace: str = "default"
    kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment"
    name: Name
    container: str = Field(min_length=1)
    image: str = Field(min_length=1)


class RolloutUndo(Timed):
    action: Literal["rollout_undo"]
    namespace: str = "default"
    deployment: Name
    to_revision: int = Field(default=0, ge=0, description="0: the revision before the current one")


class Cordon(Timed):
    action: Literal["cordon", "uncordon"]
    node: Name


class Drain(Timed):
    action: Literal["drain"]
    node: Name
    timeout: Duration = Field(default=300.0, description="give up evicting after this long")


class NodeFault(Timed):
    """``kill_node`` stops the node's kubelet (its pods keep their last state, as on a host that
    lost power); ``restore_node`` starts it again. ``node`` names one; ``pool`` picks one of the
    pool's nodes at random (by the seed)."""

    action: Literal["kill_node", "restore_node"]
    node: Name | None = None
    pool: Name | None = None

    @model_validator(mode="after")
    def _one_target(self) -> NodeFault:
        if (self.node is None) == (self.pool is None):
            raise ValueError("name exactly one of 'node' and 'pool'")
        return self


class AddNodes(Timed):
    action: Literal["add_nodes"]
    pool: Name
    count: int = Field(default=1, ge=1, le=5000)


class PodTarget(Timed):
    """A pod by ``pod`` name, or one of those ``selector`` matches, chosen by the seed."""

    namespace: str = "default"
    pod: Name | None = None
    selector: Selector | None = None
    container: str = Field(default="", description="default: the pod's first container")

    @model_validator(mode="after")
    def _one_pod(self) -> PodTarget:
        if (self.pod is None) == (self.selector is None):
            raise ValueError("name exactly one of 'pod' and 'selector'")
        return self


class CrashContainer(PodTarget):
    action: Literal["crash_container"]
    exit_code: int = Field(default=1, ge=1, le=255)


class SetUsage(PodTarget):
    """What a container uses from now on (the noisy neighbour): memory as a quantity or a ramp
    (``64Mi, 2Gi@60s``, seconds from now), cpu in cores."""

    action: Literal["set_usage"]
    memory: str | None = None
    cpu: QuantityText | None = None

    @model_validator(mode="after")
    def _something(self) -> SetUsage:
        if self.memory is None and self.cpu is None:
            raise ValueError("set 'memory', 'cpu' or both")
        return self


class Component(Timed):
    """Stop or start a control-plane component: ``apiserver`` (replica 0) or ``apiserver/N``,
    ``storage/<shard>``, ``scheduler``, ``controller-manager``. ``for`` restarts it after that
    long."""

    action: Literal["stop", "start"]
    component: str = Field(pattern=COMPONENT_PATTERN)
    for_: Duration | None = Field(
        default=None, alias="for", description="stop: start it again after this long"
    )


Action = Annotated[
    Apply
    | Delete
    | Scale
    | SetImage
    | RolloutUndo
    | Cordon
    | Drain
    | NodeFault
    | AddNodes
    | CrashContainer
    | SetUsage
    | Component,
    Field(discriminator="action"),
]
