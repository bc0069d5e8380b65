"""Builders for ReplicaSet and pod objects as the API shows them, shared by the ReplicaSet and
Deployment unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.times import timestamp
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid

JsonObject = dict[str, Any]
T0 = 1_767_225_600.0  # the virtual clock's start


def replica_set(
    name: str = "web",
    replicas: int = 3,
    *,
    uid: str = "rs-uid",
    labels: dict[str, str] | None = None,
    min_ready: int = 0,
    deleting: bool = False,
    owner: JsonObject | None = None,
    generation: int = 1,
    status: JsonObject | None = None,
) -> JsonObject:
    labels = labels or {"app": "web"}
    metadata: JsonObject = {"name": name, "namespace": "default", "uid": uid, "generation": generation}
    if deleting:
        metadata["deletionTimestamp"] = timestamp(T0)
    if owner is not None:
        metadata["ownerReferences"] = [owner]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata,
        "spec": {
            "replicas": replicas,
            "minReadySeconds": min_ready,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels), "annotations": {"note": "x"}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]},
            },
        },
        "status": status or {"replicas": 0},
    }


def pod(
    name: str,
    *,
    owner: str = "",
    labels: dict[str, str] | None = None,
    node: str = "node-1",
    phase: str = "Running",
    ready_at: float | None = T0 - 100,
    created: float = T0 - 200,
    restarts: int = 0,
    deleting: bool = False,
    uid: str = "",
    annotations: dict[str, str] | None = None,
) -> JsonObject:
    metadata: JsonObject = {
        "name": name,
        "namespace": "default",
        "uid": uid or f"uid-{name}",
        "labels": {"app": "web"} if labels is None else labels,
        "creationTimestamp": timestamp(created),
        "resourceVersion": "1",
    }
    if owner:
        metadata["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": owner, "controller": True}
        ]
    if deleting:
        metadata["deletionTimestamp"] = timestamp(T0)
    if annotations:
        metadata["annotations"] = annotations
    conditions = []
    if ready_at is not None:
        conditions.append({"type": "Ready", "status": "True", "lastTransitionTime": timestamp(ready_at)})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"nodeName": node} if node else {},
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": [{"name": "app", "restartCount": restarts}],
        },
    }


@dataclass
class Pods:
    """A PodView over a plain list: candidates are the set's pods and the orphans."""

    all: Sequence[JsonObject]
    siblings: Sequence[JsonObject] = field(default_factory=list)

    def candidates(self, rs: JsonObject) -> Sequence[JsonObject]:
        return [p for p in self.all if controller_uid(p) in ("", rs["metadata"]["uid"])]

    def related(self, rs: JsonObject) -> Sequence[JsonObject]:
        return [*self.candidates(rs), *self.siblings]


def names(objects: Sequence[JsonObject]) -> list[str]:
    return [o["metadata"]["name"] for o in objects]
