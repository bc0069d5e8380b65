"""Why: a node pool is described by data, as kwok describes fake nodes: what a node offers
(capacity, labels, taints, zone, podCIDR, images already present), how its kubelet paces
itself (Lease renewals, status updates, housekeeping) and how its simulated runtime behaves
when a pod's annotations say nothing (``RuntimeDefaults``).

``KubeletConfig`` is what ``Kubelet`` (the actor) and its pure cores are built from;
``node_pool`` makes N of them with distinct names, podCIDRs and addresses, for
``spawn_kubelets`` and ``kube-actors up --nodes N``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType
from typing import Any

from kube_actors.api.quantity import Quantity, parse_quantity

JsonObject = dict[str, Any]

KUBELET_VERSION = "v1.32.0"
DEFAULT_CAPACITY: Mapping[str, str] = MappingProxyType(
    {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}
)


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class RuntimeDefaults:
    """How simulated containers behave unless a pod's ``sim.kube-actors.io/`` annotations say
    otherwise (see ``sim_script.py`` for the annotations)."""

    run_seconds: float = 5.0
    """How long a container of a pod with ``restartPolicy: OnFailure`` or ``Never`` (and every
    init container) runs before exiting 0; ``Always`` pods' containers run until stopped."""
    pull_seconds: float = 2.0
    """Image pull latency for images not listed in ``image_pull_seconds``."""
    image_pull_seconds: Mapping[str, float] = field(default_factory=dict)
    registry: tuple[str, ...] = ("*",)
    """Shell patterns (fnmatch) of the images the simulated registry has; others fail to pull."""
    start_seconds: float = 0.0
    """Time from a container's start to it running."""
    stop_seconds: float = 0.0
    """Time a container takes to exit after SIGTERM (it is killed at the grace period)."""
    memory_usage: str = "8Mi"
    """Memory a container uses when neither an annotation nor its memory request says."""
    cpu_usage: str = "5m"
    """CPU a container uses when neither an annotation nor its cpu request says."""
    log_lines: tuple[str, ...] = ("{container} started (image {image})",)
    """Lines every container writes when it starts ({container}, {image}, {pod} are filled in)."""
    version: str = "sim://0.1.0"

    def __post_init__(self) -> None:
        object.__setattr__(self, "image_pull_seconds", _frozen(self.image_pull_seconds))
        for name in ("run_seconds", "pull_seconds", "start_seconds", "stop_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"RuntimeDefaults.{name} must not be negative")


@dataclass(frozen=True)
class KubeletConfig:
    """One node and its kubelet. Periods are in seconds of the system's clock."""

    name: str
    capacity: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    reserved: Mapping[str, str] = field(default_factory=dict)
    """system-reserved plus kube-reserved: taken out of capacity to make allocatable."""
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[JsonObject, ...] = ()
    """``--register-with-taints``: the taints the Node is created with."""
    zone: str = ""
    region: str = ""
    instance_type: str = ""
    pod_cidr: str = "10.244.0.0/24"
    internal_ip: str = "192.168.0.2"
    images: tuple[str, ...] = ()
    """Images present on the node from the start (pulled instantly)."""
    lease_duration_seconds: int = 40
    lease_renew_interval: float = 10.0
    status_update_period: float = 10.0
    """How often the kubelet computes its node status (``nodeStatusUpdateFrequency``)."""
    status_report_period: float = 300.0
    """How often it posts an unchanged status (``nodeStatusReportFrequency``)."""
    housekeeping_period: float = 10.0
    """How often the eviction manager looks at memory."""
    eviction_memory_available: str = "100Mi"
    """The hard eviction threshold ``memory.available<100Mi``."""
    eviction_pressure_transition_period: float = 300.0
    kubelet_version: str = KUBELET_VERSION
    runtime: RuntimeDefaults = field(default_factory=RuntimeDefaults)

    def __post_init__(self) -> None:
        for name in ("capacity", "reserved", "labels"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "taints", tuple(dict(t) for t in self.taints))
        ipaddress.ip_network(self.pod_cidr)  # a ValueError names a bad CIDR
        ipaddress.ip_address(self.internal_ip)
        for _resource, amount in [*self.capacity.items(), *self.reserved.items()]:
            parse_quantity(amount)  # QuantityError (a ValueError) names the bad amount
        if self.lease_renew_interval <= 0 or self.status_update_period <= 0 or self.housekeeping_period <= 0:
            raise ValueError("kubelet periods must be positive")

    @cached_property
    def allocatable(self) -> dict[str, str]:
        """Capacity minus reservations and, for memory, the hard eviction threshold, as the
        kubelet reports it."""
        result = {}
        for resource, amount in self.capacity.items():
            total = parse_quantity(amount)
            left = total.amount
            if resource in self.reserved:
                left -= parse_quantity(self.reserved[resource]).amount
            if resource == "memory":
                left -= parse_quantity(self.eviction_memory_available).amount
            result[resource] = str(Quantity(max(left, Fraction(0)), total.format))
        return result

    def node_labels(self) -> dict[str, str]:
        """The well-known labels a kubelet puts on its Node, then the configured ones."""
        labels = {
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64",
        }
        if self.zone:
            labels["topology.kubernetes.io/zone"] = self.zone
        if self.region:
            labels["topology.kubernetes.io/region"] = self.region
        if self.instance_type:
            labels["node.kubernetes.io/instance-type"] = self.instance_type
        labels.update(self.labels)
        return labels


def node_pool(
    count: int,
    *,
    prefix: str = "node-",
    template: KubeletConfig | None = None,
    cluster_cidr: str = "",
    node_cidr_prefix: int = 24,
    node_network: str = "192.168.0.0/16",
    zones: tuple[str, ...] = (),
) -> list[KubeletConfig]:
    """``count`` nodes named ``<prefix>1`` .. ``<prefix>N``, like ``template`` but each with its
    own podCIDR (consecutive /24s of ``cluster_cidr``, as the node IPAM controller hands them
    out), its own InternalIP, and a zone taken round-robin from ``zones``. The cluster CIDR is
    ``10.244.0.0/16`` (flannel's) for up to 256 nodes and ``10.128.0.0/9`` for more.

    >>> [(c.name, c.pod_cidr, c.internal_ip) for c in node_pool(2)]
    [('node-1', '10.244.0.0/24', '192.168.0.2'), ('node-2', '10.244.1.0/24', '192.168.0.3')]
    """
    base = template or KubeletConfig(name="template")
    cluster_cidr = cluster_cidr or ("10.244.0.0/16" if count <= 256 else "10.128.0.0/9")
    cidrs = ipaddress.ip_network(cluster_cidr).subnets(new_prefix=node_cidr_prefix)
    hosts = ipaddress.ip_network(node_network).hosts()
    next(hosts)  # .1 is the network's gateway
    configs = []
    for index in range(1, count + 1):
        try:
            cidr, address = next(cidrs), next(hosts)
        except StopIteration:
            raise ValueError(f"{count} nodes do not fit in {cluster_cidr} and {node_network}") from None
        zone = zones[(index - 1) % len(zones)] if zones else base.zone
        configs.append(
            replace(base, name=f"{prefix}{index}", pod_cidr=str(cidr), internal_ip=str(address), zone=zone)
        )
    return configs
