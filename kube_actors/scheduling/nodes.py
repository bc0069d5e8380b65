"""Why: a scheduling cycle looks at each node twice over: what the Node object says (labels,
taints, ``unschedulable``, allocatable resources, images already pulled), which does not
change while pods are placed, and what is already on it (pods, their summed requests, claimed
host ports), which changes with every pod the scheduler assumes there. ``Node`` is the first,
parsed once; ``NodeInfo`` the second, kept up to date incrementally (Kubernetes' ``NodeInfo``).

Neighbours: the snapshot owns the ``NodeInfo``s in node order; plugins read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from kube_actors.scheduling.objects import (
    JsonObject,
    labels_at,
    list_at,
    mapping_at,
    mappings_at,
    name_of,
    quantity_of,
)
from kube_actors.scheduling.pods import HostPort, PodInfo
from kube_actors.scheduling.resources import (
    NO_RESOURCES,
    PODS,
    Resources,
    parse_resource_list,
    resources_from_amounts,
)
from kube_actors.scheduling.taints import Taint, parse_taints


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """What a Node object says that scheduling reads. ``images`` maps every name of every image
    the node reports (``status.images[].names``) to that image's size in bytes."""

    name: str
    labels: Mapping[str, str]
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    allocatable: Resources = NO_RESOURCES
    allowed_pod_number: int = 0
    images: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


def parse_node(node: JsonObject) -> Node:
    """A Node object (as the API serves it) as the scheduler sees it.

    >>> node = parse_node({"metadata": {"name": "n1", "labels": {"zone": "a"}},
    ...                    "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})
    >>> node.name, node.allocatable.milli_cpu, node.allocatable.memory, node.allowed_pod_number
    ('n1', 4000, 8589934592, 110)
    """
    name = name_of(node)
    where = f"node {name!r}"
    spec = mapping_at(node, "spec", where)
    status = mapping_at(node, "status", where)
    allocatable = mapping_at(status, "allocatable", f"{where}.status")
    pods = allocatable.get(PODS)
    return Node(
        name=name,
        labels=MappingProxyType(
            labels_at(mapping_at(node, "metadata", where), "labels", f"{where}.metadata")
        ),
        taints=parse_taints(spec, f"{where}.spec"),
        unschedulable=spec.get("unschedulable") is True,
        allocatable=resources_from_amounts(parse_resource_list(allocatable, f"{where}.status.allocatable")),
        allowed_pod_number=quantity_of(pods, f"{where}.status.allocatable.pods").value()
        if pods is not None
        else 0,
        images=MappingProxyType(_images(status, f"{where}.status")),
    )


def _images(status: JsonObject, where: str) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for position, image in enumerate(mappings_at(status, "images", where)):
        size = image.get("sizeBytes") or 0
        for image_name in list_at(image, "names", f"{where}.images[{position}]"):
            if isinstance(image_name, str):
                sizes.setdefault(image_name, size if isinstance(size, int) else 0)
    return sizes


class NodeInfo:
    """A node and the pods on it (bound or assumed), with the sums plugins compare against.

    ``requested`` adds up the pods' requests; ``non_zero_milli_cpu`` and ``non_zero_memory`` the
    amounts scoring assumes for pods that name none (see ``PodRequests``); ``used_ports``
    counts the host ports claimed. ``pods_with_affinity`` are the pods that have any pod
    affinity or anti-affinity, which InterPodAffinity must look at even when the incoming pod
    has none.
    """

    __slots__ = (
        "node",
        "non_zero_memory",
        "non_zero_milli_cpu",
        "pods",
        "pods_with_affinity",
        "requested",
        "used_ports",
    )

    def __init__(self, node: Node) -> None:
        self.node = node
        self.pods: list[PodInfo] = []
        self.pods_with_affinity: list[PodInfo] = []
        self.requested = Resources()
        self.non_zero_milli_cpu = 0
        self.non_zero_memory = 0
        self.used_ports: Counter[HostPort] = Counter()

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def labels(self) -> Mapping[str, str]:
        return self.node.labels

    def add_pod(self, pod: PodInfo) -> None:
        requirements = pod.requirements
        self.pods.append(pod)
        if not requirements.pod_affinity.is_empty:
            self.pods_with_affinity.append(pod)
        self.requested = self.requested.plus(requirements.requests)
        self.non_zero_milli_cpu += requirements.non_zero_milli_cpu
        self.non_zero_memory += requirements.non_zero_memory
        if requirements.host_ports:  # most pods claim none: skip Counter.update's own checks
            self.used_ports.update(requirements.host_ports)

    def remove_pod(self, pod: PodInfo) -> bool:
        """Take ``pod`` (found by namespace and name) off the node; False if it is not here."""
        position = next(
            (
                i
                for i, placed in enumerate(self.pods)
                if placed.name == pod.name and placed.namespace == pod.namespace
            ),
            None,
        )
        if position is None:
            return False
        placed = self.pods.pop(position)
        self.pods_with_affinity = [other for other in self.pods_with_affinity if other is not placed]
        requirements = placed.requirements
        self.requested = self.requested.minus(requirements.requests)
        self.non_zero_milli_cpu -= requirements.non_zero_milli_cpu
        self.non_zero_memory -= requirements.non_zero_memory
        self.used_ports.subtract(requirements.host_ports)
        self.used_ports += Counter()  # drop ports no pod claims any more
        return True

    def copy(self) -> NodeInfo:
        twin = NodeInfo(self.node)
        twin.pods = list(self.pods)
        twin.pods_with_affinity = list(self.pods_with_affinity)
        twin.requested = self.requested
        twin.non_zero_milli_cpu = self.non_zero_milli_cpu
        twin.non_zero_memory = self.non_zero_memory
        twin.used_ports = Counter(self.used_ports)
        return twin
