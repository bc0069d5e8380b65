"""Why: a Deployment's status is what ``kubectl rollout status`` waits on: observedGeneration,
updatedReplicas, replicas and availableReplicas, and two conditions: ``Available`` (at least
``replicas - maxUnavailable`` pods available) and ``Progressing``, whose reason says where a
rollout is (``NewReplicaSetCreated``, ``ReplicaSetUpdated``, ``NewReplicaSetAvailable``,
``DeploymentPaused``, ``ProgressDeadlineExceeded``). A rollout that makes no progress for
``progressDeadlineSeconds`` is marked failed, and the controller must look again at the
deadline since nothing else would wake it. Kubernetes' ``sync.go`` and ``progress.go``. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kube_actors.api.times import timestamp, unix_seconds
from kube_actors.components.controllers.deployment.fenceposts import desired_replicas, max_unavailable
from kube_actors.components.controllers.deployment.replica_sets import total_spec, total_status

JsonObject = dict[str, Any]
AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
RS_UPDATED = "ReplicaSetUpdated"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NO_DEADLINE = 2**31 - 1  # math.MaxInt32: Kubernetes' "no progress deadline"


def progress_deadline(deployment: JsonObject) -> int | None:
    seconds = deployment["spec"].get("progressDeadlineSeconds")
    return seconds if isinstance(seconds, int) and seconds != NO_DEADLINE else None


def condition(status: JsonObject, kind: str) -> JsonObject | None:
    for found in status.get("conditions") or ():
        if isinstance(found, dict) and found.get("type") == kind:
            return found
    return None


def new_condition(kind: str, state: str, reason: str, message: str, now: float) -> JsonObject:
    when = timestamp(now)
    return {
        "type": kind,
        "status": state,
        "lastUpdateTime": when,
        "lastTransitionTime": when,
        "reason": reason,
        "message": message,
    }


def set_condition(status: JsonObject, new: JsonObject) -> None:
    """Kubernetes' SetDeploymentCondition: the same status and reason change nothing; the same
    status keeps its transition time; the condition goes to the end of the list."""
    current = condition(status, new["type"])
    if current is not None and current["status"] == new["status"] and current.get("reason") == new["reason"]:
        return
    if current is not None and current["status"] == new["status"]:
        new = {**new, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, new["type"])
    status.setdefault("conditions", []).append(new)


def remove_condition(status: JsonObject, kind: str) -> None:
    kept = [c for c in status.get("conditions") or () if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def calculate_status(
    replica_sets: Sequence[JsonObject], new: JsonObject | None, deployment: JsonObject, now: float
) -> JsonObject:
    """The status the sets add up to, with the Available condition (Kubernetes' calculateStatus)."""
    available = total_status(replica_sets, "availableReplicas")
    old_status = deployment.get("status") or {}
    status: JsonObject = {
        "observedGeneration": deployment["metadata"].get("generation", 0),
        "replicas": total_status(replica_sets, "replicas"),
        "updatedReplicas": total_status([new], "replicas"),
        "readyReplicas": total_status(replica_sets, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(total_spec(replica_sets) - available, 0),
    }
    status = {k: v for k, v in status.items() if v}  # the API leaves zero counts out
    if old_status.get("collisionCount") is not None:
        status["collisionCount"] = old_status["collisionCount"]
    if old_status.get("conditions"):
        status["conditions"] = [dict(c) for c in old_status["conditions"]]
    if available >= desired_replicas(deployment) - max_unavailable(deployment):
        minimum = new_condition(
            AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now
        )
    else:
        minimum = new_condition(
            AVAILABLE,
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
        )
    set_condition(status, minimum)
    return status


def is_complete(deployment: JsonObject, status: JsonObject) -> bool:
    """All replicas updated, none old, all available, and the latest spec observed."""
    desired = desired_replicas(deployment)
    return bool(
        status.get("updatedReplicas", 0) == desired
        and status.get("replicas", 0) == desired
        and status.get("availableReplicas", 0) == desired
        and status.get("observedGeneration", 0) >= deployment["metadata"].get("generation", 0)
    )


def is_progressing(deployment: JsonObject, status: JsonObject) -> bool:
    """More pods updated, ready or available, or fewer old ones, than the stored status says."""
    old = deployment.get("status") or {}
    return bool(
        status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or status.get("replicas", 0) - status.get("updatedReplicas", 0)
        < old.get("replicas", 0) - old.get("updatedReplicas", 0)
        or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or status.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def has_timed_out(deployment: JsonObject, status: JsonObject, now: float) -> bool:
    """No progress reported for longer than the deadline."""
    deadline = progress_deadline(deployment)
    found = condition(status, PROGRESSING)
    if deadline is None or found is None or found.get("reason") == NEW_RS_AVAILABLE:
        return False
    if found.get("reason") == TIMED_OUT:
        return True
    since = unix_seconds(found.get("lastUpdateTime"))
    return since is not None and since + deadline < now


def rollout_status(
    replica_sets: Sequence[JsonObject],
    new: JsonObject | None,
    deployment: JsonObject,
    replica_failures: Sequence[JsonObject],
    now: float,
) -> JsonObject:
    """The status during a rollout, with the Progressing condition (Kubernetes' syncRolloutStatus)."""
    status = calculate_status(replica_sets, new, deployment, now)
    name = deployment["metadata"]["name"]
    if progress_deadline(deployment) is None:
        remove_condition(status, PROGRESSING)
    current = condition(deployment.get("status") or {}, PROGRESSING)
    finished = (
        status.get("replicas", 0) == status.get("updatedReplicas", 0)
        and current is not None
        and current.get("reason") == NEW_RS_AVAILABLE
    )
    if progress_deadline(deployment) is not None and not finished:
        subject = f'ReplicaSet "{new["metadata"]["name"]}"' if new is not None else f'Deployment "{name}"'
        if is_complete(deployment, status):
            message = f"{subject} has successfully progressed."
            set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, message, now))
        elif is_progressing(deployment, status):
            updated = new_condition(PROGRESSING, "True", RS_UPDATED, f"{subject} is progressing.", now)
            if current is not None:
                if current["status"] == "True":
                    updated["lastTransitionTime"] = current.get("lastTransitionTime")
                remove_condition(status, PROGRESSING)
            set_condition(status, updated)
        elif has_timed_out(deployment, status, now):
            message = f"{subject} has timed out progressing."
            set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT, message, now))
    if replica_failures:
        set_condition(status, replica_failures[0])
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def replica_failures(replica_sets: Sequence[JsonObject], new: JsonObject | None) -> list[JsonObject]:
    """ReplicaFailure conditions of the sets as Deployment conditions, the new set's first."""

    def of(sets: Sequence[JsonObject | None]) -> list[JsonObject]:
        found = []
        for rs in sets:
            for c in (rs or {}).get("status", {}).get("conditions") or ():
                if c.get("type") == REPLICA_FAILURE:
                    when = c.get("lastTransitionTime")
                    found.append({**c, "lastUpdateTime": when, "lastTransitionTime": when})
        return found

    return of([new]) or of(list(replica_sets))


def seconds_until_deadline(deployment: JsonObject, status: JsonObject, now: float) -> float | None:
    """When to look again for a stalled rollout's deadline (Kubernetes' requeueStuckDeployment):
    None if there is no deadline, no Progressing condition, or the rollout is complete or has
    already timed out."""
    deadline = progress_deadline(deployment)
    current = condition(deployment.get("status") or {}, PROGRESSING)
    if deadline is None or current is None:
        return None
    if is_complete(deployment, status) or current.get("reason") == TIMED_OUT:
        return None
    since = unix_seconds(current.get("lastUpdateTime"))
    if since is None:
        return None
    # A second more, as Kubernetes adds: the deadline check is strict and times are whole seconds.
    return max(since + deadline - now, 0.0) + 1.0


def semantically_equal_status(a: JsonObject, b: JsonObject) -> bool:
    """Statuses equal but for zero counts written or left out."""

    def significant(status: JsonObject) -> JsonObject:
        return {k: v for k, v in status.items() if v not in (0, None, [])}

    return significant(a) == significant(b)
