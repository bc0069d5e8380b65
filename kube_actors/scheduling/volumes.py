"""Why: storage-aware scheduling. A pod that mounts a PersistentVolumeClaim bound to a zonal
disk or a node-local volume can only run where that volume can be attached: the volume's
``spec.nodeAffinity`` (checked by the VolumeBinding plugin) and its zone and region labels
(checked by the VolumeZone plugin) restrict the nodes.

The restriction reaches the scheduler as data in the snapshot: a ``VolumeCatalog`` built from
the cluster's PersistentVolumeClaim and PersistentVolume objects. A pod names its claims
(``PodRequirements.volume_claims``); ``VolumeCatalog.restrictions_for`` follows each claim to
its bound volume. The model, and where it is narrower than Kubernetes:

- a claim that does not exist makes the pod unschedulable at once (PreFilter,
  ``persistentvolumeclaim "<name>" not found``), as in Kubernetes;
- a claim bound to a volume that does not exist fails every node (Kubernetes' wording);
- a claim not bound yet puts no restriction on the pod: dynamic provisioning and
  ``WaitForFirstConsumer`` binding, which would pick a volume for the chosen node, are not
  modelled, and neither is Kubernetes' refusal of unbound ``Immediate`` claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kube_actors.scheduling.node_selectors import NodeSelector, parse_node_selector
from kube_actors.scheduling.objects import JsonObject, labels_at, mapping_at, name_of, string_at

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
BETA_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"

TOPOLOGY_LABELS = (BETA_ZONE_LABEL, BETA_REGION_LABEL, ZONE_LABEL, REGION_LABEL)
"""The volume labels VolumeZone checks, in Kubernetes' order."""

GA_LABEL_OF_BETA = {BETA_ZONE_LABEL: ZONE_LABEL, BETA_REGION_LABEL: REGION_LABEL}
"""A node may carry the GA label where the volume carries the beta one."""


# Set on an unbound WaitForFirstConsumer claim by the scheduler: the node its pod will run on,
# where the provisioner then makes the volume.
SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node"


@dataclass(frozen=True, slots=True)
class VolumeTopology:
    """A volume topology label and the values it allows (``zone-a__zone-b`` lists two)."""

    key: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class BoundVolume:
    name: str
    node_affinity: NodeSelector | None = None
    topology: tuple[VolumeTopology, ...] = ()


@dataclass(frozen=True, slots=True)
class VolumeRestrictions:
    """Where a pod's volumes let it run.

    ``missing_claim`` names the first claim that does not exist ("" if all do);
    ``missing_volume`` says some claim is bound to a volume that does not exist; ``volumes`` are
    the bound volumes found.
    """

    missing_claim: str = ""
    missing_volume: bool = False
    volumes: tuple[BoundVolume, ...] = ()


NO_RESTRICTIONS = VolumeRestrictions()


@dataclass(frozen=True)
class VolumeCatalog:
    """Claims by ``(namespace, name)`` with the volume each is bound to ("" when unbound), and
    the volumes by name."""

    claims: Mapping[tuple[str, str], str] = field(default_factory=dict)
    volumes: Mapping[str, BoundVolume] = field(default_factory=dict)

    @classmethod
    def from_objects(
        cls, claims: Iterable[JsonObject] = (), volumes: Iterable[JsonObject] = ()
    ) -> VolumeCatalog:
        bound_to = {}
        for claim in claims:
            where = f"persistentvolumeclaim {name_of(claim)!r}"
            metadata = mapping_at(claim, "metadata", where)
            namespace = string_at(metadata, "namespace", f"{where}.metadata", "default")
            volume = string_at(mapping_at(claim, "spec", where), "volumeName", f"{where}.spec")
            bound_to[(namespace, name_of(claim))] = volume
        return cls(bound_to, {volume.name: volume for volume in map(parse_volume, volumes)})

    def restrictions_for(self, namespace: str, claim_names: Sequence[str]) -> VolumeRestrictions:
        if not claim_names:
            return NO_RESTRICTIONS
        bound: list[BoundVolume] = []
        missing_volume = False
        for claim in claim_names:
            volume_name = self.claims.get((namespace, claim))
            if volume_name is None:
                return VolumeRestrictions(missing_claim=claim)
            if not volume_name:
                continue
            volume = self.volumes.get(volume_name)
            if volume is None:
                missing_volume = True
            else:
                bound.append(volume)
        return VolumeRestrictions(missing_volume=missing_volume, volumes=tuple(bound))


def parse_volume(volume: JsonObject) -> BoundVolume:
    name = name_of(volume)
    where = f"persistentvolume {name!r}"
    affinity = mapping_at(mapping_at(volume, "spec", where), "nodeAffinity", f"{where}.spec")
    required = mapping_at(affinity, "required", f"{where}.spec.nodeAffinity")
    labels = labels_at(mapping_at(volume, "metadata", where), "labels", f"{where}.metadata")
    topology = []
    for key in TOPOLOGY_LABELS:
        if key in labels:
            values = [zone.strip() for zone in labels[key].split("__")]
            if all(values):  # Kubernetes ignores a label it cannot read as a set of zones
                topology.append(VolumeTopology(key, frozenset(values)))
    return BoundVolume(
        name=name,
        node_affinity=parse_node_selector(required, f"{where}.spec.nodeAffinity.required")
        if required
        else None,
        topology=tuple(topology),
    )
