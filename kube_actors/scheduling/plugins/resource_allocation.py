"""Why: NodeResourcesFit (under each of its scoring strategies) and
NodeResourcesBalancedAllocation score a node from the same two vectors, one entry per
configured resource: what the node would have requested with the pod on it, and what it can
allocate (Kubernetes' ``resourceAllocationScorer``). The vectors, and each strategy's integer
formula, live here once.

Building the vectors, per configured resource:

- the pod's request: for Fit, CPU and memory use the non-zero amounts (100m / 200Mi for a
  container that names none); for BalancedAllocation the real requests;
- the node's requested total: the non-zero sums for Fit's CPU and memory, the real sums
  otherwise; ephemeral storage and extended resources always use the real sums;
- an extended resource the pod does not request, or one the node does not offer, and any
  resource whose allocatable is 0, is left out of the score (weight not counted).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE, go_div, go_round
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodRequirements
from kube_actors.scheduling.resources import CPU, EPHEMERAL_STORAGE, MEMORY, is_scalar_resource

MAX_UTILIZATION = 100
MAX_CUSTOM_PRIORITY_SCORE = 10
"""Shape points score 0..10; Kubernetes scales them by ``MAX_NODE_SCORE / 10``."""


@dataclass(frozen=True, slots=True)
class ResourceWeight:
    name: str
    weight: int = 1


DEFAULT_RESOURCES = (ResourceWeight(CPU), ResourceWeight(MEMORY))


@dataclass(frozen=True, slots=True)
class UtilizationShapePoint:
    """One point of RequestedToCapacityRatio's piecewise-linear function: at ``utilization``
    percent (0..100) a resource scores ``score`` (0..10)."""

    utilization: int
    score: int


def pod_request(pod: PodRequirements, resource: str, *, use_requested: bool) -> int:
    if resource == CPU:
        return pod.requests.milli_cpu if use_requested else pod.non_zero_milli_cpu
    if resource == MEMORY:
        return pod.requests.memory if use_requested else pod.non_zero_memory
    return pod.requests.amount(resource)


def allocatable_and_requested(
    node: NodeInfo, resource: str, request: int, *, use_requested: bool
) -> tuple[int, int]:
    """(allocatable, requested including the pod) of one resource; (0, 0) leaves it out."""
    allocatable = node.node.allocatable
    if resource == CPU:
        already = node.requested.milli_cpu if use_requested else node.non_zero_milli_cpu
        return allocatable.milli_cpu, already + request
    if resource == MEMORY:
        already = node.requested.memory if use_requested else node.non_zero_memory
        return allocatable.memory, already + request
    if resource == EPHEMERAL_STORAGE:
        return allocatable.ephemeral_storage, node.requested.ephemeral_storage + request
    if is_scalar_resource(resource) and request:
        return allocatable.scalar(resource), node.requested.scalar(resource) + request
    return 0, 0


def resource_vectors(
    node: NodeInfo, requests: Sequence[int], resources: Sequence[ResourceWeight], *, use_requested: bool
) -> tuple[list[int], list[int]]:
    """(requested, allocatable), one entry per resource; ``requests`` are the pod's."""
    requested = [0] * len(resources)
    allocatable = [0] * len(resources)
    for position, resource in enumerate(resources):
        capacity, total = allocatable_and_requested(
            node, resource.name, requests[position], use_requested=use_requested
        )
        if capacity:
            allocatable[position], requested[position] = capacity, total
    return requested, allocatable


def least_allocated(
    requested: Sequence[int], allocatable: Sequence[int], resources: Sequence[ResourceWeight]
) -> int:
    """The weighted mean of ``(capacity - requested) * 100 / capacity`` (0 when over capacity).

    >>> least_allocated([3000, 5000], [4000, 10000], DEFAULT_RESOURCES)
    37
    """

    def each(requested: int, capacity: int) -> int:
        if requested > capacity:
            return 0
        return go_div((capacity - requested) * MAX_NODE_SCORE, capacity)

    return _weighted_mean(requested, allocatable, resources, each)


def most_allocated(
    requested: Sequence[int], allocatable: Sequence[int], resources: Sequence[ResourceWeight]
) -> int:
    """The weighted mean of ``requested * 100 / capacity`` (requests capped at capacity).

    >>> most_allocated([3000, 5000], [4000, 10000], DEFAULT_RESOURCES)
    62
    """

    def each(requested: int, capacity: int) -> int:
        return go_div(min(requested, capacity) * MAX_NODE_SCORE, capacity)

    return _weighted_mean(requested, allocatable, resources, each)


def _weighted_mean(
    requested: Sequence[int],
    allocatable: Sequence[int],
    resources: Sequence[ResourceWeight],
    each: Callable[[int, int], int],
) -> int:
    node_score = weight_sum = 0
    for position, resource in enumerate(resources):
        capacity = allocatable[position]
        if capacity == 0:
            continue
        node_score += each(requested[position], capacity) * resource.weight
        weight_sum += resource.weight
    return go_div(node_score, weight_sum) if weight_sum else 0


def requested_to_capacity_ratio(
    requested: Sequence[int],
    allocatable: Sequence[int],
    resources: Sequence[ResourceWeight],
    shape: Sequence[UtilizationShapePoint],
) -> int:
    """Each resource's utilisation (percent, integer) read off the piecewise-linear ``shape``;
    resources scoring 0 are left out of the weighted mean, which is rounded half away from zero.

    >>> bin_packing = (UtilizationShapePoint(0, 0), UtilizationShapePoint(100, 10))
    >>> requested_to_capacity_ratio([3000, 5000], [4000, 10000], DEFAULT_RESOURCES, bin_packing)
    63
    """
    node_score = weight_sum = 0
    for position, resource in enumerate(resources):
        capacity = allocatable[position]
        if capacity == 0:
            continue
        if requested[position] > capacity:
            utilization = MAX_UTILIZATION
        else:
            utilization = go_div(requested[position] * MAX_UTILIZATION, capacity)
        score = broken_linear(shape, utilization)
        if score > 0:
            node_score += score * resource.weight
            weight_sum += resource.weight
    if weight_sum == 0:
        return 0
    return go_round(float(node_score) / float(weight_sum))


def broken_linear(shape: Sequence[UtilizationShapePoint], utilization: int) -> int:
    """The shape's value at ``utilization``, on the 0..100 score scale (``BuildBrokenLinearFunction``).

    >>> broken_linear((UtilizationShapePoint(0, 10), UtilizationShapePoint(100, 0)), 33)
    67
    """
    scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
    for position, point in enumerate(shape):
        if utilization <= point.utilization:
            if position == 0:
                return point.score * scale
            before = shape[position - 1]
            rise = (point.score - before.score) * scale * (utilization - before.utilization)
            return before.score * scale + go_div(rise, point.utilization - before.utilization)
    return shape[-1].score * scale


def balanced_allocation(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """``(1 - std) * 100`` truncated, where std is the standard deviation of the resources'
    requested fractions (each capped at 1); with two resources ``|f1 - f2| / 2``. Floating
    point, evaluated in Kubernetes' order.

    >>> balanced_allocation([3000, 5000], [4000, 10000])
    87
    """
    fractions: list[float] = []
    total = 0.0
    for position, capacity in enumerate(allocatable):
        if capacity == 0:
            continue
        fraction = min(float(requested[position]) / float(capacity), 1.0)
        total += fraction
        fractions.append(fraction)
    deviation = 0.0
    if len(fractions) == 2:
        deviation = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        squares = 0.0
        for fraction in fractions:
            squares = squares + (fraction - mean) * (fraction - mean)
        deviation = math.sqrt(squares / len(fractions))
    return int((1 - deviation) * float(MAX_NODE_SCORE))
