"""Why: a StatefulSet's status is what ``kubectl get statefulset``, ``kubectl rollout status``
and autoscalers read: how many pods exist, are ready, available, and at the current and update
revisions. This counts them from the observed pods as Kubernetes' ``computeReplicaStatus`` and
``completeRollingUpdate`` do, and turns the difference into a merge patch. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_actors.components.controllers.replicaset.pods import phase
from kube_actors.components.controllers.statefulset.identity import revision_of
from kube_actors.components.controllers.statefulset.pod_states import (
    is_available,
    is_running_and_ready,
    is_terminating,
)

JsonObject = dict[str, Any]

# Fields Kubernetes leaves out of the JSON when zero (``omitempty``); the others are always shown.
_OMITTED_WHEN_ZERO = ("observedGeneration", "readyReplicas", "currentReplicas", "updatedReplicas")
MANAGED_FIELDS = (
    "observedGeneration",
    "replicas",
    "readyReplicas",
    "currentReplicas",
    "updatedReplicas",
    "availableReplicas",
    "currentRevision",
    "updateRevision",
    "collisionCount",
)


def replica_status(
    stateful_set: JsonObject, pods: Iterable[JsonObject], current: str, update: str, now: float
) -> JsonObject:
    """The status the set should show, counted over all its pods (condemned ones too)."""
    min_ready = stateful_set["spec"].get("minReadySeconds") or 0
    replicas = ready = available = at_current = at_update = 0
    for pod in pods:
        created = phase(pod) != ""
        replicas += created
        if is_running_and_ready(pod):
            ready += 1
            available += is_available(pod, min_ready, now)
        if created and not is_terminating(pod):
            at_current += revision_of(pod) == current
            at_update += revision_of(pod) == update
    strategy = (stateful_set["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy == "RollingUpdate" and at_update == replicas and ready == replicas:
        at_current, current = at_update, update  # the rolling update is complete
    status: JsonObject = {
        "observedGeneration": stateful_set["metadata"].get("generation", 0),
        "replicas": replicas,
        "readyReplicas": ready,
        "currentReplicas": at_current,
        "updatedReplicas": at_update,
        "availableReplicas": available,
        "currentRevision": current,
        "updateRevision": update,
        "collisionCount": (stateful_set.get("status") or {}).get("collisionCount") or 0,
    }
    return {k: v for k, v in status.items() if not (k in _OMITTED_WHEN_ZERO and v == 0)}


def status_patch(old: JsonObject, new: JsonObject) -> JsonObject | None:
    """A merge patch of ``status`` from ``old`` to ``new`` over the fields this controller owns
    (None clears a field that became zero); None if nothing changed.

    >>> status_patch({"replicas": 2, "readyReplicas": 1}, {"replicas": 2})
    {'status': {'readyReplicas': None}}
    """
    changes = {k: new.get(k) for k in MANAGED_FIELDS if old.get(k) != new.get(k)}
    return {"status": changes} if changes else None
