"""Why: the node agent, one ``Kubelet`` actor per Node at ``kubelet/<node>``: it registers its
Node, heartbeats through a Lease, runs the pods bound to it through a container runtime (the
simulated one by default) and reports their status; ``spawn_kubelets`` starts a node pool.

Inside: ``config`` (a node pool as data), ``base`` (the CRI Protocol), ``simulated`` and
``sim_script`` (the simulated runtime and the annotations that script it), ``ipam``, the pure
cores (``core``, ``pod_worker``, ``pod_records``, ``pod_status``, ``probes``, ``backoff``,
``admission``, ``eviction``, ``resources``, ``node_status``, ``logs``), ``actions`` (what the
cores decide) and ``kubelet`` (the actor shell), ``faults`` (the faults scenarios inject),
``messages`` (``ReadLogs``, ``CrashContainer``, ``SetUsage``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from kube_actors.components.kubelet.config import KubeletConfig, RuntimeDefaults, node_pool
from kube_actors.components.kubelet.kubelet import Kubelet
from kube_actors.components.kubelet.messages import CrashContainer, PodLogs, ReadLogs, SetUsage
from kube_actors.runtime import ActorRef, ActorSystem

KUBELET_PATH = "kubelet"


def kubelet_path(node: str) -> str:
    """Where the kubelet of ``node`` runs on its host: ``kubelet/<node>``."""
    return f"{KUBELET_PATH}/{node}"


def spawn_kubelets(system: ActorSystem, api: ActorRef, configs: Iterable[KubeletConfig]) -> list[ActorRef]:
    """Start a kubelet for every config on ``system``; each registers its Node and starts
    heartbeating on its own (``ask`` one anything to wait until it has)."""
    return [system.spawn(partial(Kubelet, api, config), kubelet_path(config.name)) for config in configs]


__all__ = [
    "CrashContainer",
    "Kubelet",
    "KubeletConfig",
    "PodLogs",
    "ReadLogs",
    "RuntimeDefaults",
    "SetUsage",
    "kubelet_path",
    "node_pool",
    "spawn_kubelets",
]
