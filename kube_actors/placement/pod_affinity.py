"""Why: InterPodAffinity over every node at once. A pod's required and preferred terms, and the
terms of pods already placed, count matching pods per topology domain, so the plugin is
``GLOBAL``: recomputed when a pod one of the terms involves is placed or removed.

Counting is sparse, from the few nodes that hold matching pods rather than over all nodes:
``PodGroups`` gives those nodes (label groups for the class's own terms, indexed affinity groups
for placed pods' terms), their counts are summed per domain of the term's topology key, and the
nodes of the domains that hold any are found through ``NodeTable.nodes_in``. So "one replica
per host" touches a handful of nodes per placement, not every node. The filter keeps the
reference's order of checks (affinity, anti-affinity, existing pods' anti-affinity) and its
"first pod of a group" rule; the score is the reference's sum over domains, min-max normalised
over the feasible nodes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Bools, Ids, Ints
from kube_actors.placement.jobs import ClassContext, FilterJob, Kind, ScoreJob, Twin
from kube_actors.placement.pod_groups import PodGroup
from kube_actors.placement.statuses import PASSED
from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE
from kube_actors.scheduling.framework import unresolvable, unschedulable
from kube_actors.scheduling.plugins.inter_pod_affinity import (
    AFFINITY_REASON,
    ANTI_AFFINITY_REASON,
    EXISTING_ANTI_AFFINITY_REASON,
    InterPodAffinity,
)
from kube_actors.scheduling.pod_affinity import AffinityTerm
from kube_actors.scheduling.pods import PodInfo

Positions = npt.NDArray[np.intp]
Pods = tuple[Positions, Ints]  # (node positions, pods on each); a node may be listed twice

NO_NODES: Positions = np.zeros(0, dtype=np.intp)
NO_NODES.setflags(write=False)
REMEMBERED = 256
"""Requirements of placed pods whose effect on a class's verdicts a filter remembers."""


class _Terms:
    """Counting helpers shared by the filter and the score of one class."""

    def __init__(self, context: ClassContext) -> None:
        self.context = context
        self.table = context.state.table
        self.groups = context.state.pod_groups
        self.own_namespace = context.namespace_labels(context.pod.namespace)
        self._affected: dict[object, bool] = {}

    def term_groups(self, term: AffinityTerm) -> list[PodGroup]:
        """The label groups (any namespace, terminating pods included) ``term`` selects."""
        found: list[PodGroup] = []
        for namespace in self.groups.namespaces:
            if namespace in term.namespaces or term.namespace_selector.matches(
                self.context.namespace_labels(namespace)
            ):
                found += self.groups.matching(namespace, term.selector)
        return found

    def matches(self, term: AffinityTerm, pod: PodInfo) -> bool:
        return term.matches(pod.namespace, pod.labels, self.context.namespace_labels(pod.namespace))

    def domains(self, key: str, pods: Pods) -> tuple[Ids, Ints]:
        """The value codes of ``key`` whose nodes hold a nonzero sum of ``pods``, with the sums."""
        column = self.table.labels.get(key)
        nodes, counts = pods
        if column is None or not len(nodes):
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        codes = column.codes[nodes]
        keep = codes >= 0
        domains, inverse = np.unique(codes[keep], return_inverse=True)
        sums = np.bincount(inverse.reshape(-1), weights=counts[keep], minlength=len(domains)).astype(np.int64)
        nonzero = sums != 0
        return domains[nonzero].astype(np.int32), sums[nonzero]

    def crowded(self, key: str, pods: Pods) -> Positions:
        """The nodes whose domain of ``key`` holds any of ``pods``."""
        return self.table.nodes_in(key, self.domains(key, pods)[0])[0]

    def placed_terms(self, kinds: Iterable[str]) -> list[tuple[str, AffinityTerm, int, PodGroup]]:
        wanted = set(kinds)
        return [
            (placed.kind, placed.term, placed.weight, placed.group)
            for placed in self.groups.terms_selecting(self.context.pod, self.own_namespace)
            if placed.kind in wanted
        ]

    def affected(self, pod: PodInfo, own_terms: Iterable[AffinityTerm], their_kinds: Iterable[str]) -> bool:
        """Whether ``pod`` matches one of ``own_terms``, or has a term of ``their_kinds`` that
        matches the class's pod."""
        key = (pod.requirements, tuple(their_kinds))
        found = self._affected.get(key)
        if found is None:
            theirs = pod.requirements.pod_affinity
            candidates = {
                "required_anti_affinity": theirs.required_anti_affinity,
                "required_affinity": theirs.required_affinity,
                "preferred_affinity": tuple(w.term for w in theirs.preferred_affinity),
                "preferred_anti_affinity": tuple(w.term for w in theirs.preferred_anti_affinity),
            }
            found = self._affected[key] = any(self.matches(term, pod) for term in own_terms) or any(
                self.matches(term, self.context.pod) for kind in key[1] for term in candidates[kind]
            )
        return found


def pods_of(groups: Iterable[PodGroup]) -> Pods:
    """The pods of ``groups`` as node positions and counts."""
    nodes: list[int] = []
    counts: list[int] = []
    for group in groups:
        nodes += group.nodes.keys()
        counts += group.nodes.values()
    return np.array(nodes, dtype=np.intp), np.array(counts, dtype=np.int64)


class _AffinityFilter:
    kind = Kind.GLOBAL

    def __init__(self, context: ClassContext, plugin: InterPodAffinity) -> None:
        self.terms = _Terms(context)
        self.pod_affinity = context.requirements.pod_affinity
        self.own_terms = self.pod_affinity.required_affinity + self.pod_affinity.required_anti_affinity
        self.watches_pods_without_terms = bool(self.own_terms)
        affinity = self.pod_affinity.required_affinity
        self.matches_own = bool(affinity) and all(self.terms.matches(t, context.pod) for t in affinity)
        self.has_keys = np.ones(self.terms.table.count, dtype=np.bool_)
        for term in affinity:
            self.has_keys &= self.terms.table.label_present(term.topology_key)
        statuses = context.state.statuses
        self.rejected_affinity = statuses.remembered(unresolvable, AFFINITY_REASON, plugin.name)
        self.rejected_anti_affinity = statuses.remembered(unschedulable, ANTI_AFFINITY_REASON, plugin.name)
        self.rejected_existing = statuses.remembered(
            unschedulable, EXISTING_ANTI_AFFINITY_REASON, plugin.name
        )
        checks = (self.rejected_affinity, self.rejected_anti_affinity, self.rejected_existing)
        self._order = np.zeros(max(checks) + 1, dtype=np.int32)  # status number -> place in the checks
        self._order[list(checks)] = [1, 2, 3]
        self._verdicts = np.zeros(self.terms.table.count, dtype=np.int32)
        self._rejections: dict[object, list[tuple[str, int]] | None] = {}

    def verdicts(self) -> Ids:
        terms = self.terms
        verdicts = self._verdicts = np.zeros(terms.table.count, dtype=np.int32)
        if self.pod_affinity.required_affinity:
            verdicts[~self._satisfies_affinity()] = self.rejected_affinity
        for term in self.pod_affinity.required_anti_affinity:
            self._reject(
                terms.crowded(term.topology_key, pods_of(terms.term_groups(term))),
                self.rejected_anti_affinity,
            )
        if terms.groups.affinity_pods:  # else no placed pod has terms that could reject
            for _, term, _, group in terms.placed_terms(["required_anti_affinity"]):
                self._reject(terms.crowded(term.topology_key, pods_of([group])), self.rejected_existing)
        return verdicts

    def follow(self, node: int, pod: PodInfo, sign: int) -> npt.NDArray[np.intp] | None:
        """A pod placed can only add rejections: anti-affinity (the class's, or the pod's own
        toward the class) in the domains of its node. A removal, or a pod the class's required
        affinity may count, is recomputed."""
        if sign < 0:
            return None
        rejections = self._rejections_by(pod)
        if rejections is None:
            return None
        table = self.terms.table
        changed = [
            nodes
            for key, status in rejections
            if len(nodes := self._reject(table.domain_of(key, node), status))
        ]
        if len(changed) == 1:
            return changed[0]
        return np.concatenate(changed) if changed else NO_NODES

    def _rejections_by(self, pod: PodInfo) -> list[tuple[str, int]] | None:
        """What placing ``pod`` does to the verdicts: (topology key, status) for each
        anti-affinity term that now rejects the domain of its node; None when the class's
        required affinity may count it (recomputed then). Remembered per requirements, which
        decide the matching."""
        key = pod.requirements
        if key in self._rejections:
            return self._rejections[key]
        terms = self.terms
        rejections: list[tuple[str, int]] | None = None
        if not any(terms.matches(term, pod) for term in self.pod_affinity.required_affinity):
            rejections = [
                (term.topology_key, self.rejected_anti_affinity)
                for term in self.pod_affinity.required_anti_affinity
                if terms.matches(term, pod)
            ]
            rejections += [
                (term.topology_key, self.rejected_existing)
                for term in pod.requirements.pod_affinity.required_anti_affinity
                if terms.matches(term, terms.context.pod)
            ]
        if len(self._rejections) >= REMEMBERED:
            self._rejections.clear()
        self._rejections[key] = rejections
        return rejections

    def _reject(self, nodes: Positions, status: int) -> Positions:
        """Give ``nodes`` the verdict ``status`` where no earlier check (in the reference's
        order: affinity, anti-affinity, existing pods' anti-affinity) rejected them; returns the
        nodes whose verdict changed."""
        verdicts = self._verdicts
        if not len(nodes):
            return NO_NODES
        if len(nodes) == 1:  # a host's domain, the usual one: by scalars
            verdict = verdicts.item(int(nodes[0]))
            if verdict == PASSED or self._order.item(verdict) > self._order.item(status):
                verdicts[nodes] = status
                return nodes
            return NO_NODES
        current = verdicts[nodes]
        later = (current == PASSED) | (self._order[current] > self._order[status])
        changed: Positions = nodes[later]
        verdicts[changed] = status
        return changed

    def _satisfies_affinity(self) -> Bools:
        terms, table = self.terms, self.terms.table
        first, *others = self.pod_affinity.required_affinity
        groups = [
            group
            for group in terms.term_groups(first)
            if all(
                other.matches(group.namespace, group.labels, terms.context.namespace_labels(group.namespace))
                for other in others
            )
        ]
        matching_all = pods_of(groups)
        pods_exist = np.ones(table.count, dtype=np.bool_)
        anywhere = False
        for term in self.pod_affinity.required_affinity:
            in_domain = np.zeros(table.count, dtype=np.bool_)
            in_domain[terms.crowded(term.topology_key, matching_all)] = True
            pods_exist &= in_domain
            anywhere = anywhere or bool(table.label_present(term.topology_key)[matching_all[0]].any())
        first_of_group = not anywhere and self.matches_own
        return self.has_keys & (pods_exist | first_of_group)

    def affected_by(self, pod: PodInfo) -> bool:
        if self.own_terms or pod.requirements.pod_affinity.required_anti_affinity:
            return self.terms.affected(pod, self.own_terms, ("required_anti_affinity",))
        return False


class _AffinityScore:
    kind = Kind.GLOBAL

    def __init__(self, context: ClassContext, plugin: InterPodAffinity) -> None:
        self.terms = _Terms(context)
        self.plugin = plugin
        affinity = context.requirements.pod_affinity
        self.preferred = [(w.term, w.weight) for w in affinity.preferred_affinity] + [
            (w.term, -w.weight) for w in affinity.preferred_anti_affinity
        ]
        self.watches_pods_without_terms = bool(self.preferred)
        self._raw: Ints | None = None
        self._constant = False
        self.their_kinds = ["preferred_affinity", "preferred_anti_affinity"]
        if plugin.hard_pod_affinity_weight > 0:
            self.their_kinds.append("required_affinity")

    @property
    def feasible_dependent(self) -> bool:
        """Equal raw scores everywhere (no term matched anything) normalise to 0 whatever the
        feasible set; otherwise the minimum and maximum over it matter."""
        return not self._constant

    def raw(self) -> Ints | None:
        """Per node, the sum over its domains of the weights of the terms that matched pods
        there; None when no term matched any pod (all 0)."""
        terms, table = self.terms, self.terms.table
        by_key: dict[str, tuple[list[Positions], list[Ints]]] = {}

        def add(key: str, pods: Pods, amount: int) -> None:
            nodes, amounts = by_key.setdefault(key, ([], []))
            nodes.append(pods[0])
            amounts.append(pods[1] * amount)

        for term, weight in self.preferred:
            add(term.topology_key, pods_of(terms.term_groups(term)), weight)
        for kind, term, weight, group in terms.placed_terms(self.their_kinds):
            amount = self.plugin.hard_pod_affinity_weight if kind == "required_affinity" else weight
            add(term.topology_key, pods_of([group]), -amount if kind == "preferred_anti_affinity" else amount)
        if not by_key:
            return None
        raw = np.zeros(table.count, dtype=np.int64)
        for key, (nodes, amounts) in by_key.items():
            domains, sums = terms.domains(key, (np.concatenate(nodes), np.concatenate(amounts)))
            members, which = table.nodes_in(key, domains)
            raw[members] += sums[which]
        return raw

    def scores(self, feasible: Bools, *, inputs_changed: bool = True) -> Ints:
        if inputs_changed or self._raw is None:
            self._raw = self.raw() if self.preferred or self.terms.groups.affinity_pods else None
            self._constant = self._raw is None or self._raw.min() == self._raw.max()
        if self._constant or self._raw is None:
            return self.terms.context.state.no_scores
        raw = self._raw
        lowest = int(np.where(feasible, raw, np.iinfo(np.int64).max).min())
        highest = int(np.where(feasible, raw, np.iinfo(np.int64).min).max())
        spread = highest - lowest
        if spread <= 0:
            return np.zeros_like(raw)
        scaled = float(MAX_NODE_SCORE) * ((raw - lowest).astype(np.float64) / float(spread))
        return np.where(feasible, scaled, 0.0).astype(np.int64)

    def affected_by(self, pod: PodInfo) -> bool:
        if self.preferred or not pod.requirements.pod_affinity.is_empty:
            return self.terms.affected(pod, [term for term, _ in self.preferred], self.their_kinds)
        return False


class InterPodAffinityTwin(Twin[InterPodAffinity]):
    filter_kind = Kind.GLOBAL
    score_kind = Kind.GLOBAL

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        return _AffinityFilter(context, self.plugin)

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        return _AffinityScore(context, self.plugin)
