"""Why: PodTopologySpread over every node at once. Its verdicts and scores depend on how many
matching pods each topology domain holds, anywhere in the cluster, so they are ``GLOBAL``: the
kernel recomputes them when a pod the class's selectors match is placed or removed, and
otherwise keeps them.

What does not change is worked out once per class: each constraint's label codes, which nodes
count toward it (they carry every key and pass its inclusion policies), which domains exist.
What does: the matching pods per domain, summed from ``PodGroups`` over the matching groups'
nodes only (not over every node) and then, for the filter, moved by one per placement of a
matching pod (the one domain it lands in); and from there the reference's rules: the filter's
skew against the global minimum (``minDomains`` honoured) decided per domain (in plain Python
for a few zones) and spread to the nodes by one table lookup, the node arrays remembered by
which domains are too full; the score's ``count * log(domains + 2) + maxSkew - 1`` summed over the
constraints in order, rounded and normalised over the feasible nodes that carry every key.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Bools, Floats, Ids, Ints, go_div, go_round
from kube_actors.placement.jobs import Change, ClassContext, FilterJob, Kind, ScoreJob, Twin
from kube_actors.placement.node_table import NodeTable
from kube_actors.placement.pod_groups import PodGroup
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
FOLLOWED = 64
"""Changes up to which a spreading filter moves its domain sums by them (else counts again)."""
FEW_DOMAINS = 16
"""Domains up to which a spreading filter weighs them in plain Python rather than numpy."""

TooFull = tuple[bool, ...] | bytes
"""Per domain, whether it is too full: a tuple for few domains, else a numpy array's bytes."""


def _as_array(too_full: TooFull) -> Bools:
    if isinstance(too_full, bytes):
        return np.frombuffer(too_full, dtype=np.bool_)
    return np.array(too_full, dtype=np.bool_)


class _Constraint:
    """One constraint of a class, with what never changes about it."""

    def __init__(self, context: ClassContext, constraint: SpreadConstraint, keys: tuple[str, ...]) -> None:
        """``keys``: the topology keys of the constraints of its kind (a node counts only if it
        carries all of them)."""
        self.context = context
        self.constraint = constraint
        table = context.state.table
        key = constraint.topology_key
        column = table.labels.get(key)
        self.domains = len(column.values) if column is not None else 0
        self.codes: Ids = column.codes if column is not None else np.full(table.count, -1, dtype=np.int32)
        # Codes with "no such label" as one more domain, so a table of domains + 1 entries spreads
        # per-domain answers to the nodes in one lookup.
        self.extended: Ids = table.cached(
            ("spread extended", key),
            lambda: np.where(self.codes >= 0, self.codes, self.domains).astype(np.intp),
        )
        # Which nodes count is the same for the classes alike in what ``_included`` reads.
        requirements = context.requirements
        self.counting = (
            "spread counted",
            keys,
            key,
            requirements.node_affinity if constraint.node_affinity_policy == HONOR else None,
            requirements.tolerations if constraint.node_taints_policy == HONOR else None,
        )
        self.counted: Bools = table.cached(
            self.counting, lambda: has_keys(table, keys) & _included(context, constraint)
        )
        self.selects = constraint.selector.raw is not None and not constraint.selector.is_empty
        self.groups_counted = 0  # by the last ``matching_pods``
        self._matched: list[PodGroup] = []  # the groups it counts, among the first ...
        self._matched_among = 0  # ... label groups there were

    def present(self) -> Bools:
        """Per domain, whether a counted node is in it."""
        if not self.domains:
            return np.zeros(0, dtype=np.bool_)
        present: Bools = np.bincount(self.codes[self.counted], minlength=self.domains) > 0
        return present

    def matching_pods(self) -> Pods:
        """(nodes, count on each) of the pods ``count_matching`` counts: the class's namespace,
        not terminating, matched by the selector (none for an empty or missing one)."""
        groups = self.context.state.pod_groups
        nodes: list[int] = []
        counts: list[int] = []
        if self.selects and self._matched_among != len(groups.label_groups):
            # Groups never change labels, new ones are appended: asked again when one came.
            self._matched_among = len(groups.label_groups)
            self._matched = [
                group
                for group in groups.matching(self.context.pod.namespace, self.constraint.selector)
                if not group.terminating
            ]
        for group in self._matched:
            nodes += group.nodes.keys()
            counts += group.nodes.values()
        self.groups_counted = len(self._matched)
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


def has_keys(table: NodeTable, keys: tuple[str, ...]) -> Bools:
    """The nodes carrying every one of ``keys`` (remembered)."""

    def compute() -> Bools:
        carrying = np.ones(table.count, dtype=np.bool_)
        for key in keys:
            carrying &= table.label_present(key)
        return carrying

    return table.cached(("has keys", keys), compute)


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
        keys = tuple(constraint.topology_key for constraint in hard)
        self.constraints = [_Constraint(context, constraint, keys) for constraint in hard]
        self.present = [table.cached(("spread present", c.counting), c.present) for c in self.constraints]
        self.domain_counts = [int(np.count_nonzero(present)) for present in self.present]
        self.self_matches = [int(c.selector.matches(context.pod.labels)) for c in hard]
        self._remembered: dict[tuple[TooFull, ...], Ids] = {}
        statuses = context.state.statuses
        self.skewed = statuses.remembered(unschedulable, REASON, plugin.name)
        self.missing = statuses.remembered(unresolvable, MISSING_LABEL_REASON, plugin.name)
        self._sums: list[Ints] | None = None
        self._synced = 0
        self._counted_for: dict[tuple[object, bool], list[bool]] = {}

    def verdicts(self) -> Ids:
        """Each constraint's verdict per domain, spread to the nodes; the domains' verdicts take
        few distinct shapes (which zones are too full), so the node arrays are remembered by
        them."""
        sums = self._domain_sums()
        if len(sums) == 1:  # one hard constraint, the usual case: no generator
            key: tuple[TooFull, ...] = (
                self._too_full(
                    self.constraints[0], self.present[0], self.domain_counts[0], self.self_matches[0], sums[0]
                ),
            )
        else:
            key = tuple(
                self._too_full(c, present, domains, self_match, sums)
                for c, present, domains, self_match, sums in zip(
                    self.constraints, self.present, self.domain_counts, self.self_matches, sums, strict=True
                )
            )
        verdicts = self._remembered.get(key)
        if verdicts is None:
            if len(self._remembered) >= REMEMBERED:
                self._remembered.clear()
            tables = [
                np.append(np.where(_as_array(too_full), self.skewed, 0), self.missing).astype(np.int32)
                for too_full in key
            ]
            verdicts = tables[0][self.constraints[0].extended]
            for c, table in zip(self.constraints[1:], tables[1:], strict=True):
                np.copyto(verdicts, table[c.extended], where=verdicts == 0)
            verdicts.setflags(write=False)
            self._remembered[key] = verdicts
        return verdicts

    @staticmethod
    def _too_full(c: _Constraint, present: Bools, domains: int, self_match: int, sums: Ints) -> TooFull:
        """The domains where one more pod of the class would skew ``c`` too far (``sums +
        self_match - minimum > maxSkew``), the global minimum over the domains ``present``
        (0 below ``minDomains``); for a few domains (zones) in plain Python, quicker there."""
        few = len(sums) <= FEW_DOMAINS
        values = sums.tolist() if few else []
        if domains < c.constraint.min_domains:
            minimum = 0
        elif not domains:
            minimum = MAX_INT32
        elif few:
            minimum = min([value for value, counted in zip(values, present.tolist(), strict=True) if counted])
        else:
            minimum = int(sums[present].min())
        if few:
            limit = c.constraint.max_skew + minimum - self_match
            return tuple(value > limit for value in values)
        too_full: Bools = sums + self_match - minimum > c.constraint.max_skew
        return too_full.tobytes()

    def follow(self, node: int, pod: PodInfo, sign: int) -> npt.NDArray[np.intp] | None:
        return None  # the global minimum may move: recomputed (cheaply: see ``verdicts``)

    def _domain_sums(self) -> list[Ints]:
        """Per constraint, the matching pods per domain as of now: the last sums moved by the
        changes in the state's log since (a placement moves one domain's sum by one), or, when
        those are many or forgotten, counted again from ``PodGroups``."""
        state = self.context.state
        if self._sums is not None and state.position - self._synced == 1:  # one change: the usual
            changes: list[Change] | None = [state.last_change]
        else:
            changes = state.changes_since(self._synced) if self._sums is not None else None
        if self._sums is None or changes is None or len(changes) > FOLLOWED:
            self._sums = [c.domain_sums(c.counted) for c in self.constraints]
        else:
            for node, pod, sign in changes:
                for c, sums, counts in zip(self.constraints, self._sums, self._counted(pod), strict=True):
                    if counts and c.counted.item(node):
                        code = c.codes.item(node)
                        sums[code] = sums.item(code) + sign
        self._synced = state.position
        return self._sums

    def _counted(self, pod: PodInfo) -> list[bool]:
        """Per constraint, whether ``pod`` is one it counts (``_Constraint.matching_pods``)."""
        key = (pod.requirements, pod.terminating)
        found = self._counted_for.get(key)
        if found is None:
            if len(self._counted_for) >= FOLLOWED * FOLLOWED:
                self._counted_for.clear()
            counts = not pod.terminating and pod.namespace == self.context.pod.namespace
            found = self._counted_for[key] = [
                counts and c.selects and c.constraint.selector.matches(pod.labels) for c in self.constraints
            ]
        return found


class _SpreadScore(_Watching):
    feasible_dependent = True

    def __init__(self, context: ClassContext, soft: tuple[SpreadConstraint, ...]) -> None:
        super().__init__(context, soft)
        keys = tuple(constraint.topology_key for constraint in soft)
        self.has_keys = has_keys(context.state.table, keys)
        self.every_node_has_keys = bool(self.has_keys.all())
        self.constraints = [_Constraint(context, constraint, keys) for constraint in soft]
        self._pods: list[Pods] | None = None
        self.hosts_only = all(c.topology_key == HOSTNAME_LABEL for c in soft)
        self.valid_skews = all(c.max_skew >= 1 for c in soft)

    def scores(self, feasible: Bools, *, inputs_changed: bool = True) -> Ints:
        # Feasible nodes missing a key are "ignored": 0. (Some node is feasible: see ``ScoreJob``.)
        scored = feasible if self.every_node_has_keys else feasible & self.has_keys
        if not self.every_node_has_keys and not scored.any():
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
        scored_count = int(np.count_nonzero(scored))
        weight = topology_weight(scored_count)
        counts_by_constraint: list[Ints | Floats]
        if len(pods) == 1 and self.constraints[0].groups_counted <= 1:  # one group: nodes listed once
            special, counts_by_constraint = pods[0][0], [pods[0][1]]
        else:
            special, where = np.unique(np.concatenate([nodes for nodes, _ in pods]), return_inverse=True)
            where, offset = where.reshape(-1), 0
            counts_by_constraint = []
            for nodes, counts in pods:
                listed = where[offset : offset + len(nodes)]
                counts_by_constraint.append(np.bincount(listed, weights=counts, minlength=len(special)))
                offset += len(nodes)
        base, totals = 0.0, np.zeros(len(special))
        for c, count in zip(self.constraints, counts_by_constraint, strict=True):
            skew = float(c.constraint.max_skew - 1)
            base = base + (0.0 * weight + skew)
            totals = totals + (count.astype(np.float64) * weight + skew)
        # Counts and weights (logarithms of 2 or more) are not negative, nor skews (maxSkew - 1)
        # when every maxSkew is valid (at least 1).
        nonnegative = self.valid_skews
        base_raw, raws = go_round_one(base), go_round(totals, nonnegative=nonnegative)
        special_scored = scored[special]
        candidates = raws[special_scored].tolist()
        if scored_count > np.count_nonzero(special_scored):
            candidates.append(base_raw)
        lowest, highest = min(candidates), max(candidates)
        if highest == 0:
            return np.where(scored, MAX_NODE_SCORE, 0)
        result = np.where(scored, go_div_one(MAX_NODE_SCORE * (highest + lowest - base_raw), highest), 0)
        numerator = MAX_NODE_SCORE * (highest + lowest - raws)
        # Scored numerators are then not negative either (raws <= highest): floor division.
        quotient = numerator // highest if nonnegative else go_div(numerator, highest)
        result[special] = np.where(special_scored, quotient, 0)
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
