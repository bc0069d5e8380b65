"""Why: the scenario's ``cluster`` section says what to boot in words a scenario author uses;
``kube_actors.cluster`` boots clusters from its own configuration. This module is the
translation (storage, apiserver replicas, controllers, one ``KubeletConfig`` per node of every
pool with its zone, podCIDR and address), the paths of the components a timeline stops and
starts, and the few things a scenario asks of a running cluster beyond stop and restart
(``NodeAgents``: add nodes, crash a container, set a container's usage).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from kube_actors.cluster import CONTROLLER_MANAGER_PATH, SCHEDULER_PATH, ClusterConfig
from kube_actors.components.controllers.manager import ControllerSettings
from kube_actors.components.controllers.node_health import NodeLifecycleConfig
from kube_actors.components.etcd.client import shard_path
from kube_actors.components.kubelet.config import KubeletConfig, RuntimeDefaults, node_pool
from kube_actors.scenario.schema import cluster as spec
from kube_actors.storage.config import StorageConfig
from kube_actors.storage.sharding import DEFAULT_OVERRIDES, ShardMap

CLUSTER_CIDR = "10.0.0.0/8"  # room for 65,536 nodes' /24s
NODE_NETWORK = "172.16.0.0/12"


@runtime_checkable
class NodeAgents(Protocol):
    """What a scenario needs of the cluster's kubelets besides stopping and restarting one
    (``kubelet/<node>``)."""

    async def add_nodes(self, nodes: list[KubeletConfig]) -> None:
        """Start kubelets for these nodes; they register their Nodes themselves."""

    async def crash_container(
        self, node: str, namespace: str, pod: str, container: str, exit_code: int
    ) -> None:
        """The container's process exits now with ``exit_code`` (restarted per restartPolicy)."""

    async def set_usage(
        self, node: str, namespace: str, pod: str, container: str, memory: str | None, cpu: str | None
    ) -> None:
        """From now on the container uses this memory (a quantity or a ramp) and cpu."""


def cluster_config(cluster: spec.Cluster, data_dir: Path, *, api_port: int = 0) -> ClusterConfig:
    """The cluster's configuration; apiservers serve HTTP on loopback (any free port by default)."""
    overrides = DEFAULT_OVERRIDES if cluster.storage.shards is None else cluster.storage.shards
    storage = StorageConfig(
        cluster.storage.backend,
        data_dir=Path(cluster.storage.data_dir) if cluster.storage.data_dir else data_dir,
        shard_map=ShardMap(dict(overrides)),
    )
    components, timing = cluster.components, cluster.timing
    lifecycle = NodeLifecycleConfig(node_monitor_grace_period=timing.node_grace_seconds)
    return ClusterConfig(
        storage,
        api_port=api_port,
        api_replicas=cluster.control_plane.apiservers,
        controllers=() if "controller-manager" in components else None,
        scheduler="scheduler" in components,
        profiles=tuple(cluster.scheduler.profiles),
        nodes=tuple(kubelet_configs(cluster)) if "kubelets" in components else (),
        toleration_seconds=int(timing.eviction_seconds),
        controller_settings=ControllerSettings(node_lifecycle=lifecycle),
    )


def kubelet_configs(cluster: spec.Cluster) -> list[KubeletConfig]:
    """Every pool's nodes, named ``<pool>-1`` .. ``<pool>-N``, with distinct podCIDRs and addresses."""
    configs: list[KubeletConfig] = []
    for pool in cluster.node_pools:
        configs.extend(pool_nodes(cluster, pool, first=1, count=pool.count, offset=len(configs)))
    return configs


def pool_nodes(
    cluster: spec.Cluster, pool: spec.NodePool, *, first: int, count: int, offset: int
) -> list[KubeletConfig]:
    """Nodes ``first`` .. ``first + count - 1`` of ``pool``; ``offset`` nodes exist already
    (they hold the podCIDRs and addresses before these)."""
    template = _template(cluster, pool)
    numbered = node_pool(
        offset + count, template=template, cluster_cidr=CLUSTER_CIDR, node_network=NODE_NETWORK
    )
    zones = pool.zones
    return [
        replace(
            config,
            name=f"{pool.name}-{first + i}",
            zone=zones[(first + i - 1) % len(zones)] if zones else "",
        )
        for i, config in enumerate(numbered[offset:])
    ]


def component_path(component: str) -> str:
    """The actor path of a timeline's ``component``: ``apiserver`` is replica 0."""
    kind, _, instance = component.partition("/")
    if kind == "apiserver":
        return f"apiserver/{instance or 0}"
    if kind == "storage":
        return shard_path(instance)
    if kind == "controller-manager":
        return CONTROLLER_MANAGER_PATH
    return SCHEDULER_PATH


def _template(cluster: spec.Cluster, pool: spec.NodePool) -> KubeletConfig:
    kubelet, timing = pool.kubelet, cluster.timing
    runtime = RuntimeDefaults(
        run_seconds=kubelet.run_seconds,
        pull_seconds=kubelet.pull_seconds,
        image_pull_seconds=dict(kubelet.image_pull_seconds),
        registry=tuple(kubelet.registry),
        start_seconds=kubelet.start_seconds,
        stop_seconds=kubelet.stop_seconds,
        memory_usage=kubelet.memory_usage,
        cpu_usage=kubelet.cpu_usage,
    )
    return KubeletConfig(
        name="template",
        capacity={
            "cpu": pool.cpu,
            "memory": pool.memory,
            "pods": str(pool.pods),
            "ephemeral-storage": pool.ephemeral_storage,
        },
        labels=dict(pool.labels),
        taints=tuple(taint.model_dump(exclude_defaults=True) for taint in pool.taints),
        instance_type=pool.instance_type,
        images=tuple(kubelet.images),
        lease_duration_seconds=max(int(timing.node_grace_seconds), 1),
        lease_renew_interval=timing.lease_renew_seconds,
        status_update_period=timing.node_status_seconds,
        runtime=runtime,
    )
