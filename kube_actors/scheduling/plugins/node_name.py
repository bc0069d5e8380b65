"""Why: a pod that names its node (``spec.nodeName``) fits that node only. Filter only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.framework import SUCCESS, CycleState, Status, unresolvable
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo

REASON = "node(s) didn't match the requested node name"
_REJECTED = unresolvable(REASON)


@dataclass(frozen=True)
class NodeName:
    name: ClassVar[str] = "NodeName"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        wanted = pod.requirements.node_name
        if wanted and wanted != node.name:
            return _REJECTED
        return SUCCESS
