"""Why: what a pod requests in total is computed once, by ``scheduling.resources`` (the
scheduler's ``PodRequests``); ``pod_requests`` here only hands it out as a plain mapping. Besides
that, the kubelet reads two things from resources as Kubernetes defines them: a pod's QoS class
(``status.qosClass``, and who is evicted first under memory pressure) and its node's
allocatable in the same integer units (milli-CPU, bytes). Pure functions.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api.quantity import parse_quantity
from kube_actors.scheduling.resources import CPU, EPHEMERAL_STORAGE, MEMORY
from kube_actors.scheduling.resources import pod_requests as scheduler_pod_requests

JsonObject = dict[str, Any]
COMPUTE = ("cpu", "memory")


def _containers(pod: JsonObject, kind: str) -> list[JsonObject]:
    found = pod.get("spec", {}).get(kind) or []
    return [c for c in found if isinstance(c, dict)]


def _amounts(container: JsonObject, which: str) -> dict[str, int]:
    """A container's requests or limits, in milli-units (cpu) and units (everything else)."""
    amounts = (container.get("resources") or {}).get(which) or {}
    result = {}
    for name, amount in amounts.items():
        quantity = parse_quantity(amount)
        result[name] = quantity.milli_value() if name == "cpu" else quantity.value()
    return result


def pod_requests(pod: JsonObject) -> dict[str, int]:
    """What a pod requests, as a plain mapping in the same units (``cpu`` in millicores),
    computed by the scheduler's ``pod_requests`` (the one implementation).

    >>> container = {"resources": {"requests": {"cpu": "250m", "memory": "1Ki"}}}
    >>> pod_requests({"spec": {"containers": [container]}})
    {'cpu': 250, 'memory': 1024}
    """
    requests = scheduler_pod_requests(pod.get("spec") or {}).requests
    amounts = {
        CPU: requests.milli_cpu,
        MEMORY: requests.memory,
        EPHEMERAL_STORAGE: requests.ephemeral_storage,
    }
    amounts.update(requests.scalars)
    return {name: amount for name, amount in amounts.items() if amount}


def qos_class(pod: JsonObject) -> str:
    """``Guaranteed`` when every container's cpu and memory limits equal its requests,
    ``BestEffort`` when no container has any, else ``Burstable``.

    >>> qos_class({"spec": {"containers": [{}]}})
    'BestEffort'
    >>> qos_class({"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}})
    'Guaranteed'
    """
    containers = _containers(pod, "containers") + _containers(pod, "initContainers")
    any_set = False
    guaranteed = True
    for container in containers:
        requests, limits = _amounts(container, "requests"), _amounts(container, "limits")
        if any(name in requests or name in limits for name in COMPUTE):
            any_set = True
        for name in COMPUTE:
            limit = limits.get(name)
            if limit is None or requests.get(name, limit) != limit:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def allocatable_amounts(allocatable: dict[str, str]) -> dict[str, int]:
    """A node's allocatable in the units of ``scheduling.resources.Resources``."""
    return {
        name: parse_quantity(amount).milli_value() if name == "cpu" else parse_quantity(amount).value()
        for name, amount in allocatable.items()
    }
