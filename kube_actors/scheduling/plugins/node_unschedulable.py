"""Why: a cordoned node (``spec.unschedulable``, ``kubectl cordon``) takes no new pods, except
pods that tolerate the ``node.kubernetes.io/unschedulable:NoSchedule`` taint (DaemonSet pods
do). Filter only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.framework import SUCCESS, CycleState, Status, unresolvable
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.taints import NO_SCHEDULE, UNSCHEDULABLE_TAINT_KEY, Taint, tolerates

REASON = "node(s) were unschedulable"
_CORDON = Taint(UNSCHEDULABLE_TAINT_KEY, "", NO_SCHEDULE)
_REJECTED = unresolvable(REASON)


@dataclass(frozen=True)
class NodeUnschedulable:
    name: ClassVar[str] = "NodeUnschedulable"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        if node.node.unschedulable and not tolerates(pod.requirements.tolerations, _CORDON):
            return _REJECTED
        return SUCCESS
