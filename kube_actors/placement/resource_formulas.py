"""Why: NodeResourcesFit's three scoring strategies and BalancedAllocation compute a node's
score from two vectors, what it would have requested with the pod on it and what it can
allocate (``resource_allocation.resource_vectors``). Here are those vectors for many nodes at
once, and the strategies' formulas over them, reaching the reference's integers exactly.

Most clusters are *plain*: every node offers every scored resource (allocatable > 0) and
nothing is negative. Then Go's truncating division is numpy's floor division and no node
leaves a resource out, so the formulas need no masks; the general formulas handle the rest.
The plain formulas are written for arrays and, for the one node a placement changed (the
kernel's per-pod path, where numpy calls would cost more than the arithmetic), for Python
integers and floats (``weighted_mean_at``, ``balanced_at``), by the same steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Ints, Nodes, by_value, go_div, go_round
from kube_actors.placement.jobs import ClassContext
from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE
from kube_actors.scheduling.plugins.resource_allocation import (
    MAX_UTILIZATION,
    ResourceWeight,
    UtilizationShapePoint,
    balanced_allocation,
    broken_linear,
    pod_request,
)
from kube_actors.scheduling.resources import CPU, EPHEMERAL_STORAGE, MEMORY, is_scalar_resource

OneNodeSources = tuple[tuple[list[int], list[int], int, int], ...]
"""Per scored resource: (allocatable per node, the live used amounts per node (the usage
column's list twin), the pod's request, the resource's weight): what one node's plain formulas
read (``Sources.for_one_node``)."""
OneNodeFormula = Callable[[int], int]
"""A score of one node, given its position."""


@dataclass(frozen=True, slots=True)
class Source:
    """One scored resource for a class: the pod's request, the node columns it is read from
    (``used`` is live: it changes as pods are placed) and the resource with its weight."""

    resource: ResourceWeight
    request: int
    allocatable: Ints
    allocatable_list: list[int]
    used: Ints


class Sources:
    """The scored resources of a strategy for one class; resources the pod leaves out of the
    score (an extended resource it does not request) are not listed."""

    def __init__(
        self, context: ClassContext, resources: Sequence[ResourceWeight], *, use_requested: bool
    ) -> None:
        state, requirements = context.state, context.requirements
        table, usage = state.table, state.usage
        self.usage = usage
        self.sources: list[Source] = []
        for resource in resources:
            request = pod_request(requirements, resource.name, use_requested=use_requested)
            if resource.name == CPU:
                allocatable, used = (
                    table.milli_cpu,
                    usage.milli_cpu if use_requested else usage.non_zero_milli_cpu,
                )
            elif resource.name == MEMORY:
                allocatable, used = table.memory, usage.memory if use_requested else usage.non_zero_memory
            elif resource.name == EPHEMERAL_STORAGE:
                allocatable, used = table.ephemeral_storage, usage.ephemeral_storage
            elif is_scalar_resource(resource.name) and request:
                allocatable, used = table.scalar(resource.name), usage.scalar(resource.name)
            else:
                continue
            self.sources.append(Source(resource, request, allocatable, table.as_list(allocatable), used))
        self.resources = [source.resource for source in self.sources]
        self._plain_columns = all(
            table.positive(source.allocatable) and source.request >= 0 for source in self.sources
        )

    @property
    def plain_columns(self) -> bool:
        """Every source offered on every node, and the pod's requests not negative."""
        return self._plain_columns

    @property
    def plain(self) -> bool:
        """Every source offered on every node, nothing negative (see the module's docstring)."""
        return self._plain_columns and not self.usage.negative

    def for_one_node(self) -> OneNodeSources:
        """What one node's formulas (``weighted_mean_at``, ``balanced_at``) read."""
        return tuple(
            (source.allocatable_list, self.usage.values(source.used), source.request, source.resource.weight)
            for source in self.sources
        )

    def columns(self, at: Nodes, read: Read | None = None) -> list[Column]:
        """The sources at the nodes ``at`` (read through ``read`` when given)."""
        plain = self.plain
        columns = []
        for source in self.sources:
            allocatable = source.allocatable[at] if read is None else read(source.allocatable)
            requested = (source.used[at] if read is None else read(source.used)) + source.request
            if not plain:
                requested = np.where(allocatable != 0, requested, 0)
            columns.append(Column(allocatable, requested, source.resource.weight))
        return columns


class Read:
    """Columns read at some nodes, each column once: the fit filter and the resource scores
    of one class read the same few (allocatable, requested), and each read is a numpy call."""

    def __init__(self, at: npt.NDArray[np.intp]) -> None:
        self._at = at
        self._read: dict[int, tuple[Ints, Ints]] = {}

    def __call__(self, column: Ints) -> Ints:
        found = self._read.get(id(column))
        if found is None or found[0] is not column:
            found = self._read[id(column)] = (column, column[self._at])
        return found[1]


class Column(NamedTuple):
    """A resource's amounts over many nodes (arrays) or one node (integers)."""

    allocatable: Any
    requested: Any  # with the pod; 0 where the node does not offer the resource
    weight: int


def plain_weighted_mean(columns: Sequence[Column], *, least: bool) -> Ints:
    """``least_allocated`` / ``most_allocated`` over arrays on a plain cluster: every resource
    counts, so the weight sum is fixed, and nothing is negative, so Go's division is floor
    division; ``(x > y)`` masks by multiplying by 0 or 1."""
    node_score: Any = 0
    weights = 0
    for allocatable, requested, weight in columns:
        if least:
            each = (allocatable - requested) * MAX_NODE_SCORE // allocatable * (requested <= allocatable)
        else:
            at_most = requested - (requested - allocatable) * (requested > allocatable)
            each = at_most * MAX_NODE_SCORE // allocatable
        node_score = node_score + each * weight
        weights += weight
    result: Ints = node_score // weights if weights else node_score
    return result


def plain_balanced(columns: Sequence[Column]) -> Ints:
    """``balanced_allocation`` over arrays on a plain cluster, by the reference's float steps
    in its order."""
    fractions = [
        np.minimum(requested.astype(np.float64) / allocatable.astype(np.float64), 1.0)
        for allocatable, requested, _ in columns
    ]
    deviation: Any = 0.0
    if len(fractions) == 2:
        deviation = np.abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        total: Any = 0.0
        for fraction in fractions:
            total = total + fraction
        mean = total / len(fractions)
        squares: Any = 0.0
        for fraction in fractions:
            squares = squares + (fraction - mean) * (fraction - mean)
        deviation = np.sqrt(squares / len(fractions))
    return np.asarray((1 - deviation) * float(MAX_NODE_SCORE)).astype(np.int64)


def weighted_mean_at(sources: OneNodeSources, *, least: bool) -> OneNodeFormula:
    """``plain_weighted_mean`` for one node at a time, in Python integers (the kernel's
    per-placement path, where a numpy call per resource would cost more than the arithmetic):
    a function of the node's position, with what it reads bound once."""
    if len(sources) == 2:  # cpu and memory, as configured by default: written out
        (allocatable, used, request, weight), (allocatable_2, used_2, request_2, weight_2) = sources
        weights = weight + weight_2 or 1  # a sum of 0 leaves the score undivided, as in ``any_number``

        def least_of_two(node: int) -> int:
            requested, requested_2 = used[node] + request, used_2[node] + request_2
            capacity, capacity_2 = allocatable[node], allocatable_2[node]
            score = (
                (capacity - requested) * MAX_NODE_SCORE // capacity * weight if requested <= capacity else 0
            )
            if requested_2 <= capacity_2:
                score += (capacity_2 - requested_2) * MAX_NODE_SCORE // capacity_2 * weight_2
            return score // weights

        def most_of_two(node: int) -> int:
            requested, requested_2 = used[node] + request, used_2[node] + request_2
            capacity, capacity_2 = allocatable[node], allocatable_2[node]
            score = (requested if requested <= capacity else capacity) * MAX_NODE_SCORE // capacity * weight
            score += (
                (requested_2 if requested_2 <= capacity_2 else capacity_2)
                * MAX_NODE_SCORE
                // capacity_2
                * weight_2
            )
            return score // weights

        return least_of_two if least else most_of_two

    def any_number(node: int) -> int:
        node_score = weights = 0
        for allocatable, used, request, weight in sources:
            capacity = allocatable[node]
            requested = used[node] + request
            if least:
                if requested <= capacity:  # else 0
                    node_score += (capacity - requested) * MAX_NODE_SCORE // capacity * weight
            else:
                node_score += (
                    (requested if requested <= capacity else capacity) * MAX_NODE_SCORE // capacity * weight
                )
            weights += weight
        return node_score // weights if weights else node_score

    return any_number


def balanced_at(sources: OneNodeSources) -> OneNodeFormula:
    """``plain_balanced`` for one node at a time, in Python floats (the same IEEE steps in the
    same order): a function of the node's position, as ``weighted_mean_at``."""
    if len(sources) == 2:  # cpu and memory, as configured by default: written out
        (capacity, used, request, _), (capacity_2, used_2, request_2, _) = sources

        def of_two(node: int) -> int:
            first = float(used[node] + request) / float(capacity[node])
            second = float(used_2[node] + request_2) / float(capacity_2[node])
            deviation = abs(((first if first <= 1.0 else 1.0) - (second if second <= 1.0 else 1.0)) / 2)
            return int((1 - deviation) * float(MAX_NODE_SCORE))

        return of_two

    def any_number(node: int) -> int:
        requested = [used[node] + request for _, used, request, _ in sources]
        return balanced_allocation(requested, [capacity[node] for capacity, _, _, _ in sources])

    return any_number


def weighted_mean(columns: list[Column], count: int, *, least: bool, plain: bool) -> Ints:
    """``least_allocated`` / ``most_allocated`` per node."""
    node_score = np.zeros(count, dtype=np.int64)
    if plain:
        scores: Ints = node_score + plain_weighted_mean(columns, least=least)
        return scores
    weight_sum = np.zeros(count, dtype=np.int64)
    for column in columns:
        allocatable, requested = column.allocatable, column.requested
        counted = allocatable != 0
        if least:
            each = np.where(
                requested > allocatable, 0, go_div((allocatable - requested) * MAX_NODE_SCORE, allocatable)
            )
        else:
            each = go_div(np.minimum(requested, allocatable) * MAX_NODE_SCORE, allocatable)
        node_score += np.where(counted, each * column.weight, 0)
        weight_sum += np.where(counted, column.weight, 0)
    return go_div(node_score, weight_sum)  # 0 where no resource counted


def requested_to_capacity_ratio(
    columns: list[Column], count: int, shape: Sequence[UtilizationShapePoint]
) -> Ints:
    node_score = np.zeros(count, dtype=np.int64)
    weight_sum = np.zeros(count, dtype=np.int64)
    for column in columns:
        allocatable, requested = column.allocatable, column.requested
        counted = allocatable != 0
        utilization = np.where(
            requested > allocatable, MAX_UTILIZATION, go_div(requested * MAX_UTILIZATION, allocatable)
        )
        score = by_value(utilization, lambda value: broken_linear(shape, value))
        scored = counted & (score > 0)
        node_score += np.where(scored, score * column.weight, 0)
        weight_sum += np.where(scored, column.weight, 0)
    ratio = node_score.astype(np.float64) / np.where(weight_sum == 0, 1, weight_sum).astype(np.float64)
    return np.where(weight_sum == 0, 0, go_round(ratio))


def balanced(columns: list[Column], count: int, *, plain: bool) -> Ints:
    """``balanced_allocation`` per node, by the same float steps in the same order."""
    if plain:
        scores: Ints = np.zeros(count, dtype=np.int64) + plain_balanced(columns)
        return scores
    shape = (count,)
    counted = np.zeros(shape, dtype=np.int64)
    total = np.zeros(shape)
    first, second = np.zeros(shape), np.zeros(shape)
    included_fractions = []
    for column in columns:
        included = column.allocatable != 0
        capacity = np.where(included, column.allocatable, 1).astype(np.float64)
        fraction = np.minimum(column.requested.astype(np.float64) / capacity, 1.0)
        included_fractions.append((included, fraction))
        total = np.where(included, total + fraction, total)
        first = np.where(included & (counted == 0), fraction, first)
        second = np.where(included & (counted == 1), fraction, second)
        counted += included
    divisor = np.where(counted == 0, 1, counted).astype(np.float64)
    mean = total / divisor
    squares = np.zeros(shape)
    for included, fraction in included_fractions:
        squares = np.where(included, squares + (fraction - mean) * (fraction - mean), squares)
    deviation = np.where(
        counted == 2,
        np.abs((first - second) / 2),
        np.where(counted > 2, np.sqrt(squares / divisor), 0.0),
    )
    return ((1 - deviation) * float(MAX_NODE_SCORE)).astype(np.int64)
