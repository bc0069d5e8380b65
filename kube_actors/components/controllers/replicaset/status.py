"""Why: a ReplicaSet's status is what everyone above it reads: the Deployment controller rolls
out by ``availableReplicas``, ``kubectl get rs`` shows ``readyReplicas`` and ``kubectl rollout
status`` waits on both through the Deployment. This computes it as Kubernetes'
``calculateStatus`` does, from the pods the set owns, with a ``ReplicaFailure`` condition while
creating or deleting pods fails. Fields that are zero are left out, as the API shows them. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kube_actors.api.label_selectors import selector_matches
from kube_actors.api.times import timestamp
from kube_actors.components.controllers.replicaset.pods import available_at, is_available, is_ready

JsonObject = dict[str, Any]
REPLICA_FAILURE = "ReplicaFailure"


def calculate_status(
    replica_set: JsonObject, pods: Sequence[JsonObject], now: float, manage_error: str | None = None
) -> JsonObject:
    """The status for ``pods`` (the set's active pods); ``manage_error`` is why creating or
    deleting pods failed in this sync, if it did."""
    spec = replica_set["spec"]
    template_labels = {"matchLabels": (spec.get("template") or {}).get("metadata", {}).get("labels") or {}}
    min_ready = int(spec.get("minReadySeconds") or 0)
    fully_labeled = ready = available = 0
    for pod in pods:
        if selector_matches(template_labels, pod["metadata"].get("labels")):
            fully_labeled += 1
        if is_ready(pod):
            ready += 1
            if is_available(pod, min_ready, now):
                available += 1
    old_status = replica_set.get("status") or {}
    conditions = [dict(c) for c in old_status.get("conditions") or () if isinstance(c, dict)]
    failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - int(spec.get("replicas", 1))
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append(
            {
                "type": REPLICA_FAILURE,
                "status": "True",
                "lastTransitionTime": timestamp(now),
                "reason": reason,
                "message": manage_error,
            }
        )
    elif manage_error is None and failure is not None:
        conditions.remove(failure)
    status: JsonObject = {"replicas": len(pods)}
    for name, value in (
        ("fullyLabeledReplicas", fully_labeled),
        ("readyReplicas", ready),
        ("availableReplicas", available),
        ("observedGeneration", replica_set["metadata"].get("generation", 0)),
    ):
        if value:
            status[name] = value
    if conditions:
        status["conditions"] = conditions
    return status


def status_changed(replica_set: JsonObject, new_status: JsonObject) -> bool:
    """Whether ``new_status`` says anything the stored status does not (zeros count as absent)."""
    old = {k: v for k, v in (replica_set.get("status") or {}).items() if v not in (0, None, [])}
    return old != {k: v for k, v in new_status.items() if v not in (0, None, [])}


def seconds_until_next_available(
    replica_set: JsonObject, pods: Sequence[JsonObject], now: float
) -> float | None:
    """How long until the first ready pod that is not yet available becomes so (None if there
    is none): the set must look again then, since no watch event will say it."""
    min_ready = int(replica_set["spec"].get("minReadySeconds") or 0)
    if min_ready <= 0:
        return None
    waits = [
        moment - now
        for pod in pods
        if (moment := available_at(pod, min_ready)) is not None and moment != float("inf") and moment >= now
    ]
    # Available means strictly after the moment; look a hair later so the check sees it.
    return min(waits) + 0.001 if waits else None
