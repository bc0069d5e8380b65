"""Why: the ``cluster`` section of a scenario: what to boot before anything is applied. It says
what Kubernetes' own configuration would say (apiserver replicas, etcd overrides, node pools with
capacity, labels, taints and zones, scheduler profiles, the node lifecycle timings), in words a
scenario author uses; ``runner.booting`` turns it into the cluster's own configuration.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kube_actors.scenario.schema.common import Duration, Name, QuantityText, StrictModel

SCHEDULER_PROFILES = ("default-scheduler", "bin-packing")


class ControlPlane(StrictModel):
    apiservers: int = Field(default=1, ge=1, le=16, description="apiserver replicas; any serves any request")


class Storage(StrictModel):
    backend: Literal["memory", "sqlite"] = Field(
        default="memory",
        description="memory (fast, nothing survives a shard restart) or sqlite (durable, in a temporary "
        "directory unless data_dir is given)",
    )
    shards: dict[str, str] | None = Field(
        default=None,
        description="resource -> shard, like --etcd-servers-overrides; resources not listed share 'main'. "
        "Default: events, leases and pods each on their own shard",
    )
    data_dir: str = Field(
        default="", description="where sqlite keeps its files (default: a temporary directory)"
    )

    def shard_names(self) -> list[str]:
        overrides = (
            self.shards
            if self.shards is not None
            else {"events": "events", "leases": "leases", "pods": "pods"}
        )
        return ["main", *sorted(set(overrides.values()) - {"main"})]


class Taint(StrictModel):
    key: str = Field(min_length=1)
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class Kubelet(StrictModel):
    """How the pool's simulated container runtime behaves when a pod's ``sim.kube-actors.io/``
    annotations say nothing, and how the kubelet paces itself."""

    pull_seconds: Duration = Field(default=2.0, description="image pull latency for images not listed below")
    image_pull_seconds: dict[str, Duration] = Field(
        default_factory=dict, description="pull latency per image"
    )
    images: list[str] = Field(default_factory=list, description="images present on every node from the start")
    registry: list[str] = Field(
        default_factory=lambda: ["*"], description="image patterns the simulated registry has; others fail"
    )
    start_seconds: Duration = Field(default=0.0, description="from a container's start to it running")
    stop_seconds: Duration = Field(default=0.0, description="from SIGTERM to a container's exit")
    run_seconds: Duration = Field(
        default=5.0, description="how long Job-like containers run before exiting 0"
    )
    memory_usage: QuantityText = Field(default="8Mi", description="memory a container uses when nothing says")
    cpu_usage: QuantityText = Field(default="5m", description="cpu a container uses when nothing says")


class NodePool(StrictModel):
    """``count`` nodes named ``<name>-1`` .. ``<name>-<count>``."""

    name: Name
    count: int = Field(ge=0, le=5000)
    cpu: QuantityText = "4"
    memory: QuantityText = "16Gi"
    pods: int = Field(default=110, ge=1)
    ephemeral_storage: QuantityText = "100Gi"
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list, description="zones given to the nodes round-robin")
    instance_type: str = ""
    kubelet: Kubelet = Kubelet()

    def node_names(self, first: int = 1, count: int | None = None) -> list[str]:
        return [f"{self.name}-{i}" for i in range(first, first + (self.count if count is None else count))]


class Scheduler(StrictModel):
    profiles: list[Literal["default-scheduler", "bin-packing"]] = Field(
        default=["default-scheduler", "bin-packing"],
        description="profiles the scheduler serves, chosen by a pod's spec.schedulerName",
    )


class Timing(StrictModel):
    """Kubernetes' defaults; shorten them to see failures sooner."""

    lease_renew_seconds: Duration = Field(
        default=10.0, gt=0, description="how often a kubelet renews its Lease"
    )
    node_status_seconds: Duration = Field(default=10.0, gt=0, description="nodeStatusUpdateFrequency")
    node_grace_seconds: Duration = Field(
        default=40.0, gt=0, description="node-monitor-grace-period: a Lease this old makes the node NotReady"
    )
    eviction_seconds: Duration = Field(
        default=300.0, description="default tolerationSeconds for not-ready and unreachable nodes"
    )


class Cluster(StrictModel):
    control_plane: ControlPlane = ControlPlane()
    storage: Storage = Storage()
    node_pools: list[NodePool] = Field(default_factory=list)
    scheduler: Scheduler = Scheduler()
    timing: Timing = Timing()
    components: list[Literal["scheduler", "controller-manager", "kubelets"]] = Field(
        default=["scheduler", "controller-manager", "kubelets"],
        description="the components to run beside the etcd shards and apiservers",
    )

    def node_names(self) -> list[str]:
        return [name for pool in self.node_pools for name in pool.node_names()]
