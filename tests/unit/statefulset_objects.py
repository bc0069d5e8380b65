"""Objects for the StatefulSet unit tests: a set ``db`` and its pods and claims in given states."""

from __future__ import annotations

from typing import Any

from kube_actors.api.times import timestamp
from kube_actors.components.controllers.statefulset.identity import new_pod
from kube_actors.components.controllers.statefulset.revisions import update_revision

JsonObject = dict[str, Any]
NOW = 1_000_000.0
SET_UID = "uid-db"


def template(image: str = "postgres:16") -> JsonObject:
    return {
        "metadata": {"labels": {"app": "db"}},
        "spec": {
            "containers": [
                {"name": "db", "image": image, "volumeMounts": [{"name": "data", "mountPath": "/d"}]}
            ],
            "volumes": [{"name": "scratch", "emptyDir": {}}],
        },
    }


def stateful_set(
    replicas: int = 3,
    *,
    policy: str = "OrderedReady",
    image: str = "postgres:16",
    strategy: JsonObject | None = None,
    status: JsonObject | None = None,
    retention: JsonObject | None = None,
    min_ready: int = 0,
    start: int | None = None,
    deleting: bool = False,
    current_image: str | None = None,
) -> JsonObject:
    """A set ``db``; its ``status.currentRevision`` is that of ``current_image``'s template
    (the set's own template unless given)."""
    spec: JsonObject = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": "db"}},
        "serviceName": "db-headless",
        "podManagementPolicy": policy,
        "updateStrategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "persistentVolumeClaimRetentionPolicy": retention
        or {"whenDeleted": "Retain", "whenScaled": "Retain"},
        "minReadySeconds": min_ready,
        "template": template(image),
        "volumeClaimTemplates": [
            {
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
        ],
    }
    if start is not None:
        spec["ordinals"] = {"start": start}
    metadata: JsonObject = {"name": "db", "namespace": "default", "uid": SET_UID, "generation": 2}
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    made: JsonObject = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": metadata, "spec": spec}
    current = update_revision(stateful_set(image=current_image)) if current_image else update_revision(made)
    made["status"] = status if status is not None else {"currentRevision": current}
    return made


def pod(
    stateful: JsonObject,
    ordinal: int,
    state: str = "ready",
    *,
    image: str | None = None,
    ready_for: float = 3600.0,
) -> JsonObject:
    """A pod of ``stateful`` (at the revision of ``image``'s template if given) in ``state``:
    pending, running (not ready), ready, terminating, failed, succeeded."""
    source = stateful if image is None else stateful_set(image=image)
    made = new_pod(stateful, source["spec"]["template"], ordinal, update_revision(source))
    made["metadata"].update(uid=f"uid-db-{ordinal}", resourceVersion=str(100 + ordinal))
    phases = {"pending": "Pending", "failed": "Failed", "succeeded": "Succeeded"}
    made["status"] = {"phase": phases.get(state, "Running")}
    if state in ("ready", "terminating"):
        since = timestamp(NOW - ready_for)
        made["status"]["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": since}]
    if state == "terminating":
        made["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return made


def claim(name: str, *, deleting: bool = False, owners: list[JsonObject] | None = None) -> JsonObject:
    metadata: JsonObject = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "resourceVersion": "7",
    }
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    if owners:
        metadata["ownerReferences"] = owners
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": {}}
