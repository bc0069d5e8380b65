"""Why: a pod picks nodes by label: ``nodeSelector`` and required node affinity filter (both must
hold), preferred node affinity scores (the sum of the weights of the preferred terms a node
matches, scaled so the best node gets 100). Default weight 2.

PreFilter, as Kubernetes: when every required term names nodes by ``matchFields``
``metadata.name In [...]`` (how DaemonSet pods are pinned), only those nodes are filtered; the
others are rejected as "node(s) didn't satisfy plugin(s) [NodeAffinity]". Terms that together
name no node at all reject the pod: "pod affinity terms conflict".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.arithmetic import default_normalize_score
from kube_actors.scheduling.framework import (
    PROCEED,
    SKIP,
    SKIPPED,
    SUCCESS,
    CycleState,
    PreFilterResult,
    Status,
    unresolvable,
)
from kube_actors.scheduling.node_selectors import NODE_NAME_FIELD, NodeSelector
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import Snapshot

REASON = "node(s) didn't match Pod's node affinity/selector"
CONFLICT = "pod affinity terms conflict"
_REJECTED = unresolvable(REASON)


@dataclass(frozen=True)
class NodeAffinity:
    name: ClassVar[str] = "NodeAffinity"

    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        affinity = pod.requirements.node_affinity
        if affinity.is_unconstrained:
            return SKIPPED
        if affinity.required is None or not affinity.required.terms:
            return PROCEED
        names = pinned_node_names(affinity.required)
        if names is None:
            return PROCEED
        if not names:
            return PreFilterResult(unresolvable(CONFLICT))
        return PreFilterResult(node_names=names)

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        if pod.requirements.node_affinity.matches(node.name, node.labels):
            return SUCCESS
        return _REJECTED

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        return SUCCESS if pod.requirements.preferred_node_affinity else SKIP

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return sum(
            term.weight
            for term in pod.requirements.preferred_node_affinity
            if term.preference.matches(node.name, node.labels)
        )

    def normalize_scores(
        self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo], scores: list[int]
    ) -> None:
        default_normalize_score(scores, reverse=False)


def pinned_node_names(required: NodeSelector) -> frozenset[str] | None:
    """The node names the required terms pin the pod to, or None when some term does not pin
    (terms are ORed, so any node may then qualify). Within a term, several ``metadata.name In``
    requirements intersect; across terms the sets unite.

    >>> from kube_actors.scheduling.node_selectors import NodeSelectorRequirement as R, NodeSelectorTerm as T
    >>> pinned_node_names(NodeSelector((T(match_fields=(R("metadata.name", "In", ("n1",)),)),)))
    frozenset({'n1'})
    """
    names: set[str] = set()
    for term in required.terms:
        term_names: set[str] | None = None
        for requirement in term.match_fields:
            if requirement.key == NODE_NAME_FIELD and requirement.operator == "In":
                values = set(requirement.values)
                term_names = values if term_names is None else term_names & values
        if term_names is None:
            return None
        names |= term_names
    return frozenset(names)
