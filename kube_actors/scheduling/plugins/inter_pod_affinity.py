"""Why: place pods relative to other pods. Required terms filter (default weight 2 for the
score part):

1. the pod's **affinity**: every term's topology key must be on the node, and each term's
   domain (the node's value of the key) must hold a pod matching *all* the terms. The first
   pod of a group that selects itself is let through when no pod anywhere matches yet;
2. the pod's **anti-affinity**: no domain of the node may hold a pod a term matches;
3. **existing pods' anti-affinity**: the pod may not enter a domain whose pods' required
   anti-affinity terms match it (symmetry: "no two replicas per node" holds both ways).

Preferred terms score: each placed pod adds a term's weight (negated for anti-affinity) to
its node's domain when the incoming pod's preferred term matches it, or when its own preferred
term (or, with ``hard_pod_affinity_weight``, its required affinity term) matches the incoming
pod; a node scores the sum over its domains, scaled min-max onto 0..100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE
from kube_actors.scheduling.framework import (
    PROCEED,
    SKIP,
    SKIPPED,
    SUCCESS,
    CycleState,
    PreFilterResult,
    Status,
    unresolvable,
    unschedulable,
)
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pod_affinity import AffinityTerm, WeightedAffinityTerm
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import Snapshot

AFFINITY_REASON = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"
_AFFINITY = unresolvable(AFFINITY_REASON)
_ANTI_AFFINITY = unschedulable(ANTI_AFFINITY_REASON)
_EXISTING_ANTI_AFFINITY = unschedulable(EXISTING_ANTI_AFFINITY_REASON)

Domain = tuple[str, str]  # (topology key, value)


@dataclass(frozen=True, slots=True)
class _FilterState:
    existing_anti_affinity: dict[Domain, int]  # domains whose pods' anti-affinity matches the pod
    affinity: dict[Domain, int]  # domains holding pods that match all the pod's affinity terms
    anti_affinity: dict[Domain, int]  # domains holding pods the pod's anti-affinity matches
    matches_own_affinity: bool


@dataclass(frozen=True)
class InterPodAffinity:
    hard_pod_affinity_weight: int = 1
    name: ClassVar[str] = "InterPodAffinity"

    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        terms = pod.requirements.pod_affinity
        own_namespace = snapshot.namespace_labels(pod.namespace)
        existing: dict[Domain, int] = {}
        for node in snapshot.nodes:
            for other in node.pods_with_affinity:
                for term in other.requirements.pod_affinity.required_anti_affinity:
                    if term.matches(pod.namespace, pod.labels, own_namespace):
                        _count(existing, node, term.topology_key, 1)
        if not terms.required_affinity and not terms.required_anti_affinity and not existing:
            return SKIPPED
        affinity: dict[Domain, int] = {}
        anti_affinity: dict[Domain, int] = {}
        if terms.required_affinity or terms.required_anti_affinity:
            for node in snapshot.nodes:
                for other in node.pods:
                    other_namespace = snapshot.namespace_labels(other.namespace)
                    if terms.required_affinity and _matches_all(
                        terms.required_affinity, other, other_namespace
                    ):
                        for term in terms.required_affinity:
                            _count(affinity, node, term.topology_key, 1)
                    for term in terms.required_anti_affinity:
                        if term.matches(other.namespace, other.labels, other_namespace):
                            _count(anti_affinity, node, term.topology_key, 1)
        matches_own = bool(terms.required_affinity) and _matches_all(
            terms.required_affinity, pod, own_namespace
        )
        state.write(self.name, _FilterState(existing, affinity, anti_affinity, matches_own))
        return PROCEED

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        domains = state.read(self.name, _FilterState)
        terms = pod.requirements.pod_affinity
        labels = node.labels
        if terms.required_affinity and not _satisfies_affinity(terms.required_affinity, domains, labels):
            return _AFFINITY
        for term in terms.required_anti_affinity:
            value = labels.get(term.topology_key)
            if value is not None and domains.anti_affinity.get((term.topology_key, value), 0) > 0:
                return _ANTI_AFFINITY
        existing = domains.existing_anti_affinity
        if existing and any(existing.get(label, 0) > 0 for label in labels.items()):
            return _EXISTING_ANTI_AFFINITY
        return SUCCESS

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        terms = pod.requirements.pod_affinity
        has_preferences = bool(terms.preferred_affinity or terms.preferred_anti_affinity)
        own_namespace = snapshot.namespace_labels(pod.namespace)
        scores: dict[str, dict[str, int]] = {}
        for node in snapshot.nodes:
            if not node.labels:
                continue
            for other in node.pods if has_preferences else node.pods_with_affinity:
                other_namespace = snapshot.namespace_labels(other.namespace)
                # The incoming pod's preferences about the placed pod...
                for weighted, sign in _signed(terms.preferred_affinity, terms.preferred_anti_affinity):
                    if weighted.term.matches(other.namespace, other.labels, other_namespace):
                        _add(scores, node, weighted.term.topology_key, sign * weighted.weight)
                # ...and the placed pod's about the incoming one.
                theirs = other.requirements.pod_affinity
                if self.hard_pod_affinity_weight > 0:
                    for term in theirs.required_affinity:
                        if term.matches(pod.namespace, pod.labels, own_namespace):
                            _add(scores, node, term.topology_key, self.hard_pod_affinity_weight)
                for weighted, sign in _signed(theirs.preferred_affinity, theirs.preferred_anti_affinity):
                    if weighted.term.matches(pod.namespace, pod.labels, own_namespace):
                        _add(scores, node, weighted.term.topology_key, sign * weighted.weight)
        if not scores:
            return SKIP  # no term matched anything: every node would score 0
        state.write(self.name, scores)
        return SUCCESS

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        scores: dict[str, dict[str, int]] = state.read(self.name, dict)
        labels = node.labels
        return sum(by_value.get(labels[key], 0) for key, by_value in scores.items() if key in labels)

    def normalize_scores(
        self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo], scores: list[int]
    ) -> None:
        """Min-max onto 0..100 in float64, truncated; all equal scores become 0."""
        lowest, highest = min(scores), max(scores)
        spread = highest - lowest
        for position, score in enumerate(scores):
            scaled = float(MAX_NODE_SCORE) * (float(score - lowest) / float(spread)) if spread > 0 else 0.0
            scores[position] = int(scaled)


def _satisfies_affinity(
    terms: Sequence[AffinityTerm], domains: _FilterState, labels: Mapping[str, str]
) -> bool:
    pods_exist = True
    for term in terms:
        value = labels.get(term.topology_key)
        if value is None:
            return False
        if domains.affinity.get((term.topology_key, value), 0) <= 0:
            pods_exist = False
    if pods_exist:
        return True
    # The first pod of a group that selects itself may start the group anywhere.
    return not domains.affinity and domains.matches_own_affinity


def _matches_all(terms: Iterable[AffinityTerm], pod: PodInfo, namespace_labels: Mapping[str, str]) -> bool:
    return all(term.matches(pod.namespace, pod.labels, namespace_labels) for term in terms)


def _signed(
    attract: Sequence[WeightedAffinityTerm], repel: Sequence[WeightedAffinityTerm]
) -> Iterable[tuple[WeightedAffinityTerm, int]]:
    for weighted in attract:
        yield weighted, 1
    for weighted in repel:
        yield weighted, -1


def _count(counts: dict[Domain, int], node: NodeInfo, key: str, amount: int) -> None:
    value = node.labels.get(key)
    if value is not None:
        counts[(key, value)] = counts.get((key, value), 0) + amount


def _add(scores: dict[str, dict[str, int]], node: NodeInfo, key: str, amount: int) -> None:
    value = node.labels.get(key)
    if value is not None:
        by_value = scores.setdefault(key, {})
        by_value[value] = by_value.get(value, 0) + amount
