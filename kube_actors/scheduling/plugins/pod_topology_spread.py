"""Why: keep a group of pods evenly spread over topology domains (zones, nodes), so one failing
zone takes few of them. A constraint counts the pods its selector matches (in the incoming
pod's namespace, not terminating) per domain, a domain being a value of the constraint's
topology key among the nodes that qualify (they carry every constrained key and pass the
constraint's node inclusion policies).

- ``DoNotSchedule`` (Filter): placing the pod in the node's domain must keep
  ``count + (1 if the pod matches its own selector) - global minimum <= maxSkew``; the minimum
  counts as 0 while fewer than ``minDomains`` domains exist. A node without the topology key
  fails outright.
- ``ScheduleAnyway`` (Score, default weight 2): the fewer matching pods in a node's domains,
  the better; counts are weighted by ``log(number of domains + 2)`` and normalised so the
  emptiest domain scores 100.

Kubernetes' default constraints (applied to pods with none, from the Services and ReplicaSets
selecting them) are not applied here: a pod spreads only as its own spec says.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE, go_div, go_round
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
from kube_actors.scheduling.label_selection import LabelSelector
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.snapshot import Snapshot
from kube_actors.scheduling.spread_constraints import HONOR, SpreadConstraint
from kube_actors.scheduling.taints import first_untolerated_taint

HOSTNAME_LABEL = "kubernetes.io/hostname"
MAX_INT32 = 2**31 - 1

REASON = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL_REASON = f"{REASON} (missing required label)"
_SKEWED = unschedulable(REASON)
_MISSING_LABEL = unresolvable(MISSING_LABEL_REASON)


@dataclass(frozen=True, slots=True)
class _FilterState:
    constraints: tuple[SpreadConstraint, ...]
    counts: tuple[dict[str, int], ...]  # per constraint: domain -> matching pods
    minimums: tuple[int, ...]  # per constraint: the smallest count, MAX_INT32 with no domain
    self_matches: tuple[int, ...]  # per constraint: 1 if the pod matches its own selector


@dataclass(frozen=True, slots=True)
class _ScoreState:
    constraints: tuple[SpreadConstraint, ...]
    counts: tuple[dict[str, int], ...]  # per constraint (not hostname): domain -> matching pods
    weights: tuple[float, ...]
    ignored: frozenset[str]  # feasible nodes missing a constrained key: score 0


@dataclass(frozen=True)
class PodTopologySpread:
    name: ClassVar[str] = "PodTopologySpread"

    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        hard = tuple(c for c in pod.requirements.spread_constraints if c.is_hard)
        if not hard:
            return SKIPPED
        counts: tuple[dict[str, int], ...] = tuple({} for _ in hard)
        for node in snapshot.nodes:
            if not has_keys(node, hard):
                continue
            for constraint, domains in zip(hard, counts, strict=True):
                if includes(constraint, pod, node):
                    domain = node.labels[constraint.topology_key]
                    domains[domain] = domains.get(domain, 0) + count_matching(
                        node.pods, constraint.selector, pod
                    )
        minimums = tuple(min(domains.values(), default=MAX_INT32) for domains in counts)
        self_matches = tuple(1 if c.selector.matches(pod.labels) else 0 for c in hard)
        state.write(self.name, _FilterState(hard, counts, minimums, self_matches))
        return PROCEED

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        spread = state.read(self.name, _FilterState)
        for position, constraint in enumerate(spread.constraints):
            domain = node.labels.get(constraint.topology_key)
            if domain is None:
                return _MISSING_LABEL
            domains = spread.counts[position]
            minimum = spread.minimums[position] if len(domains) >= constraint.min_domains else 0
            if domains.get(domain, 0) + spread.self_matches[position] - minimum > constraint.max_skew:
                return _SKEWED
        return SUCCESS

    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        soft = tuple(c for c in pod.requirements.spread_constraints if not c.is_hard)
        if not soft:
            return SKIP
        ignored = frozenset(node.name for node in nodes if not has_keys(node, soft))
        counts: tuple[dict[str, int], ...] = tuple({} for _ in soft)
        for node in nodes:
            if node.name in ignored:
                continue
            for constraint, domains in zip(soft, counts, strict=True):
                if constraint.topology_key != HOSTNAME_LABEL:
                    domains.setdefault(node.labels[constraint.topology_key], 0)
        weights = tuple(
            topology_weight(len(nodes) - len(ignored) if c.topology_key == HOSTNAME_LABEL else len(domains))
            for c, domains in zip(soft, counts, strict=True)
        )
        for node in snapshot.nodes:
            if not has_keys(node, soft):
                continue
            for constraint, domains in zip(soft, counts, strict=True):
                domain = node.labels[constraint.topology_key]
                if domain in domains and includes(constraint, pod, node):
                    domains[domain] += count_matching(node.pods, constraint.selector, pod)
        state.write(self.name, _ScoreState(soft, counts, weights, ignored))
        return SUCCESS

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        spread = state.read(self.name, _ScoreState)
        if node.name in spread.ignored:
            return 0
        score = 0.0
        for position, constraint in enumerate(spread.constraints):
            if constraint.topology_key == HOSTNAME_LABEL:
                count = count_matching(node.pods, constraint.selector, pod)
            else:
                count = spread.counts[position][node.labels[constraint.topology_key]]
            score += float(count) * spread.weights[position] + float(constraint.max_skew - 1)
        return go_round(score)

    def normalize_scores(
        self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo], scores: list[int]
    ) -> None:
        """Fewest matching pods best: ``100 * (max + min - score) / max`` over the nodes not
        ignored (100 for all when the max is 0); ignored nodes get 0."""
        ignored = state.read(self.name, _ScoreState).ignored
        counted = [score for node, score in zip(nodes, scores, strict=True) if node.name not in ignored]
        lowest, highest = min(counted, default=0), max(counted, default=0)
        for position, node in enumerate(nodes):
            if node.name in ignored:
                scores[position] = 0
            elif highest == 0:
                scores[position] = MAX_NODE_SCORE
            else:
                scores[position] = go_div(MAX_NODE_SCORE * (highest + lowest - scores[position]), highest)


def topology_weight(domain_count: int) -> float:
    """``log(domains + 2)``: counts in a topology with few domains weigh less. Computed with
    Python's ``math.log`` once per constraint; the kernel must use this same scalar."""
    return math.log(domain_count + 2)


def has_keys(node: NodeInfo, constraints: Iterable[SpreadConstraint]) -> bool:
    labels = node.labels
    return all(constraint.topology_key in labels for constraint in constraints)


def includes(constraint: SpreadConstraint, pod: PodInfo, node: NodeInfo) -> bool:
    """Whether ``node``'s pods count toward ``constraint``: with the ``Honor`` policies, only on
    nodes that pass the pod's node affinity / whose NoSchedule and NoExecute taints it tolerates."""
    requirements = pod.requirements
    if constraint.node_affinity_policy == HONOR and not requirements.node_affinity.matches(
        node.name, node.labels
    ):
        return False
    return not (
        constraint.node_taints_policy == HONOR
        and first_untolerated_taint(node.node.taints, requirements.tolerations) is not None
    )


def count_matching(pods: Iterable[PodInfo], selector: LabelSelector, pod: PodInfo) -> int:
    """Pods in ``pod``'s namespace, not terminating, that ``selector`` matches; an empty selector
    counts none."""
    if selector.is_empty:
        return 0
    namespace = pod.namespace
    return sum(
        1
        for other in pods
        if not other.terminating and other.namespace == namespace and selector.matches(other.labels)
    )
