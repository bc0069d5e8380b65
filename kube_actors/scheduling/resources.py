"""Why: the scheduler adds up what pods request and compares it with what nodes offer, in the
integer units Kubernetes uses (``framework.Resource``): milli-CPU, bytes of memory and
ephemeral storage, and whole units of extended resources (``example.com/gpu``, hugepages).
What a pod requests is not simply the sum of its containers: init containers run one after
another, sidecars (init containers with ``restartPolicy: Always``) keep running beside the
app, and ``spec.overhead`` is added on top. This module computes it the way Kubernetes'
``resourcehelper.PodRequests`` does, once per pod.

Neighbours: ``pods`` and ``nodes`` parse requests and allocatable with it; the
``NodeResourcesFit`` and ``NodeResourcesBalancedAllocation`` plugins compare the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kube_actors.scheduling.objects import JsonObject, mapping_at, mappings_at, quantity_of, string_at

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"

DEFAULT_MILLI_CPU_REQUEST = 100
"""What scoring assumes a container uses when it names no CPU request (100m)."""
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
"""What scoring assumes a container uses when it names no memory request (200Mi)."""

_NANO = 10**9  # amounts are added up exactly, in nano-units
_NON_ZERO_DEFAULTS = {
    CPU: DEFAULT_MILLI_CPU_REQUEST * (_NANO // 1000),
    MEMORY: DEFAULT_MEMORY_REQUEST * _NANO,
}


def is_scalar_resource(name: str) -> bool:
    """Whether Kubernetes counts ``name`` as a scalar resource (``IsScalarResourceName``):
    extended resources (a domain-prefixed name), ``kubernetes.io/``-prefixed ones, hugepages
    and attachable volumes. ``requests.``-prefixed names are quota names, not resources.

    >>> [is_scalar_resource(n) for n in ("example.com/gpu", "hugepages-2Mi", "cpu", "requests.foo/x")]
    [True, True, False, False]
    """
    if name.startswith(("hugepages-", "attachable-volumes-")):
        return True
    return "/" in name and not name.startswith("requests.")


@dataclass(frozen=True, slots=True)
class Resources:
    """Amounts of the resources the scheduler counts, in Kubernetes' integer units.

    ``scalars`` holds extended resources, sorted by name, without zero entries, so equal
    amounts compare equal.
    """

    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    scalars: tuple[tuple[str, int], ...] = ()

    def scalar(self, name: str) -> int:
        for scalar_name, amount in self.scalars:
            if scalar_name == name:
                return amount
        return 0

    def amount(self, name: str) -> int:
        """The amount of resource ``name`` (``cpu`` in milli-CPU)."""
        if name == CPU:
            return self.milli_cpu
        if name == MEMORY:
            return self.memory
        if name == EPHEMERAL_STORAGE:
            return self.ephemeral_storage
        return self.scalar(name)

    def is_zero(self) -> bool:
        return not (self.milli_cpu or self.memory or self.ephemeral_storage or self.scalars)

    def plus(self, other: Resources, sign: int = 1) -> Resources:
        """``self + other`` (or ``self - other`` with ``sign=-1``)."""
        if not other.scalars:
            scalars = self.scalars
        else:
            merged = dict(self.scalars)
            for name, amount in other.scalars:
                merged[name] = merged.get(name, 0) + sign * amount
            scalars = _sorted_scalars(merged)
        return Resources(
            self.milli_cpu + sign * other.milli_cpu,
            self.memory + sign * other.memory,
            self.ephemeral_storage + sign * other.ephemeral_storage,
            scalars,
        )

    def minus(self, other: Resources) -> Resources:
        return self.plus(other, sign=-1)


NO_RESOURCES = Resources()


def resources_from_amounts(amounts: Mapping[str, int]) -> Resources:
    """Amounts by resource name in nano-units, converted to Kubernetes' integer units (rounded
    up, as ``Quantity.MilliValue``/``Value`` round); names the scheduler does not count are
    ignored, as ``framework.Resource.Add`` ignores them."""
    scalars: dict[str, int] = {}
    milli_cpu = memory = ephemeral_storage = 0
    for name, nanos in amounts.items():
        if name == CPU:
            milli_cpu = _ceil_div(nanos, _NANO // 1000)
        elif name == MEMORY:
            memory = _ceil_div(nanos, _NANO)
        elif name == EPHEMERAL_STORAGE:
            ephemeral_storage = _ceil_div(nanos, _NANO)
        elif is_scalar_resource(name):
            scalars[name] = _ceil_div(nanos, _NANO)
    return Resources(milli_cpu, memory, ephemeral_storage, _sorted_scalars(scalars))


def parse_resource_list(resource_list: JsonObject, where: str) -> dict[str, int]:
    """A ``ResourceList`` (``{"cpu": "500m", ...}``) as exact amounts by name, in nano-units
    (every quantity is a whole number of those: Kubernetes rounds finer amounts up)."""
    amounts = {}
    for name, text in resource_list.items():
        amount = quantity_of(text, f"{where}.{name}").amount
        amounts[name] = amount.numerator * _NANO // amount.denominator
    return amounts


@dataclass(frozen=True, slots=True)
class PodRequests:
    """What one pod asks of a node.

    ``requests`` is what ``NodeResourcesFit`` checks and what a node's requested total adds up.
    The ``non_zero`` amounts are what scoring assumes instead, where a container names no CPU
    or memory request at all: 100m and 200Mi (an explicit zero stays zero), so that pods
    without requests still spread out.
    """

    requests: Resources
    non_zero_milli_cpu: int
    non_zero_memory: int


def pod_requests(spec: JsonObject, where: str = "spec") -> PodRequests:
    """The requests of a pod with this ``spec``, as Kubernetes' ``PodRequests`` computes them.

    >>> spec = {"containers": [{"resources": {"requests": {"cpu": "1", "memory": "1G"}}},
    ...                        {"resources": {"requests": {"cpu": "500m"}}}],
    ...         "initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "3G"}}}],
    ...         "overhead": {"cpu": "10m"}}
    >>> r = pod_requests(spec)
    >>> r.requests.milli_cpu, r.requests.memory, r.non_zero_milli_cpu, r.non_zero_memory
    (2010, 3000000000, 2010, 3000000000)
    """
    containers = [
        _container_requests(container, f"{where}.containers[{position}]")
        for position, container in enumerate(mappings_at(spec, "containers", where))
    ]
    init_containers = [
        (
            _container_requests(container, f"{where}.initContainers[{position}]"),
            string_at(container, "restartPolicy", f"{where}.initContainers[{position}]") == "Always",
        )
        for position, container in enumerate(mappings_at(spec, "initContainers", where))
    ]
    overhead = parse_resource_list(mapping_at(spec, "overhead", where), f"{where}.overhead")
    exact = _aggregate(containers, init_containers, overhead)
    # The non-zero variant only matters for CPU and memory, and each resource adds up on its own.
    non_zero = _aggregate(
        [_non_zero(requests) for requests in containers],
        [(_non_zero(requests), sidecar) for requests, sidecar in init_containers],
        _non_zero(overhead, defaults={}),
    )
    return PodRequests(
        requests=resources_from_amounts(exact),
        non_zero_milli_cpu=_ceil_div(non_zero[CPU], _NANO // 1000),
        non_zero_memory=_ceil_div(non_zero[MEMORY], _NANO),
    )


Amounts = dict[str, int]


def _aggregate(
    containers: list[Amounts], init_containers: list[tuple[Amounts, bool]], overhead: Amounts
) -> Amounts:
    """Regular containers run together (their requests add up); init containers run one at a
    time before them, each beside the sidecars (``restartPolicy: Always``) started before it,
    and sidecars keep running beside the app; the pod needs the larger of the two phases, and
    its overhead on top."""
    total: Amounts = {}
    for requests in containers:
        _add(total, requests)
    sidecars: Amounts = {}
    init_phase: Amounts = {}
    for requests, sidecar in init_containers:
        if sidecar:
            _add(total, requests)
            _add(sidecars, requests)
            running = dict(sidecars)
        else:
            running = dict(requests)
            _add(running, sidecars)
        _keep_larger(init_phase, running)
    _keep_larger(total, init_phase)
    _add(total, overhead)
    return total


def _container_requests(container: JsonObject, where: str) -> Amounts:
    resources = mapping_at(container, "resources", where)
    return parse_resource_list(mapping_at(resources, "requests", f"{where}.resources"), f"{where}.requests")


def _non_zero(requests: Amounts, defaults: Mapping[str, int] = _NON_ZERO_DEFAULTS) -> Amounts:
    """CPU and memory, with the defaults for the ones not named at all."""
    return {name: requests.get(name, defaults.get(name, 0)) for name in (CPU, MEMORY)}


def _add(total: Amounts, more: Mapping[str, int]) -> None:
    for name, amount in more.items():
        total[name] = total.get(name, 0) + amount


def _keep_larger(total: Amounts, other: Mapping[str, int]) -> None:
    for name, amount in other.items():
        if name not in total or amount > total[name]:
            total[name] = amount


def _ceil_div(amount: int, unit: int) -> int:
    return -(-amount // unit)


def _sorted_scalars(scalars: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((name, amount) for name, amount in scalars.items() if amount))
