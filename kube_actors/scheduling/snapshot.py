"""Why: a scheduling decision is made against one consistent view of the cluster: the nodes, in
a fixed order, each with the pods on it; the namespaces (pod affinity may select them by
label); the images each node has pulled and how many nodes share each; and the volume claims
and volumes that tie pods to zones. ``Snapshot`` is that view, built from Kubernetes objects
as the REST API shows them. Scheduling a pod *assumes* it onto its node here, so the next
decision sees it (Kubernetes' assumed pods) before any binding is written.

**Node order** is by name. It is the order filters visit nodes and the order in which ties are
broken: the placement kernel indexes nodes by the same position.

Neighbours: the reference scheduler (``reference``) and the placement kernel read it; the
scheduler actor builds one from its informers' objects and keeps it up to date with
``add_pod``/``remove_pod`` (or rebuilds it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from kube_actors.scheduling.nodes import Node, NodeInfo, parse_node
from kube_actors.scheduling.objects import JsonObject, labels_at, mapping_at, name_of, string_at
from kube_actors.scheduling.pods import PodInfo, parse_pod
from kube_actors.scheduling.volumes import VolumeCatalog, VolumeRestrictions

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
TERMINAL_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class ImageState:
    """An image's size (as reported by the first node, in node order, that has it) and the number
    of nodes that have it: ImageLocality scales an image's worth by how widely it is spread."""

    size: int
    node_count: int


class Snapshot:
    """The nodes (sorted by name) with their pods, namespaces' labels, images and volumes.

    Pods come and go with ``add_pod``/``remove_pod``; ``assume``/``forget`` are the same
    operations under Kubernetes' names for the scheduler's own placements (assumed before the
    binding is written, forgotten if it fails). The node set is fixed: a changed or new node
    means a new snapshot.
    """

    def __init__(
        self,
        nodes: Iterable[Node],
        *,
        namespaces: Mapping[str, Mapping[str, str]] | None = None,
        volumes: VolumeCatalog | None = None,
    ) -> None:
        self.nodes: tuple[NodeInfo, ...] = tuple(
            NodeInfo(node) for node in sorted(nodes, key=lambda n: n.name)
        )
        self._by_name = {info.name: info for info in self.nodes}
        self._positions = {info.name: position for position, info in enumerate(self.nodes)}
        if len(self._by_name) != len(self.nodes):
            raise ValueError("node names must be unique")
        self._namespaces = {
            name: MappingProxyType(dict(labels)) for name, labels in (namespaces or {}).items()
        }
        self.volumes = volumes or VolumeCatalog()
        self.image_states = _image_states(self.nodes)

    @classmethod
    def from_objects(
        cls,
        nodes: Iterable[JsonObject],
        pods: Iterable[JsonObject] = (),
        *,
        namespaces: Iterable[JsonObject] = (),
        persistent_volume_claims: Iterable[JsonObject] = (),
        persistent_volumes: Iterable[JsonObject] = (),
    ) -> Snapshot:
        """A snapshot of Node, Pod, Namespace, PersistentVolumeClaim and PersistentVolume objects.

        Pods count when they are bound (``spec.nodeName``) to one of the nodes and not finished
        (phase ``Succeeded`` or ``Failed``), as Kubernetes' scheduler cache counts them; pending
        pods are what is scheduled, not part of the snapshot.
        """
        snapshot = cls(
            (parse_node(node) for node in nodes),
            namespaces={
                name_of(ns): labels_at(mapping_at(ns, "metadata", "namespace"), "labels", "namespace")
                for ns in namespaces
            },
            volumes=VolumeCatalog.from_objects(persistent_volume_claims, persistent_volumes),
        )
        for pod in pods:
            where = f"pod {name_of(pod)!r}"
            node_name = string_at(mapping_at(pod, "spec", where), "nodeName", f"{where}.spec")
            phase = string_at(mapping_at(pod, "status", where), "phase", f"{where}.status")
            if node_name and phase not in TERMINAL_PHASES and node_name in snapshot._by_name:
                snapshot.add_pod(parse_pod(pod), node_name)
        return snapshot

    def node(self, name: str) -> NodeInfo | None:
        return self._by_name.get(name)

    def position(self, name: str) -> int:
        """The node's place in node order."""
        return self._positions[name]

    def add_pod(self, pod: PodInfo, node_name: str) -> None:
        """Count ``pod`` on ``node_name`` (bound there, or assumed by the scheduler)."""
        self._by_name[node_name].add_pod(pod)

    assume = add_pod

    def remove_pod(self, pod: PodInfo, node_name: str) -> bool:
        """Take ``pod`` off ``node_name`` (deleted, or a binding that failed); False if absent."""
        info = self._by_name.get(node_name)
        return info is not None and info.remove_pod(pod)

    forget = remove_pod

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        """The labels of ``namespace``. Every namespace carries its own name as
        ``kubernetes.io/metadata.name``; one the snapshot was not given reads as having only that."""
        labels = self._namespaces.get(namespace)
        if labels is None or NAMESPACE_NAME_LABEL not in labels:
            labels = MappingProxyType({**(labels or {}), NAMESPACE_NAME_LABEL: namespace})
            self._namespaces[namespace] = labels
        return labels

    def volume_restrictions(self, pod: PodInfo) -> VolumeRestrictions:
        return self.volumes.restrictions_for(pod.namespace, pod.requirements.volume_claims)

    def copy(self) -> Snapshot:
        """An independent snapshot with the same nodes and pods (for what-if scheduling)."""
        twin = Snapshot.__new__(Snapshot)
        twin.nodes = tuple(info.copy() for info in self.nodes)
        twin._by_name = {info.name: info for info in twin.nodes}
        twin._positions = self._positions
        twin._namespaces = dict(self._namespaces)
        twin.volumes = self.volumes
        twin.image_states = self.image_states
        return twin


def _image_states(nodes: Sequence[NodeInfo]) -> Mapping[str, ImageState]:
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    for info in nodes:
        for image, size in info.node.images.items():
            sizes.setdefault(image, size)
            counts[image] = counts.get(image, 0) + 1
    return MappingProxyType({image: ImageState(sizes[image], counts[image]) for image in sizes})
