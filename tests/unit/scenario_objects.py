"""Objects and watch events as a scenario's watch stream shows them, for the sans-IO cores."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


def pod(
    name: str,
    *,
    node: str = "",
    phase: str = "Pending",
    ready: bool = False,
    labels: dict[str, str] | None = None,
    owner: str = "",
    owner_kind: str = "ReplicaSet",
    restarts: int = 0,
    terminating: bool = False,
    cpu: str = "500m",
) -> JsonObject:
    metadata: JsonObject = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "labels": labels or {},
    }
    if owner:
        metadata["ownerReferences"] = [
            {"kind": owner_kind, "name": owner, "uid": f"uid-{owner}", "controller": True}
        ]
    if terminating:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    spec: JsonObject = {
        "containers": [{"name": "app", "image": "x:1", "resources": {"requests": {"cpu": cpu}}}]
    }
    if node:
        spec["nodeName"] = node
    status: JsonObject = {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [{"name": "app", "restartCount": restarts}],
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def node(name: str, *, ready: bool = True, cpu: str = "4") -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "uid": f"uid-{name}"},
        "spec": {},
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}],
            "allocatable": {"cpu": cpu, "memory": "8Gi"},
        },
    }


def deployment(
    name: str, *, replicas: int, available: int, updated: int | None = None, generation: int = 1
) -> JsonObject:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "generation": generation},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
        "status": {
            "observedGeneration": generation,
            "replicas": replicas,
            "updatedReplicas": replicas if updated is None else updated,
            "availableReplicas": available,
        },
    }


def added(obj: JsonObject) -> list[JsonObject]:
    return [{"type": "ADDED", "object": obj}]


def modified(obj: JsonObject) -> list[JsonObject]:
    return [{"type": "MODIFIED", "object": obj}]


def deleted(obj: JsonObject) -> list[JsonObject]:
    return [{"type": "DELETED", "object": obj}]
