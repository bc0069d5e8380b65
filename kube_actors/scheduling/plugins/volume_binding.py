"""Why: a pod whose claim is bound to a volume with node affinity (a local disk, a zonal disk
described by topology) can only run on nodes that affinity selects. PreFilter looks the pod's
claims up in the snapshot's ``VolumeCatalog`` (see ``kube_actors.scheduling.volumes`` for what
is modelled); Filter checks each bound volume's ``spec.nodeAffinity.required`` against the node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.framework import (
    PROCEED,
    SKIPPED,
    SUCCESS,
    CycleState,
    PreFilterResult,
    Status,
    unresolvable,
)
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import Snapshot
from kube_actors.scheduling.volumes import VolumeRestrictions

CONFLICT_REASON = "node(s) had volume node affinity conflict"
MISSING_VOLUME_REASON = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
_CONFLICT = unresolvable(CONFLICT_REASON)
_MISSING_VOLUME = unresolvable(MISSING_VOLUME_REASON)


def missing_claim(name: str) -> str:
    return f'persistentvolumeclaim "{name}" not found'


@dataclass(frozen=True)
class VolumeBinding:
    name: ClassVar[str] = "VolumeBinding"

    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        if not pod.requirements.volume_claims:
            return SKIPPED
        restrictions = snapshot.volume_restrictions(pod)
        if restrictions.missing_claim:
            return PreFilterResult(unresolvable(missing_claim(restrictions.missing_claim)))
        state.write(self.name, restrictions)
        return PROCEED

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        restrictions = state.read(self.name, VolumeRestrictions)
        if restrictions.missing_volume:
            return _MISSING_VOLUME
        for volume in restrictions.volumes:
            if volume.node_affinity is not None and not volume.node_affinity.matches(node.name, node.labels):
                return _CONFLICT
        return SUCCESS
