"""Why: a volume labelled with a zone or region (``topology.kubernetes.io/zone: a``, or several
as ``a__b``) can only be attached to nodes in it. A node with none of the topology labels is
let through (a single-zone cluster need not label its nodes); otherwise it must carry each of
the volume's labels (or the GA form of a beta label) with an allowed value.
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
from kube_actors.scheduling.volumes import GA_LABEL_OF_BETA, TOPOLOGY_LABELS, VolumeTopology

REASON = "node(s) had no available volume zone"
_CONFLICT = unresolvable(REASON)


@dataclass(frozen=True)
class VolumeZone:
    name: ClassVar[str] = "VolumeZone"

    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        if not pod.requirements.volume_claims:
            return SKIPPED
        restrictions = snapshot.volume_restrictions(pod)
        topology = tuple(label for volume in restrictions.volumes for label in volume.topology)
        if not topology:
            return SKIPPED
        state.write(self.name, topology)
        return PROCEED

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        topology: tuple[VolumeTopology, ...] = state.read(self.name, tuple)
        labels = node.labels
        if not any(key in labels for key in TOPOLOGY_LABELS):
            return SUCCESS
        for label in topology:
            value = labels.get(label.key)
            if value is None and label.key in GA_LABEL_OF_BETA:
                value = labels.get(GA_LABEL_OF_BETA[label.key])
            if value is None or value not in label.values:
                return _CONFLICT
        return SUCCESS
