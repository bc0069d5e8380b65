"""Why: taints keep pods off nodes unless they tolerate them. ``NoSchedule`` and ``NoExecute``
taints filter (the first untolerated one, in the node's order, names the reason);
``PreferNoSchedule`` taints only lower the score: the raw score counts the untolerated ones,
normalised upside down so the node with the fewest gets 100. Default weight 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.arithmetic import default_normalize_score
from kube_actors.scheduling.framework import SUCCESS, CycleState, Status, unresolvable
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import Snapshot
from kube_actors.scheduling.taints import PREFER_NO_SCHEDULE, Toleration, first_untolerated_taint, tolerates


def reason(key: str, value: str) -> str:
    """
    >>> reason("dedicated", "gpu")
    'node(s) had untolerated taint {dedicated: gpu}'
    """
    return f"node(s) had untolerated taint {{{key}: {value}}}"


@dataclass(frozen=True)
class TaintToleration:
    name: ClassVar[str] = "TaintToleration"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        taints = node.node.taints
        if not taints:
            return SUCCESS
        taint = first_untolerated_taint(taints, pod.requirements.tolerations)
        if taint is None:
            return SUCCESS
        return unresolvable(reason(taint.key, taint.value))

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        # Only tolerations that can tolerate PreferNoSchedule (that effect, or every effect) count.
        prefer = tuple(t for t in pod.requirements.tolerations if t.effect in ("", PREFER_NO_SCHEDULE))
        state.write(self.name, prefer)
        return SUCCESS

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        tolerations: tuple[Toleration, ...] = state.read(self.name, tuple)
        return sum(
            1
            for taint in node.node.taints
            if taint.effect == PREFER_NO_SCHEDULE and not tolerates(tolerations, taint)
        )

    def normalize_scores(
        self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo], scores: list[int]
    ) -> None:
        default_normalize_score(scores, reverse=True)
