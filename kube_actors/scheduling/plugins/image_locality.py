"""Why: starting a pod is faster on a node that already has its images. ImageLocality sums the
sizes of the pod's images present on the node, each scaled by the fraction of all nodes that
have it (so an image everywhere does not pull every pod to one node), clamps the sum between
23 MiB and 1000 MiB per container, and maps that range onto 0..100. Default weight 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE, go_div
from kube_actors.scheduling.framework import SKIP, SUCCESS, CycleState, Status
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import ImageState, Snapshot

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


@dataclass(frozen=True, slots=True)
class _PodImages:
    """The pod's images that some node has, and how many nodes the cluster has."""

    states: tuple[tuple[str, ImageState], ...]
    total_nodes: int


@dataclass(frozen=True)
class ImageLocality:
    name: ClassVar[str] = "ImageLocality"

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        known = snapshot.image_states
        present = tuple((image, known[image]) for image in pod.requirements.images if image in known)
        if not present:
            return SKIP  # no node has any of the images: every node would score 0
        state.write(self.name, _PodImages(present, len(snapshot.nodes)))
        return SUCCESS

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        images = state.read(self.name, _PodImages)
        on_node = node.node.images
        total = sum(
            scaled_image_score(image_state, images.total_nodes)
            for image, image_state in images.states
            if image in on_node
        )
        return image_score(total, len(pod.requirements.images))


def scaled_image_score(image: ImageState, total_nodes: int) -> int:
    """The image's size times the fraction of nodes that have it, truncated (float64, as Go)."""
    spread = float(image.node_count) / float(total_nodes)
    return int(float(image.size) * spread)


def image_score(total: int, container_count: int) -> int:
    """
    >>> image_score(0, 1), image_score(523 * MB, 1), image_score(5000 * MB, 1)
    (0, 51, 100)
    """
    max_threshold = MAX_CONTAINER_THRESHOLD * container_count
    total = max(MIN_THRESHOLD, min(total, max_threshold))
    return go_div(MAX_NODE_SCORE * (total - MIN_THRESHOLD), max_threshold - MIN_THRESHOLD)
