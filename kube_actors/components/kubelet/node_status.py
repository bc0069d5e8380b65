"""Why: a kubelet tells the control plane it is alive in two ways, as Kubernetes does since
node leases: it renews a small ``Lease`` in ``kube-node-lease`` every 10 seconds (the
heartbeat the node lifecycle controller watches), and it posts its Node's status (capacity,
conditions, addresses, images) only when something changed, or every 5 minutes regardless.
This module builds those objects and decides when a status report is due. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.times import micro_timestamp, timestamp
from kube_actors.components.kubelet.base import ImageInfo
from kube_actors.components.kubelet.config import KubeletConfig

JsonObject = dict[str, Any]
LEASE_NAMESPACE = "kube-node-lease"
LEASES = "leases.coordination.k8s.io"
CRI_SOCKET_ANNOTATION = "kubeadm.alpha.kubernetes.io/cri-socket"
KUBELET_ANNOTATION = "kube-actors.io/kubelet"
"""The kubelet actor's address, where the apiserver asks for logs when it runs on another host."""
KUBELET_PORT = 10250
MAX_IMAGES = 50  # nodeStatusMaxImages

# (type, reason and message when healthy, reason and message when not)
CONDITIONS = (
    ("MemoryPressure", ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
     ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available")),
    ("DiskPressure", ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
     ("KubeletHasDiskPressure", "kubelet has disk pressure")),
    ("PIDPressure", ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
     ("KubeletHasInsufficientPID", "kubelet has insufficient PID available")),
    ("Ready", ("KubeletReady", "kubelet is posting ready status"),
     ("KubeletNotReady", "container runtime is down")),
)  # fmt: skip


def node_object(config: KubeletConfig, *, runtime_version: str, kubelet_address: str = "") -> JsonObject:
    """The Node a kubelet registers (its status is posted separately, through ``/status``)."""
    annotations = {
        CRI_SOCKET_ANNOTATION: f"unix:///run/{runtime_version.split(':', 1)[0]}/runtime.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    if kubelet_address:
        annotations[KUBELET_ANNOTATION] = kubelet_address
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": config.name,
            "labels": config.node_labels(),
            "annotations": annotations,
        },
        "spec": {
            "podCIDR": config.pod_cidr,
            "podCIDRs": [config.pod_cidr],
            **({"taints": [dict(t) for t in config.taints]} if config.taints else {}),
        },
    }


@dataclass(slots=True)
class NodeConditions:
    """The node's conditions and since when each has had its status."""

    since: dict[str, tuple[str, float]] = field(default_factory=dict)

    def render(self, *, memory_pressure: bool, now: float) -> list[JsonObject]:
        troubled = {"MemoryPressure": memory_pressure, "DiskPressure": False, "PIDPressure": False}
        result = []
        for kind, healthy, unhealthy in CONDITIONS:
            bad = troubled.get(kind, False)
            status = ("True" if bad else "False") if kind != "Ready" else "True"
            reason, message = unhealthy if bad else healthy
            seen = self.since.get(kind)
            if seen is None or seen[0] != status:
                self.since[kind] = seen = (status, now)
            result.append(
                {
                    "type": kind,
                    "status": status,
                    "lastHeartbeatTime": timestamp(now),
                    "lastTransitionTime": timestamp(seen[1]),
                    "reason": reason,
                    "message": message,
                }
            )
        return result


def node_status(
    config: KubeletConfig,
    conditions: list[JsonObject],
    images: list[ImageInfo],
    *,
    runtime_version: str,
    boot_id: str,
) -> JsonObject:
    """``Node.status`` as the kubelet posts it."""
    largest = sorted(images, key=lambda i: i.size_bytes, reverse=True)[:MAX_IMAGES]
    return {
        "capacity": dict(config.capacity),
        "allocatable": dict(config.allocatable),
        "conditions": conditions,
        "addresses": [
            {"type": "InternalIP", "address": config.internal_ip},
            {"type": "Hostname", "address": config.name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
        "nodeInfo": {
            "machineID": boot_id.replace("-", ""),
            "systemUUID": boot_id,
            "bootID": boot_id,
            "kernelVersion": "6.1.0-sim",
            "osImage": "kube-actors simulated node",
            "containerRuntimeVersion": runtime_version,
            "kubeletVersion": config.kubelet_version,
            "kubeProxyVersion": config.kubelet_version,
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
        "images": [{"names": [i.image_ref, i.name], "sizeBytes": i.size_bytes} for i in largest],
    }


Fingerprint = tuple[Any, ...]
"""What the status depends on besides time (memory pressure, the images present): a status
is only built when it changed, so a quiet node's check costs next to nothing."""


@dataclass(slots=True)
class StatusReports:
    """When to post the node status: on a change, or ``report_period`` after the last post."""

    report_period: float
    last_posted: Fingerprint | None = None
    last_posted_at: float | None = None

    def due(self, fingerprint: Fingerprint, now: float) -> bool:
        if self.last_posted is None or self.last_posted_at is None:
            return True
        return fingerprint != self.last_posted or now - self.last_posted_at >= self.report_period

    def posted(self, fingerprint: Fingerprint, now: float) -> None:
        self.last_posted, self.last_posted_at = fingerprint, now

    def forget(self) -> None:
        """Post at the next look, whatever changed (after a failed post or heartbeat)."""
        self.last_posted = self.last_posted_at = None


def lease_object(config: KubeletConfig, now: float, *, node_uid: str = "") -> JsonObject:
    """The node's Lease renewed at ``now``, owned by its Node (so the garbage collector removes
    it with the Node)."""
    owners = [{"apiVersion": "v1", "kind": "Node", "name": config.name, "uid": node_uid}] if node_uid else []
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": config.name, "namespace": LEASE_NAMESPACE, "ownerReferences": owners},
        "spec": {
            "holderIdentity": config.name,
            "leaseDurationSeconds": config.lease_duration_seconds,
            "renewTime": micro_timestamp(now),
        },
    }
