"""Why: the scheduler decides where pods go, but the kubelet has the last word: a pod bound by
hand, or by a scheduler working from a stale cache, is refused when it does not fit what the
node has left (``OutOfcpu``, ``OutOfmemory``, ``OutOfpods``), when its node selector does not
match the node's labels, or when it is BestEffort and the node is under memory pressure.
A refused pod fails at once with that reason, as the kubelet's admit handlers have it. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.components.kubelet.resources import qos_class
from kube_actors.scheduling.resources import CPU, EPHEMERAL_STORAGE, MEMORY, Resources, pod_requests

JsonObject = dict[str, Any]


def refusal(
    pod: JsonObject,
    *,
    allocatable: Mapping[str, int],
    in_use: Resources,
    pods_admitted: int,
    node_labels: Mapping[str, str],
    memory_pressure: bool,
) -> tuple[str, str] | None:
    """(reason, message) if the node refuses ``pod``, None if it admits it; ``in_use`` is what
    the pods admitted before request, ``allocatable`` in the same units (milli-CPU, bytes).

    >>> refusal({"spec": {"containers": [{"resources": {"requests": {"cpu": "2"}}}]}},
    ...         allocatable={"cpu": 4000, "pods": 110}, in_use=Resources(milli_cpu=3000), pods_admitted=1,
    ...         node_labels={}, memory_pressure=False)[1]
    "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000"
    """
    if pods_admitted + 1 > allocatable.get("pods", 110):
        return (
            "OutOfpods",
            f"Pod was rejected: Node didn't have enough resource: pods, capacity: {allocatable['pods']}",
        )
    requests = pod_requests(pod.get("spec", {})).requests
    for resource in (CPU, MEMORY, EPHEMERAL_STORAGE, *(name for name, _ in requests.scalars)):
        requested = requests.amount(resource)
        if requested <= 0 or resource not in allocatable:
            continue
        used, capacity = in_use.amount(resource), allocatable[resource]
        if used + requested > capacity:
            return (
                f"OutOf{resource}",
                f"Pod was rejected: Node didn't have enough resource: {resource}, "
                f"requested: {requested}, used: {used}, capacity: {capacity}",
            )
    selector = pod.get("spec", {}).get("nodeSelector") or {}
    if any(node_labels.get(key) != value for key, value in selector.items()):
        return (
            "NodeAffinity",
            "Pod was rejected: Predicate NodeAffinity failed: "
            "node(s) didn't match Pod's node affinity/selector",
        )
    if memory_pressure and qos_class(pod) == "BestEffort":
        return "Evicted", "The node had condition: [MemoryPressure]. "
    return None
