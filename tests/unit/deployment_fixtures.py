"""Builders for Deployments and the ReplicaSets their controller makes, for the Deployment
unit tests."""

from __future__ import annotations

from typing import Any

from kube_actors.api.times import timestamp
from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.deployment.actions import Action, CreateReplicaSet
from kube_actors.components.controllers.deployment.reconciling import plan_sync

JsonObject = dict[str, Any]
T0 = 1_767_225_600.0


def deployment(
    replicas: int = 3,
    *,
    image: str = "nginx:1.25",
    strategy: JsonObject | None = None,
    generation: int = 1,
    status: JsonObject | None = None,
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> JsonObject:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "d-uid",
            "generation": generation,
            "annotations": dict(annotations or {}),
            "resourceVersion": "10",
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            "strategy": strategy
            or {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            **spec,
        },
        "status": status or {},
    }


def made_set(
    d: JsonObject,
    replicas: int,
    *,
    available: int | None = None,
    revision: int = 1,
    created: float = T0 - 1000,
    uid: str = "",
) -> JsonObject:
    """The set the controller makes for ``d``'s template, as stored later with ``replicas``
    wanted and running (``available`` of them available)."""
    fresh = copy_tree(d)
    fresh["metadata"]["annotations"] = {}
    fresh["status"] = {}
    body = next(a.body for a in plan_sync(fresh, [], T0).actions if isinstance(a, CreateReplicaSet))
    rs = copy_tree(body)
    have = replicas if available is None else available
    rs["metadata"].update(uid=uid or f"uid-{rs['metadata']['name']}", creationTimestamp=timestamp(created))
    rs["metadata"]["generation"] = 1
    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(revision)
    rs["spec"]["replicas"] = replicas
    rs["status"] = {
        "replicas": replicas,
        "readyReplicas": have,
        "availableReplicas": have,
        "observedGeneration": 1,
    }
    return rs


def kinds(actions: list[Action]) -> list[str]:
    return [type(a).__name__ for a in actions]
