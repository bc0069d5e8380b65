"""Why: a pod fits a node only if the node has room for its requests: CPU, memory, ephemeral
storage, every extended resource it asks for, and one more pod. The filter lists every
resource that is short ("Insufficient cpu", "Too many pods"); a zero request never fails,
even on an overcommitted node.

The score depends on the profile's strategy (default weight 1):

- ``LeastAllocated`` (Kubernetes' default) prefers the emptiest nodes: pods spread out;
- ``MostAllocated`` prefers the fullest nodes: pods pack densely ("marbles, then sand"), and
  emptied nodes can be removed, which is the cost-management profile ``bin-packing``;
- ``RequestedToCapacityRatio`` reads each resource's utilisation off a configured
  piecewise-linear shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.framework import SUCCESS, CycleState, Status, unschedulable
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    MAX_CUSTOM_PRIORITY_SCORE,
    MAX_UTILIZATION,
    ResourceWeight,
    UtilizationShapePoint,
    least_allocated,
    most_allocated,
    pod_request,
    requested_to_capacity_ratio,
    resource_vectors,
)
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.resources import Resources
from kube_actors.scheduling.snapshot import Snapshot

LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"

TOO_MANY_PODS = "Too many pods"


def insufficient(resource: str) -> str:
    return f"Insufficient {resource}"


@dataclass(frozen=True)
class ScoringStrategy:
    """How NodeResourcesFit scores (``NodeResourcesFitArgs.scoringStrategy``)."""

    type: str = LEAST_ALLOCATED
    resources: tuple[ResourceWeight, ...] = DEFAULT_RESOURCES
    shape: tuple[UtilizationShapePoint, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO):
            raise ValueError(f"scoring strategy {self.type!r} is not supported")
        if not self.resources or any(r.weight < 1 for r in self.resources):
            raise ValueError("scoring resources must be listed, each with a weight of at least 1")
        if self.type == REQUESTED_TO_CAPACITY_RATIO:
            _check_shape(self.shape)

    def score(self, requested: Sequence[int], allocatable: Sequence[int]) -> int:
        if self.type == LEAST_ALLOCATED:
            return least_allocated(requested, allocatable, self.resources)
        if self.type == MOST_ALLOCATED:
            return most_allocated(requested, allocatable, self.resources)
        return requested_to_capacity_ratio(requested, allocatable, self.resources, self.shape)


def _check_shape(shape: Sequence[UtilizationShapePoint]) -> None:
    """Kubernetes' validation: at least one point, utilisations strictly increasing in 0..100,
    scores in 0..10."""
    if not shape:
        raise ValueError("a RequestedToCapacityRatio shape needs at least one point")
    for position, point in enumerate(shape):
        if not 0 <= point.utilization <= MAX_UTILIZATION:
            raise ValueError(f"shape[{position}].utilization must be within 0..{MAX_UTILIZATION}")
        if not 0 <= point.score <= MAX_CUSTOM_PRIORITY_SCORE:
            raise ValueError(f"shape[{position}].score must be within 0..{MAX_CUSTOM_PRIORITY_SCORE}")
        if position and point.utilization <= shape[position - 1].utilization:
            raise ValueError("shape utilizations must be strictly increasing")


LEAST_ALLOCATED_CPU_AND_MEMORY = ScoringStrategy()
"""Kubernetes' default scoring strategy."""


@dataclass(frozen=True)
class NodeResourcesFit:
    strategy: ScoringStrategy = LEAST_ALLOCATED_CPU_AND_MEMORY
    name: ClassVar[str] = "NodeResourcesFit"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        reasons = insufficient_resources(pod.requirements.requests, node)
        return unschedulable(*reasons) if reasons else SUCCESS

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        requests = [
            pod_request(pod.requirements, r.name, use_requested=False) for r in self.strategy.resources
        ]
        state.write(self.name, requests)
        return SUCCESS

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        requests: list[int] = state.read(self.name, list)
        requested, allocatable = resource_vectors(
            node, requests, self.strategy.resources, use_requested=False
        )
        return self.strategy.score(requested, allocatable)


def insufficient_resources(requests: Resources, node: NodeInfo) -> list[str]:
    """The reasons ``node`` cannot hold a pod with ``requests``, in Kubernetes' order (pods,
    cpu, memory, ephemeral storage, then extended resources by name)."""
    reasons = []
    if len(node.pods) + 1 > node.node.allowed_pod_number:
        reasons.append(TOO_MANY_PODS)
    if requests.is_zero():
        return reasons
    allocatable, requested = node.node.allocatable, node.requested
    if requests.milli_cpu > 0 and requests.milli_cpu > allocatable.milli_cpu - requested.milli_cpu:
        reasons.append(insufficient("cpu"))
    if requests.memory > 0 and requests.memory > allocatable.memory - requested.memory:
        reasons.append(insufficient("memory"))
    if (
        requests.ephemeral_storage > 0
        and requests.ephemeral_storage > allocatable.ephemeral_storage - requested.ephemeral_storage
    ):
        reasons.append(insufficient("ephemeral-storage"))
    for name, amount in requests.scalars:
        if amount > allocatable.scalar(name) - requested.scalar(name):
            reasons.append(insufficient(name))
    return reasons
