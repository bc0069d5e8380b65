"""Why: the pods of one equivalence class (equal ``PodRequirements``, e.g. one ReplicaSet's) get
the same answers from every plugin on the same cluster, so the kernel evaluates a class once,
over every node, and then keeps that evaluation up to date as pods are placed instead of
starting again for the next replica. ``ClassEvaluation`` holds, per node in node order:

- the verdicts (status numbers, 0 passes) of its ``STATIC`` and ``GLOBAL`` filters; those of
  the ``LOCAL`` ones live in the ``LocalEvaluation`` it shares with classes asking alike;
- ``near_ok``: the ``STATIC`` and ``LOCAL`` filters pass; ``far_ok``: the ``GLOBAL`` ones do;
  ``feasible``: both;
- the weighted score totals: ``fixed`` (scores that never change) + the local ones + ``shared``
  (scores normalised over the feasible nodes, or depending on pods anywhere), and ``masked``:
  the total where feasible, else ``INFEASIBLE``. The decision is ``argmax(masked)``: the first
  node in node order with the highest total, the reference's tie-break.

Before each decision it reads the state's change log since it last looked. A placed or removed
pod changes the local answers on its node only; it changes ``GLOBAL`` ones (spreading, pod
affinity) only when it is a pod they care about, and those are recomputed over all nodes.
Shared scores are recomputed when their inputs or the feasible set changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import INFEASIBLE, Bools, Ids, Ints
from kube_actors.placement.jobs import ClassContext, FilterJob, Kind, ScoreJob
from kube_actors.placement.local_parts import REBUILD_SHARE
from kube_actors.placement.outcomes import not_placed
from kube_actors.placement.plans import ProfilePlan
from kube_actors.placement.statuses import PASSED
from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.pods import PodInfo

if TYPE_CHECKING:
    from kube_actors.placement.state import PlacementState

Change = tuple[int, PodInfo, int]  # (node position, pod, +1 placed / -1 removed)

FAR_REMEMBERED = 16
"""``far_ok`` arrays kept per class, by the (read-only) verdict arrays they were made from."""


class ClassEvaluation:
    def __init__(self, state: PlacementState, plan: ProfilePlan, pod: PodInfo) -> None:
        self.state = state
        self.plan = plan
        self.context = context = ClassContext(state, pod)
        self.names = state.table.names
        self.synced = state.position
        self.affinity_changes_seen = state.pod_groups.affinity_changes
        self._unschedulable: tuple[int, Decision] | None = None
        count = state.table.count
        self.rebuild_after = max(count // REBUILD_SHARE, 1)
        self.static = static = state.static_evaluation(plan, context)
        self.pre_filtered = static.pre_filtered
        if self.pre_filtered.stopped is not None:
            return
        self.local = state.local_evaluation(plan, context)
        self.static_ok = static.ok
        self.global_filters: list[tuple[int, FilterJob]] = [
            (position, job)
            for position, twin in enumerate(plan.filters)
            if twin.filter_kind is Kind.GLOBAL and (job := twin.filter_job(context)) is not None
        ]
        self.own_verdicts: dict[int, Ids] = {}  # the global filters', by position
        self._far_from: dict[int, tuple[Ids, Bools]] = {}  # read-only verdicts -> far_ok
        self.fixed: Ints = static.fixed
        self.shared_scores: list[tuple[ScoreJob, int]] = list(static.normalised)
        for twin, weight in plan.scores:
            if twin.score_kind is Kind.GLOBAL and (score := twin.score_job(context)) is not None:
                self.shared_scores.append((score, weight))
        self.global_scores = [job for job, _ in self.shared_scores if job.kind is Kind.GLOBAL]
        self.no_scores: Ints = np.zeros(count, dtype=np.int64)  # a part known to be all 0
        self.shared_parts: list[Ints] = [self.no_scores for _ in self.shared_scores]
        self._shared_stale = True
        self.watches_pods_without_terms = any(
            job.watches_pods_without_terms
            for job in [job for _, job in self.global_filters] + self.global_scores
        )
        self._recompute_all()

    # Keeping up with changes ----------------------------------------------------------------

    def _recompute_all(self) -> None:
        self.local.catch_up()
        self.near_ok = self.static_ok & self.local.ok
        self._recompute_far()
        self.feasible = self.near_ok & self.far_ok
        self._recompute_shared()

    def _recompute_far(self, moved: list[tuple[int, FilterJob]] | None = None) -> None:
        """Verdicts of the ``moved`` global filters (all by default) again, and ``far_ok``."""
        for slot, job in self.global_filters if moved is None else moved:
            self.own_verdicts[slot] = job.verdicts()
        rejecting = [
            verdicts for slot, _ in self.global_filters if (verdicts := self.own_verdicts[slot]).any()
        ]
        remembered = self._far_from.get(id(rejecting[0])) if len(rejecting) == 1 else None
        if remembered is not None and remembered[0] is rejecting[0]:
            # Verdicts seen before (a spreading filter reuses its read-only arrays).
            self.far_ok = remembered[1].copy()
            return
        far_ok = np.ones(len(self.fixed), dtype=np.bool_)
        for verdicts in rejecting:
            far_ok &= verdicts == PASSED
        self.far_ok = far_ok
        if len(rejecting) == 1 and not rejecting[0].flags.writeable:
            if len(self._far_from) >= FAR_REMEMBERED:
                self._far_from.clear()
            self._far_from[id(rejecting[0])] = (rejecting[0], far_ok.copy())

    @property
    def shared_follows_feasible(self) -> bool:
        """Whether a shared score reads the feasible set (as its maximum or its domains)."""
        return any(job.feasible_dependent for job, _ in self.shared_scores)

    def _recompute_shared(self, moved: list[ScoreJob] | None = None, feasible_changed: bool = True) -> None:
        """Shared scores again: of the ``moved`` jobs (all by default), and of those that read
        the feasible set if it changed; then the totals."""
        if not self.feasible.any():
            self._shared_stale = True  # scores are only computed for some feasible node
        else:
            everything = moved is None or self._shared_stale
            self._shared_stale = False
            for part, (job, weight) in enumerate(self.shared_scores):
                inputs_changed = everything or job in moved  # type: ignore[operator]
                if inputs_changed or (feasible_changed and job.feasible_dependent):
                    scores = job.scores(self.feasible, inputs_changed=inputs_changed)
                    self.shared_parts[part] = scores * weight if scores.any() else self.no_scores
        shared: Ints | None = None
        for scores in self.shared_parts:
            if scores is not self.no_scores:
                shared = scores.copy() if shared is None else shared + scores
        self.shared = self.no_scores if shared is None else shared
        self.totals = (
            self.fixed + self.local.total if shared is None else self.fixed + self.local.total + shared
        )
        self.masked: Ints = np.where(self.feasible, self.totals, INFEASIBLE)

    def _catch_up(self) -> None:
        state = self.state
        changes = state.changes_since(self.synced)
        self.synced = state.position
        affinity_changes_seen = self.affinity_changes_seen
        self.affinity_changes_seen = state.pod_groups.affinity_changes
        if changes is None:
            self._recompute_all()
            return
        if not changes:
            return
        self.local.catch_up()
        if len(changes) == 1:
            node, pod, _ = changes[0]
            if self._watches(pod):
                self._apply([node], changes)
            else:
                self._update_node(node)
            return
        nodes = list(dict.fromkeys(node for node, _, _ in changes))
        if len(nodes) > self.rebuild_after:
            self._recompute_all()
            return
        if self.watches_pods_without_terms:
            watched = changes
        elif affinity_changes_seen == self.affinity_changes_seen:
            watched = []  # no pod with terms came or went: nothing global moved
        else:
            watched = [change for change in changes if not change[1].requirements.pod_affinity.is_empty]
        self._apply(nodes, watched)

    def _watches(self, pod: PodInfo) -> bool:
        """Whether ``pod`` coming or going moves a ``GLOBAL`` verdict or score."""
        if not self.watches_pods_without_terms and pod.requirements.pod_affinity.is_empty:
            return False
        return any(job.affected_by(pod) for _, job in self.global_filters) or any(
            job.affected_by(pod) for job in self.global_scores
        )

    def _update_node(self, node: int) -> None:
        """The common case, kept short: pods changed on one node only, and nothing global moved."""
        near = self.static_ok.item(node) and self.local.ok.item(node)
        self.near_ok[node] = near
        total = self.fixed.item(node) + self.local.total.item(node) + self.shared.item(node)
        self.totals[node] = total
        passes = near and self.far_ok.item(node)
        if passes != self.feasible.item(node):
            self.feasible[node] = passes
            if self.shared_follows_feasible:
                self._recompute_shared([])
                return
        self.masked[node] = total if passes else INFEASIBLE

    def _apply(self, nodes: list[int], watched: list[Change]) -> None:
        """Pods came or went on ``nodes``; ``watched`` are the changes some ``GLOBAL`` job may
        care about. A moved global filter follows them itself when it can (reporting the nodes
        whose verdicts changed), else it is recomputed."""
        filters_moved = [
            (slot, job)
            for slot, job in self.global_filters
            if any(job.affected_by(pod) for _, pod, _ in watched)
        ]
        scores_moved = [
            job for job in self.global_scores if any(job.affected_by(pod) for _, pod, _ in watched)
        ]
        followed = [self._follow(job, watched) for _, job in filters_moved]
        if filters_moved and all(positions is not None for positions in followed):
            nodes = list(dict.fromkeys([*nodes, *(int(p) for positions in followed for p in positions)]))  # type: ignore[union-attr]
            filters_moved = []
        at: npt.NDArray[np.intp] = np.array(nodes, dtype=np.intp)
        self.near_ok[at] = self.static_ok[at] & self.local.ok[at]
        self.totals[at] = self.fixed[at] + self.local.total[at] + self.shared[at]
        if filters_moved:
            self._recompute_far(filters_moved)
            feasible = self.near_ok & self.far_ok
            flipped = not np.array_equal(feasible, self.feasible)
            self.feasible = feasible
        else:
            far_ok = np.ones(len(at), dtype=np.bool_)
            for slot, _ in self.global_filters:
                far_ok &= self.own_verdicts[slot][at] == PASSED
            self.far_ok[at] = far_ok
            passes = self.near_ok[at] & self.far_ok[at]
            flipped = bool((passes != self.feasible[at]).any())
            self.feasible[at] = passes
        if scores_moved or (flipped and self.shared_follows_feasible):
            self._recompute_shared(scores_moved, feasible_changed=flipped)
        elif filters_moved:
            self.masked = np.where(self.feasible, self.totals, INFEASIBLE)
        else:
            self.masked[at] = np.where(self.feasible[at], self.totals[at], INFEASIBLE)

    @staticmethod
    def _follow(job: FilterJob, changes: list[Change]) -> npt.NDArray[np.intp] | None:
        """The nodes whose verdicts ``job`` changed by following ``changes``; None if it cannot
        follow one of them (then it is recomputed, so following the others is harmless)."""
        positions = []
        for node, pod, sign in changes:
            if job.affected_by(pod):
                changed = job.follow(node, pod, sign)
                if changed is None:
                    return None
                positions.append(changed)
        return np.concatenate(positions) if positions else np.zeros(0, dtype=np.intp)

    # Deciding -------------------------------------------------------------------------------

    def decide(self, pod: PodInfo) -> Decision:
        """Where ``pod`` (of this class) goes on the cluster as it is now; nothing is assumed."""
        stopped = self.pre_filtered.stopped
        if stopped is not None:
            return replace(stopped, namespace=pod.namespace, pod_name=pod.name)
        self._catch_up()
        best = int(self.masked.argmax())
        total = self.masked.item(best)
        if total != INFEASIBLE:
            return Decision(pod.namespace, pod.name, node_name=self.names[best], score=total)
        if self._unschedulable is None or self._unschedulable[0] != self.synced:
            self._unschedulable = (
                self.synced,
                not_placed(
                    pod,
                    self.state.statuses,
                    self._verdicts_in_order(),
                    len(self.names),
                    self.pre_filtered.narrowed_by,
                ),
            )
        return replace(self._unschedulable[1], namespace=pod.namespace, pod_name=pod.name)

    def _verdicts_in_order(self) -> list[Ids]:
        """Every filter's verdicts in the profile's order, the nodes a PreFilter left out first."""
        verdicts = [] if self.pre_filtered.outside is None else [self.pre_filtered.outside]
        for position in range(len(self.plan.filters)):
            for source in (self.static.verdicts, self.local.verdicts, self.own_verdicts):
                if position in source:
                    verdicts.append(source[position])
        return verdicts
