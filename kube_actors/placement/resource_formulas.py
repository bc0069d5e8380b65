"""Why: NodeResourcesFit's three scoring strategies and BalancedAllocation compute a node's
score from two vectors, what it would have requested with the pod on it and what it can
allocate (``resource_allocation.resource_vectors``). Here are those vectors for many nodes at
once, and the strategies' formulas over them, reaching the reference's integers exactly.

Most clusters are *plain*: every node offers every scored resource (allocatable > 0) and
nothing is negative. Then Go's truncating division is numpy's floor division and no node
leaves a resource out, so the formulas need no masks; the general formulas handle the rest.
The plain formulas are written once for arrays and for one node's integers (``columns_at``),
which is how the kernel rescores the one node a placement changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from kube_actors.placement.arithmetic import Ints, Nodes, by_value, go_div, go_round
from kube_actors.placement.jobs import ClassContext
from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE
from kube_actors.scheduling.plugins.resource_allocation import (
    MAX_UTILIZATION,
    ResourceWeight,
    UtilizationShapePoint,
    broken_linear,
    pod_request,
)
from kube_actors.scheduling.resources import CPU, EPHEMERAL_STORAGE, MEMORY, is_scalar_resource


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
    def plain(self) -> bool:
        """Every source offered on every node, nothing negative (see the module's docstring)."""
        return self._plain_columns and not self.usage.negative

    def columns(self, at: Nodes) -> list[Column]:
        plain = self.plain
        columns = []
        for source in self.sources:
            allocatable = source.allocatable[at]
            requested = source.used[at] + source.request
            if not plain:
                requested = np.where(allocatable != 0, requested, 0)
            columns.append(Column(allocatable, requested, source.resource.weight))
        return columns

    def columns_at(self, node: int) -> list[tuple[int, int, int]]:
        """The columns of one node, as integers (plain tuples: quicker to make), for a plain
        cluster."""
        return [
            (source.allocatable_list[node], source.used.item(node) + source.request, source.resource.weight)
            for source in self.sources
        ]


class Column(NamedTuple):
    """A resource's amounts over many nodes (arrays) or one node (integers)."""

    allocatable: Any
    requested: Any  # with the pod; 0 where the node does not offer the resource
    weight: int


def plain_weighted_mean(columns: Sequence[tuple[Any, Any, int]], *, least: bool) -> Any:
    """``least_allocated`` / ``most_allocated`` on a plain cluster, written once for arrays and
    for one node's integers: every resource counts, so the weight sum is fixed, and nothing is
    negative, so Go's division is floor division; ``(x > y)`` masks by multiplying by 0 or 1."""
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
    return node_score // weights if weights else node_score


def plain_balanced(columns: Sequence[tuple[Any, Any, int]]) -> Any:
    """``balanced_allocation`` on a plain cluster, for arrays or one node's integers, by the
    reference's float steps in its order."""
    vector = bool(columns) and isinstance(columns[0][0], np.ndarray)
    fractions: list[Any] = []
    for allocatable, requested, _ in columns:
        if vector:
            fractions.append(np.minimum(requested.astype(np.float64) / allocatable.astype(np.float64), 1.0))
        else:
            fractions.append(min(float(requested) / float(allocatable), 1.0))
    deviation: Any = 0.0
    if len(fractions) == 2:
        deviation = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        total: Any = 0.0
        for fraction in fractions:
            total = total + fraction
        mean = total / len(fractions)
        squares: Any = 0.0
        for fraction in fractions:
            squares = squares + (fraction - mean) * (fraction - mean)
        deviation = np.sqrt(squares / len(fractions)) if vector else math.sqrt(squares / len(fractions))
    score = (1 - deviation) * float(MAX_NODE_SCORE)
    return score.astype(np.int64) if isinstance(score, np.ndarray) else int(score)


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
