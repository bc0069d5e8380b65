"""Why: PodTopologySpread over every node at once. Its verdicts and scores depend on how many
matching pods each topology domain holds, anywhere in the cluster, so they are ``GLOBAL``: the
kernel recomputes them when a pod the class's selectors match is placed or removed, and
otherwise keeps them.

What does not change is worked out once per class: each constraint's label codes, which nodes
count toward it (they carry every key and pass its inclusion policies), which domains exist.
What does: the matching pods per domain, summed from ``PodGroups`` over the matching groups'
nodes only (not over every node), and from there the reference's rules: the filter's skew
against the global minimum (``minDomains`` honoured) decided per domain and spread to the nodes
by one table lookup; the score's ``count * log(domains + 2) + maxSkew - 1`` summed over the
constraints in order, rounded and normalised over the feasible nodes that carry every key.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Bools, Floats, Ids, Ints, go_div, go_round
from kube_actors.placement.jobs import ClassContext, FilterJob, Kind, ScoreJob, Twin
from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE
from kube_actors.scheduling.arithmetic import go_div as go_div_one
from kube_actors.scheduling.arithmetic import go_round as go_round_one
from kube_actors.scheduling.framework import unresolvable, unschedulable
from kube_actors.scheduling.plugins.pod_topology_spread import (
    HOSTNAME_LABEL,
    MAX_INT32,
    MISSING_LABEL_REASON,
    REASON,
    PodTopologySpread,
    topology_weight,
)
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.spread_constraints import HONOR, SpreadConstraint
from kube_actors.scheduling.taints import first_untolerated_taint

Pods = tuple[npt.NDArray[np.intp], Ints]  # (node positions, matching pods on each)


REMEMBERED = 16
"""Node verdict arrays a spreading filter keeps, by the per-domain verdicts they spread."""


class _Constraint:
    """One constraint of a class, with what never changes about it."""

    def __init__(self, context: ClassContext, constraint: SpreadConstraint, has_keys: Bools) -> None:
        self.context = context
        self.constraint = constraint
        table = context.state.table
        column = table.labels.get(constraint.topology_key)
        self.domains = len(column.values) if column is not None else 0
        self.codes: Ids = column.codes if column is not None else np.full(table.count, -1, dtype=np.int32)
        # Codes with "no such label" as one more domain, so a table of domains + 1 entries spreads
        # per-domain answers to the nodes in one lookup.
        self.extended: Ids = np.where(self.codes >= 0, self.codes, self.domains).astype(np.intp)
        self.counted = has_keys & _included(context, constraint)
        self.selects = constraint.selector.raw is not None and not constraint.selector.is_empty
        self.groups_counted = 0  # by the last ``matching_pods``

    def matching_pods(self) -> Pods:
        """(nodes, count on each) of the pods ``count_matching`` counts: the class's namespace,
        not terminating, matched by the selector (none for an empty or missing one)."""
        groups = self.context.state.pod_groups
        nodes: list[int] = []
        counts: list[int] = []
        self.groups_counted = 0
        if self.selects:
            for group in groups.matching(self.context.pod.namespace, self.constraint.selector):
                if not group.terminating:
                    nodes += group.nodes.keys()
                    counts += group.nodes.values()
                    self.groups_counted += 1
        return np.array(nodes, dtype=np.intp), np.array(counts, dtype=np.int64)

    def domain_sums(self, counted: Bools, pods: Pods | None = None) -> Ints:
        """Matching pods (``pods``, or the current ones) per domain, over the ``counted`` nodes."""
        nodes, counts = self.matching_pods() if pods is None else pods
        keep = counted[nodes]
        return np.bincount(self.codes[nodes[keep]], weights=counts[keep], minlength=self.domains).astype(
            np.int64
        )

    def per_node(self, pods: Pods) -> Ints:
        """Matching pods on each node (the hostname score counts a node's own pods)."""
        nodes, counts = pods
        result = np.zeros(len(self.codes), dtype=np.int64)
        np.add.at(result, nodes, counts)
        return result


def _included(context: ClassContext, constraint: SpreadConstraint) -> Bools:
    """``pod_topology_spread.includes`` per node."""
    requirements, table = context.requirements, context.state.table
    included = np.ones(table.count, dtype=np.bool_)
    if constraint.node_affinity_policy == HONOR:
        included &= table.affinity_matches(requirements.node_affinity)
    if constraint.node_taints_policy == HONOR:
        nodes = context.state.snapshot.nodes

        def tolerated(node: int) -> int:
            return int(first_untolerated_taint(nodes[node].node.taints, requirements.tolerations) is None)

        included &= table.by_taints(("tolerated", requirements.tolerations), tolerated).astype(np.bool_)
    return included


class _Watching:
    """Which placed pods move a class's spreading: ones its selectors count."""

    watches_pods_without_terms = True
    kind = Kind.GLOBAL

    def __init__(self, context: ClassContext, constraints: tuple[SpreadConstraint, ...]) -> None:
        self.context = context
        self.selectors = [
            c.selector for c in constraints if c.selector.raw is not None and not c.selector.is_empty
        ]
        self._affected: dict[tuple[object, bool], bool] = {}

    def affected_by(self, pod: PodInfo) -> bool:
        key = (pod.requirements, pod.terminating)
        found = self._affected.get(key)
        if found is None:
            found = self._affected[key] = (
                not pod.terminating
                and pod.namespace == self.context.pod.namespace
                and any(selector.matches(pod.labels) for selector in self.selectors)
            )
        return found


class _SpreadFilter(_Watching):
    def __init__(
        self, context: ClassContext, plugin: PodTopologySpread, hard: tuple[SpreadConstraint, ...]
    ) -> None:
        super().__init__(context, hard)
        table = context.state.table
        has_keys = np.ones(table.count, dtype=np.bool_)
        for constraint in hard:
            has_keys &= table.label_present(constraint.topology_key)
        self.constraints = [_Constraint(context, constraint, has_keys) for constraint in hard]
        self.present = [
            np.bincount(c.codes[c.counted], minlength=c.domains) > 0
            if c.domains
            else np.zeros(0, dtype=np.bool_)
            for c in self.constraints
        ]
        self.self_matches = [int(c.selector.matches(context.pod.labels)) for c in hard]
        self._remembered: dict[bytes, Ids] = {}
        statuses = context.state.statuses
        self.skewed = statuses.id(unschedulable(REASON).by(plugin.name))
        self.missing = statuses.id(unresolvable(MISSING_LABEL_REASON).by(plugin.name))

    def verdicts(self) -> Ids:
        """Each constraint's verdict per domain, spread to the nodes; the domains' verdicts take
        few distinct shapes (which zones are too full), so the node arrays are remembered."""
        tables = []
        for c, present, self_match in zip(self.constraints, self.present, self.self_matches, strict=True):
            sums = c.domain_sums(c.counted)
            domains = int(np.count_nonzero(present))
            minimum = int(sums[present].min()) if domains else MAX_INT32
            if domains < c.constraint.min_domains:
                minimum = 0
            by_domain = np.where(sums + self_match - minimum > c.constraint.max_skew, self.skewed, 0)
            tables.append(np.append(by_domain, self.missing).astype(np.int32))
        key = b"".join(table.tobytes() for table in tables)
        verdicts = self._remembered.get(key)
        if verdicts is None:
            if len(self._remembered) >= REMEMBERED:
                self._remembered.clear()
            verdicts = tables[0][self.constraints[0].extended]
            for c, table in zip(self.constraints[1:], tables[1:], strict=True):
                np.copyto(verdicts, table[c.extended], where=verdicts == 0)
            verdicts.setflags(write=False)
            self._remembered[key] = verdicts
        return verdicts

    def follow(self, node: int, pod: PodInfo, sign: int) -> npt.NDArray[np.intp] | None:
        return None  # the global minimum may move: recomputed (cheaply: see ``verdicts``)


class _SpreadScore(_Watching):
    feasible_dependent = True

    def __init__(self, context: ClassContext, soft: tuple[SpreadConstraint, ...]) -> None:
        super().__init__(context, soft)
        table = context.state.table
        self.has_keys = np.ones(table.count, dtype=np.bool_)
        for constraint in soft:
            self.has_keys &= table.label_present(constraint.topology_key)
        self.constraints = [_Constraint(context, constraint, self.has_keys) for constraint in soft]
        self._pods: list[Pods] | None = None
        self.hosts_only = all(c.topology_key == HOSTNAME_LABEL for c in soft)

    def scores(self, feasible: Bools, *, inputs_changed: bool = True) -> Ints:
        scored = feasible & self.has_keys  # feasible nodes missing a key are "ignored": 0
        if not scored.any():
            return np.zeros(len(scored), dtype=np.int64)
        if inputs_changed or self._pods is None:
            self._pods = [c.matching_pods() for c in self.constraints]
        if self.hosts_only:
            return self._host_scores(scored, self._pods)
        total: Floats | float = 0.0
        for c, pods in zip(self.constraints, self._pods, strict=True):
            if c.constraint.topology_key == HOSTNAME_LABEL:
                weight = topology_weight(int(np.count_nonzero(scored)))
                count = c.per_node(pods)
            else:
                present = np.bincount(c.codes[scored], minlength=c.domains) > 0
                weight = topology_weight(int(np.count_nonzero(present)))
                sums = c.domain_sums(c.counted & np.append(present, False)[c.extended], pods)
                count = np.append(sums, 0)[c.extended]
            total = total + (count.astype(np.float64) * weight + float(c.constraint.max_skew - 1))
        raw = go_round(np.asarray(total))
        lowest = int(np.where(scored, raw, np.iinfo(np.int64).max).min())
        highest = int(np.where(scored, raw, np.iinfo(np.int64).min).max())
        if highest == 0:
            return np.where(scored, MAX_NODE_SCORE, 0)
        numerator = MAX_NODE_SCORE * (highest + lowest - raw)
        if lowest >= 0 and highest > 0:  # then no scored numerator is negative: floor division
            return np.where(scored, numerator // highest, 0)
        return np.where(scored, go_div(numerator, highest), 0)

    def _host_scores(self, scored: Bools, pods: list[Pods]) -> Ints:
        """``scores`` when every constraint spreads over hosts: a node's score then depends on
        its own matching pods only, and most nodes have none; those share one score, the few
        others are computed apart (the same float steps as ``scores``)."""
        weight = topology_weight(int(np.count_nonzero(scored)))
        listed = np.concatenate([nodes for nodes, _ in pods])
        if len(pods) == 1 and self.constraints[0].groups_counted <= 1:  # one group: nodes listed once
            special, where = listed, np.arange(len(listed))
        else:
            special, where = np.unique(listed, return_inverse=True)
            where = where.reshape(-1)
        base, totals = 0.0, np.zeros(len(special))
        offset = 0
        for c, (nodes, counts) in zip(self.constraints, pods, strict=True):
            count = np.zeros(len(special), dtype=np.int64)
            np.add.at(count, where[offset : offset + len(nodes)], counts)
            offset += len(nodes)
            skew = float(c.constraint.max_skew - 1)
            base = base + (0.0 * weight + skew)
            totals = totals + (count.astype(np.float64) * weight + skew)
        base_raw, raws = go_round_one(base), go_round(totals)
        special_scored = scored[special]
        candidates = raws[special_scored].tolist()
        if np.count_nonzero(scored) > np.count_nonzero(special_scored):
            candidates.append(base_raw)
        lowest, highest = min(candidates), max(candidates)
        if highest == 0:
            return np.where(scored, MAX_NODE_SCORE, 0)
        result = np.where(scored, go_div_one(MAX_NODE_SCORE * (highest + lowest - base_raw), highest), 0)
        result[special] = np.where(
            special_scored, go_div(MAX_NODE_SCORE * (highest + lowest - raws), highest), 0
        )
        return result


class PodTopologySpreadTwin(Twin[PodTopologySpread]):
    filter_kind = Kind.GLOBAL
    score_kind = Kind.GLOBAL

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        hard = tuple(c for c in context.requirements.spread_constraints if c.is_hard)
        return _SpreadFilter(context, self.plugin, hard) if hard else None

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        soft = tuple(c for c in context.requirements.spread_constraints if not c.is_hard)
        return _SpreadScore(context, soft) if soft else None
