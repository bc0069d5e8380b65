"""Why: a ReplicaSet counts, ranks and replaces pods by states Kubernetes reads from a pod's
phase, conditions and deletion mark (``podutil.IsPodReady``, ``IsPodAvailable``,
``controller.IsPodActive``); the reconcile core (``reconciling.py``), the surplus ranking
(``ranking.py``) and the status (``status.py``) all read them from here. Pure.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api.times import unix_seconds

JsonObject = dict[str, Any]


def phase(pod: JsonObject) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_active(pod: JsonObject) -> bool:
    """Neither finished (Succeeded, Failed) nor being deleted: a pod that counts as a replica."""
    return phase(pod) not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def ready_condition(pod: JsonObject) -> JsonObject | None:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if isinstance(condition, dict) and condition.get("type") == "Ready":
            return condition
    return None


def is_ready(pod: JsonObject) -> bool:
    condition = ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def ready_since(pod: JsonObject) -> float | None:
    """When a ready pod last became ready (None if it is not ready or no time is recorded)."""
    condition = ready_condition(pod)
    if condition is None or condition.get("status") != "True":
        return None
    return unix_seconds(condition.get("lastTransitionTime"))


def available_at(pod: JsonObject, min_ready_seconds: int) -> float | None:
    """The moment a ready pod counts as available: ``minReadySeconds`` after it became ready
    (``-inf`` when there is nothing to wait for); None if it is not ready.

    Kubernetes calls a pod available once ``lastTransitionTime + minReadySeconds`` is strictly
    before now.
    """
    if not is_ready(pod):
        return None
    if min_ready_seconds <= 0:
        return float("-inf")
    since = ready_since(pod)
    return float("inf") if since is None else since + min_ready_seconds


def is_available(pod: JsonObject, min_ready_seconds: int, now: float) -> bool:
    """Ready for longer than ``minReadySeconds``.

    >>> pod = {"metadata": {}, "status": {"conditions": [
    ...     {"type": "Ready", "status": "True", "lastTransitionTime": "1970-01-01T00:01:00Z"}]}}
    >>> is_available(pod, 0, 0.0), is_available(pod, 10, 70.0), is_available(pod, 10, 70.5)
    (True, False, True)
    """
    moment = available_at(pod, min_ready_seconds)
    return moment is not None and (moment == float("-inf") or moment < now)


def max_restarts(pod: JsonObject) -> tuple[int, int]:
    """The highest restart count of the pod's containers, then of its init (sidecar) containers.

    >>> max_restarts({"status": {"containerStatuses": [{"restartCount": 2}, {"restartCount": 5}]}})
    (5, 0)
    """
    status = pod.get("status") or {}
    return _highest(status.get("containerStatuses")), _highest(status.get("initContainerStatuses"))


def _highest(statuses: Any) -> int:
    counts = [int(s.get("restartCount") or 0) for s in statuses or () if isinstance(s, dict)]
    return max(counts, default=0)
