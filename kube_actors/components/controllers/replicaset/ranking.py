"""Why: when a ReplicaSet has more pods than it wants, which ones go decides how much a
scale-down hurts. Kubernetes deletes the least valuable first (``controller.ActivePodsWithRanks``):
unscheduled before scheduled, Pending before Unknown before Running, not ready before ready,
lower ``controller.kubernetes.io/pod-deletion-cost`` first, pods doubled up on a node with
their siblings first, then the most recently ready, the most restarted and the newest, with
times compared on a logarithmic scale (``LogarithmicScaleDown``) so that pods of about the same
age are chosen between at random (by uid) rather than always the very newest. Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import cmp_to_key
from typing import Any

from kube_actors.api.times import unix_seconds
from kube_actors.components.controllers.replicaset.pods import (
    is_active,
    is_ready,
    max_restarts,
    phase,
    ready_since,
)

JsonObject = dict[str, Any]
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def pods_to_delete(
    pods: Sequence[JsonObject], related: Sequence[JsonObject], count: int, now: float
) -> list[JsonObject]:
    """The ``count`` pods of ``pods`` to delete first. ``related`` are the active and inactive
    pods of every ReplicaSet with the same owner (a Deployment's old and new sets), whose count
    per node makes a pod "doubled up"."""
    if count >= len(pods):
        return list(pods)
    on_node = Counter(_node(p) for p in related if is_active(p))
    ranked = [(pod, on_node[_node(pod)]) for pod in pods]

    def compare(a: tuple[JsonObject, int], b: tuple[JsonObject, int]) -> int:
        return _compare(a, b, now)

    ranked.sort(key=cmp_to_key(compare))
    return [pod for pod, _ in ranked[:count]]


def deletion_cost(pod: JsonObject) -> int:
    """The pod's deletion cost annotation (0 if absent or not an int32).

    >>> deletion_cost({"metadata": {"annotations": {DELETION_COST: "-5"}}}), deletion_cost({"metadata": {}})
    (-5, 0)
    """
    value = (pod["metadata"].get("annotations") or {}).get(DELETION_COST)
    try:
        cost = int(value) if isinstance(value, str) else 0
    except ValueError:
        return 0
    return cost if -(2**31) <= cost < 2**31 else 0


def _node(pod: JsonObject) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def _compare(a: tuple[JsonObject, int], b: tuple[JsonObject, int], now: float) -> int:
    """Negative when ``a`` should be deleted before ``b``."""
    (pod_a, rank_a), (pod_b, rank_b) = a, b
    node_a, node_b = _node(pod_a), _node(pod_b)
    if node_a != node_b and (not node_a or not node_b):
        return -1 if not node_a else 1
    order_a, order_b = _PHASE_ORDER.get(phase(pod_a), 3), _PHASE_ORDER.get(phase(pod_b), 3)
    if order_a != order_b:
        return -1 if order_a < order_b else 1
    ready_a, ready_b = is_ready(pod_a), is_ready(pod_b)
    if ready_a != ready_b:
        return -1 if not ready_a else 1
    cost_a, cost_b = deletion_cost(pod_a), deletion_cost(pod_b)
    if cost_a != cost_b:
        return -1 if cost_a < cost_b else 1
    if rank_a != rank_b:
        return -1 if rank_a > rank_b else 1
    if ready_a and ready_b:
        since_a, since_b = ready_since(pod_a), ready_since(pod_b)
        if since_a != since_b:
            return _newer_first(pod_a, pod_b, since_a, since_b, now)
    restarts_a, restarts_b = max_restarts(pod_a), max_restarts(pod_b)
    if restarts_a != restarts_b:
        return -1 if restarts_a > restarts_b else 1
    created_a = unix_seconds(pod_a["metadata"].get("creationTimestamp"))
    created_b = unix_seconds(pod_b["metadata"].get("creationTimestamp"))
    if created_a != created_b:
        return _newer_first(pod_a, pod_b, created_a, created_b, now)
    return 0


def _newer_first(pod_a: JsonObject, pod_b: JsonObject, a: float | None, b: float | None, now: float) -> int:
    """Unknown times first, then the more recent, compared by the power of two of their age;
    pods in the same bucket are ordered by uid."""
    if a is None or b is None:
        return -1 if a is None else 1
    bucket_a, bucket_b = _age_bucket(now - a), _age_bucket(now - b)
    if bucket_a == bucket_b:
        uid_a, uid_b = str(pod_a["metadata"].get("uid", "")), str(pod_b["metadata"].get("uid", ""))
        return (uid_a > uid_b) - (uid_a < uid_b)
    return -1 if bucket_a < bucket_b else 1


def _age_bucket(age_seconds: float) -> int:
    """``floor(log2(age in nanoseconds))``, -1 for no age.

    >>> _age_bucket(1.0), _age_bucket(2.0), _age_bucket(0.0)
    (29, 30, -1)
    """
    nanoseconds = age_seconds * 1e9
    return math.floor(math.log2(nanoseconds)) if nanoseconds >= 1 else -1
