"""Why: a node whose CPU is full but memory empty wastes the memory; NodeResourcesBalancedAllocation
prefers nodes where the pod would leave the requested fractions of the resources (CPU and
memory by default) close to each other. It uses the pods' real requests, not the non-zero
defaults. Default weight 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.framework import SUCCESS, CycleState, Status
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceWeight,
    balanced_allocation,
    pod_request,
    resource_vectors,
)
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import Snapshot


@dataclass(frozen=True)
class NodeResourcesBalancedAllocation:
    resources: tuple[ResourceWeight, ...] = DEFAULT_RESOURCES
    name: ClassVar[str] = "NodeResourcesBalancedAllocation"

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        state.write(
            self.name, [pod_request(pod.requirements, r.name, use_requested=True) for r in self.resources]
        )
        return SUCCESS

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        requests: list[int] = state.read(self.name, list)
        requested, allocatable = resource_vectors(node, requests, self.resources, use_requested=True)
        return balanced_allocation(requested, allocatable)
