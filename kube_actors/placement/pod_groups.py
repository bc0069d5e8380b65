"""Why: topology spreading and inter-pod affinity ask "how many pods matching this selector
are on each node?", and the reference answers by walking every pod of every node. The kernel
answers from an index kept up to date as pods come and go:

- **label groups**: placed pods grouped by (namespace, labels, terminating), each with its
  count per node. One ReplicaSet's pods share their labels, so a cluster of 150,000 pods has a
  few thousand groups; a selector is evaluated once per group, not once per pod. Groups are
  found through their ``(namespace, label, value)`` pairs when the selector has
  ``matchLabels``, and the matching groups of a selector are remembered and extended as new
  groups appear.
- **affinity groups**: the placed pods that have pod affinity or anti-affinity terms, grouped by
  requirements (a ReplicaSet's pods share their terms), each with its count per node; their
  terms are indexed by the first ``matchLabels`` pair of their selector, so the terms that can
  select an incoming pod are found without looking at the others.

Matching itself is always the reference's (``LabelSelector.matches``, ``AffinityTerm.matches``).
Neighbours: ``state.PlacementState`` feeds it; ``spreading`` and ``pod_affinity`` query it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kube_actors.scheduling.label_selection import LabelSelector
from kube_actors.scheduling.pod_affinity import NO_POD_AFFINITY, AffinityTerm
from kube_actors.scheduling.pods import PodInfo, PodRequirements

NamespaceFilter = Callable[[str], bool]


class PodGroup:
    """Pods alike in what a query can ask of them, with how many sit on each node."""

    __slots__ = ("labels", "namespace", "nodes", "number", "requirements", "terminating")

    def __init__(self, number: int, requirements: PodRequirements, terminating: bool) -> None:
        self.number = number
        self.requirements = requirements
        self.namespace = requirements.namespace
        self.labels: Mapping[str, str] = requirements.label_map
        self.terminating = terminating
        self.nodes: dict[int, int] = {}

    def change(self, node: int, sign: int) -> None:
        count = self.nodes.get(node, 0) + sign
        if count:
            self.nodes[node] = count
        else:
            del self.nodes[node]


@dataclass(frozen=True, slots=True)
class PlacedTerm:
    """A term of placed pods' pod affinity: ``kind`` is ``required_anti_affinity``,
    ``required_affinity``, ``preferred_affinity`` or ``preferred_anti_affinity``; ``weight``
    is the preferred term's weight (1 for required terms)."""

    group: PodGroup
    kind: str
    term: AffinityTerm
    weight: int


class _Matches:
    """The groups of one candidate list that a query matches, extended as the list grows."""

    __slots__ = ("groups", "seen")

    def __init__(self) -> None:
        self.groups: list[PodGroup] = []
        self.seen = 0


class PodGroups:
    def __init__(self, node_count: int) -> None:
        self.node_count = node_count
        self.label_groups: list[PodGroup] = []
        self._label_group_of: dict[tuple[PodRequirements, bool], PodGroup] = {}
        self._by_labels: dict[tuple[str, tuple[tuple[str, str], ...], bool], PodGroup] = {}
        self._by_pair: dict[tuple[str, str, str], list[PodGroup]] = {}
        self._by_namespace: dict[str, list[PodGroup]] = {}
        self._matches: dict[tuple[str, str, bool], _Matches] = {}
        self.affinity_groups: dict[PodRequirements, PodGroup] = {}
        self.affinity_pods = 0  # placed pods with pod affinity or anti-affinity terms
        self.affinity_changes = 0  # how many times such a pod came or went
        self._terms_by_pair: dict[tuple[str, str], list[PlacedTerm]] = {}
        self._terms_unindexed: list[PlacedTerm] = []
        self._last_group = PodGroup(-1, PodRequirements(namespace="", labels=()), False)  # none yet

    def change(self, pod: PodInfo, node: int, sign: int) -> None:
        """Count (``sign=1``) or uncount (``-1``) ``pod`` on ``node``."""
        requirements = pod.requirements
        last = self._last_group  # the replicas of a ReplicaSet come one after another
        if requirements is last.requirements and pod.terminating == last.terminating:
            group = last
        else:
            group = self._last_group = self.label_group(requirements, pod.terminating)
        group.change(node, sign)
        affinity = requirements.pod_affinity
        if affinity is not NO_POD_AFFINITY and not affinity.is_empty:
            self._affinity_group(requirements).change(node, sign)
            self.affinity_pods += sign
            self.affinity_changes += 1

    def label_group(self, requirements: PodRequirements, terminating: bool) -> PodGroup:
        group = self._label_group_of.get((requirements, terminating))
        if group is None:
            key = (requirements.namespace, requirements.labels, terminating)
            group = self._by_labels.get(key)
            if group is None:
                group = self._by_labels[key] = PodGroup(len(self.label_groups), requirements, terminating)
                self.label_groups.append(group)
                self._by_namespace.setdefault(group.namespace, []).append(group)
                for label in requirements.labels:
                    self._by_pair.setdefault((group.namespace, *label), []).append(group)
            self._label_group_of[(requirements, terminating)] = group
        return group

    @property
    def namespaces(self) -> list[str]:
        return list(self._by_namespace)

    def matching(self, namespace: str, selector: LabelSelector) -> list[PodGroup]:
        """The label groups in ``namespace`` whose labels ``selector`` matches (terminating
        ones included)."""
        pair = _first_match_label(selector)
        if pair is None:
            candidates = self._by_namespace.get(namespace, [])
            key = (namespace, selector.canonical, False)
        else:
            candidates = self._by_pair.get((namespace, *pair), [])
            key = (namespace, selector.canonical, True)
        found = self._matches.get(key)
        if found is None:
            found = self._matches[key] = _Matches()
        for group in candidates[found.seen :]:
            if selector.matches(group.labels):
                found.groups.append(group)
        found.seen = len(candidates)
        return found.groups

    def _affinity_group(self, requirements: PodRequirements) -> PodGroup:
        group = self.affinity_groups.get(requirements)
        if group is None:
            group = self.affinity_groups[requirements] = PodGroup(-1, requirements, False)
            terms = requirements.pod_affinity
            placed = [PlacedTerm(group, "required_anti_affinity", t, 1) for t in terms.required_anti_affinity]
            placed += [PlacedTerm(group, "required_affinity", t, 1) for t in terms.required_affinity]
            placed += [
                PlacedTerm(group, "preferred_affinity", w.term, w.weight) for w in terms.preferred_affinity
            ]
            placed += [
                PlacedTerm(group, "preferred_anti_affinity", w.term, w.weight)
                for w in terms.preferred_anti_affinity
            ]
            for term in placed:
                pair = _first_match_label(term.term.selector)
                if pair is None:
                    self._terms_unindexed.append(term)
                else:
                    self._terms_by_pair.setdefault(pair, []).append(term)
        return group

    def terms_selecting(self, pod: PodInfo, namespace_labels: Mapping[str, str]) -> list[PlacedTerm]:
        """The placed pods' terms that select ``pod`` (``namespace_labels``: its namespace's)."""
        candidates = list(self._terms_unindexed)
        for pair in pod.requirements.labels:
            candidates += self._terms_by_pair.get(pair, [])
        return [
            placed
            for placed in candidates
            if placed.group.nodes and placed.term.matches(pod.namespace, pod.labels, namespace_labels)
        ]


def _first_match_label(selector: LabelSelector) -> tuple[str, str] | None:
    """A ``(key, value)`` every pod the selector matches must carry, if it names one."""
    raw = selector.raw
    match_labels = raw.get("matchLabels") if raw is not None else None
    if isinstance(match_labels, Mapping) and match_labels:
        key, value = next(iter(match_labels.items()))
        if isinstance(key, str) and isinstance(value, str):
            return key, value
    return None
