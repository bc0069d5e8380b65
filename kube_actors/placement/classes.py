"""Why: the pods of one equivalence class (equal ``PodRequirements``, e.g. one ReplicaSet's) get
the same answers from every plugin on the same cluster, so the kernel evaluates a class once,
over every node, and then keeps that evaluation up to date as pods are placed instead of
starting again for the next replica. ``ClassEvaluation`` holds, per node in node order:

- the verdicts (status numbers, 0 passes) of its filters: the ``STATIC`` ones in the
  ``StaticEvaluation`` and the ``LOCAL`` ones in the ``LocalEvaluation`` it shares with classes
  asking alike, the ``GLOBAL`` ones in its ``GlobalVerdicts`` (``far``);
- ``other_ok``: the ``STATIC`` and ``GLOBAL`` filters pass; ``feasible``: the ``LOCAL`` ones
  too;
- the weighted score totals: ``other``, the scores but for the local ones (``fixed``, scores
  that never change, + ``shared``, scores normalised over the feasible nodes or depending on
  pods anywhere), and ``masked``: ``other`` + the local scores where feasible, else
  ``INFEASIBLE``. The decision is ``argmax(masked)``: the first node in node order with the
  highest total, the reference's tie-break.

Before each decision it reads the state's change log since it last looked. A placed or removed
pod changes the local answers on its node only; it changes ``GLOBAL`` ones (spreading, pod
affinity) only when it is a pod they care about (which jobs it moves is remembered per
requirements): a filter that can follow it reports the nodes whose verdicts changed (one
replica per host: one node), the others are recomputed. Shared scores are recomputed when
their inputs or the feasible set changed. The usual case, one pod placed since the last
decision, is updated with scalars at its node rather than numpy indexing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import INFEASIBLE, Bools, Ids, Ints
from kube_actors.placement.global_verdicts import GlobalVerdicts
from kube_actors.placement.jobs import Change, ClassContext, FilterJob, Kind, ScoreJob
from kube_actors.placement.local_parts import REBUILD_SHARE
from kube_actors.placement.outcomes import not_placed
from kube_actors.placement.plans import ProfilePlan
from kube_actors.placement.shared_scores import SharedScores
from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.pods import PodInfo, PodRequirements

if TYPE_CHECKING:
    from kube_actors.placement.state import PlacementState

Moved = tuple[tuple[tuple[int, FilterJob], ...], tuple[ScoreJob, ...]]
NOTHING_MOVED: Moved = ((), ())

MOVED_KEPT = 1024
"""Requirements whose ``_moved_by`` answer a class remembers."""


class ClassEvaluation:
    def __init__(self, state: PlacementState, plan: ProfilePlan, pod: PodInfo) -> None:
        self.state = state
        self.plan = plan
        self.context = context = ClassContext(state, pod)
        self.names = state.table.names
        self.synced = state.position
        self.affinity_changes_seen = state.pod_groups.affinity_changes
        self._unschedulable: tuple[int, Decision] | None = None
        self.chosen = -1
        """The position of the node ``decide`` chose last (when it chose one)."""
        self._moved: dict[tuple[PodRequirements, bool], Moved] = {}  # ``_moved_by``, remembered
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
        self.far = GlobalVerdicts(self.global_filters, count)
        self._static_everywhere = bool(self.static_ok.all())
        jobs: list[tuple[ScoreJob, int]] = list(static.normalised)
        for twin, weight in plan.scores:
            if twin.score_kind is Kind.GLOBAL and (score := twin.score_job(context)) is not None:
                jobs.append((score, weight))
        self.shared = SharedScores(jobs, static.fixed, state.no_scores)
        self.global_scores = self.shared.global_jobs
        self.other: Ints = self.shared.other
        self.watches_pods_without_terms = any(
            job.watches_pods_without_terms
            for job in [job for _, job in self.global_filters] + self.global_scores
        )
        self._recompute_all()

    # Keeping up with changes ----------------------------------------------------------------

    def _recompute_all(self) -> None:
        self.local.catch_up()
        if self.global_filters:
            self.far.recompute()
        self._combine_other_ok()
        self.feasible = self.other_ok & self.local.ok
        self._recompute_shared()

    def _combine_other_ok(self) -> None:
        """``other_ok`` from the static and global verdicts; one of them itself when the other
        passes everywhere (then shared: ``_writable_other_ok`` copies it before a change)."""
        if self.far.ok is self.far.everywhere:
            self.other_ok = self.static_ok
        elif self._static_everywhere:
            self.other_ok = self.far.ok
        else:
            self.other_ok = self.static_ok & self.far.ok

    def _writable_other_ok(self) -> Bools:
        other_ok = self.other_ok
        if other_ok is self.static_ok or other_ok is self.far.ok or not other_ok.flags.writeable:
            self.other_ok = other_ok.copy()
        return self.other_ok

    def _recompute_shared(self, moved: list[ScoreJob] | None = None, feasible_changed: bool = True) -> None:
        """Shared scores again (``SharedScores.recompute``); then the totals."""
        self.shared.recompute(self.feasible, moved, feasible_changed)
        self.other = self.shared.other
        self.masked: Ints = np.where(self.feasible, self.other + self.local.total, INFEASIBLE)

    def _catch_up(self) -> None:
        state = self.state
        behind = state.position - self.synced
        if not behind:
            return
        if behind == 1:  # the usual case: the pod this class placed last, or one other
            node, change = state.last_node, state.last_change
            self.synced = state.position
            self.affinity_changes_seen = state.pod_groups.affinity_changes
            self.local.catch_up()
            moved = self._moved_by(change[1])
            if moved is NOTHING_MOVED:
                self._update_node(node)
            else:
                self._apply_one(node, change, moved)
            return
        affinity_changes_seen = self.affinity_changes_seen
        self.affinity_changes_seen = state.pod_groups.affinity_changes
        nodes = state.nodes_changed_since(self.synced)
        if nodes is None or len(nodes) > self.rebuild_after:
            self.synced = state.position
            self._recompute_all()
            return
        watched: list[Change] = []  # the changes a global job may care about
        if self.watches_pods_without_terms:
            watched = state.changes_since(self.synced) or []
        elif affinity_changes_seen != self.affinity_changes_seen:  # a pod with terms came or went
            changes = state.changes_since(self.synced) or []
            watched = [change for change in changes if not change[1].requirements.pod_affinity.is_empty]
        self.synced = state.position
        self.local.catch_up()
        self._apply(nodes, watched)

    def _moved_by(self, pod: PodInfo) -> Moved:
        """The ``GLOBAL`` filters (with their slots) and scores that ``pod`` coming or going
        moves (``NOTHING_MOVED`` itself when none); remembered by its requirements and whether
        it terminates, all the jobs' ``affected_by`` read."""
        key = (pod.requirements, pod.terminating)
        found = self._moved.get(key)
        if found is None:
            if not self.watches_pods_without_terms and pod.requirements.pod_affinity.is_empty:
                found = NOTHING_MOVED
            else:
                found = (
                    tuple((slot, job) for slot, job in self.global_filters if job.affected_by(pod)),
                    tuple(job for job in self.global_scores if job.affected_by(pod)),
                )
                if found == NOTHING_MOVED:
                    found = NOTHING_MOVED
            if len(self._moved) >= MOVED_KEPT:
                self._moved.clear()
            self._moved[key] = found
        return found

    def _update_node(
        self, node: int, *, far_moved: bool = False, scores_moved: list[ScoreJob] | None = None
    ) -> None:
        """The common case, kept short: pods changed on one node only, and global verdicts, if
        they moved (``far_moved``), only there; ``scores_moved``: global scores to recompute."""
        local = self.local
        if far_moved:
            far = self.far.passes_at(node)
            if far != self.far.ok.item(node):
                self.far.writable_ok()[node] = far
            other_ok = self._writable_other_ok()[node] = far and self.static_ok.item(node)
            passes = other_ok and local.ok.item(node)
        else:
            passes = self.other_ok.item(node) and local.ok.item(node)
        flipped = passes != self.feasible.item(node)
        if flipped:
            self.feasible[node] = passes
        if scores_moved or (flipped and self.shared.follow_feasible):
            self._recompute_shared(scores_moved or [], feasible_changed=flipped)
            return
        self.masked[node] = self.other.item(node) + local.total.item(node) if passes else INFEASIBLE

    def _apply(self, nodes: npt.NDArray[np.intp], watched: list[Change]) -> None:
        """Pods came or went on ``nodes`` (a node may be listed more than once); ``watched`` are
        the changes some ``GLOBAL`` job may care about. A moved global filter follows them
        itself when it can (reporting the nodes whose verdicts changed), else it is recomputed."""
        moved = [self._moved_by(pod) for _, pod, _ in watched]
        filters_moved = [
            entry for entry in self.global_filters if any(entry in filters for filters, _ in moved)
        ]
        scores_moved = [job for job in self.global_scores if any(job in scores for _, scores in moved)]
        verdicts_moved = bool(filters_moved)
        if filters_moved:
            followed = [self._follow(job, watched) for _, job in filters_moved]
            if all(positions is not None for positions in followed):
                changed: list[npt.NDArray[np.intp]] = []
                for (slot, _), positions in zip(filters_moved, followed, strict=True):
                    if positions is not None and len(positions):
                        changed.append(positions)
                        self.far.followed(slot, positions)
                extra = np.concatenate(changed) if len(changed) > 1 else changed[0] if changed else nodes
                if len(nodes) != 1 or not (extra == nodes.item(0)).all():  # else only the placement's
                    nodes = np.concatenate([nodes, extra])
                filters_moved = []
        if not filters_moved and len(nodes) == 1:  # one placement, its verdicts followed
            self._update_node(nodes.item(0), far_moved=verdicts_moved, scores_moved=scores_moved)
            return
        if filters_moved:
            self._refilter(filters_moved, scores_moved)
            return
        self._update_nodes(nodes, far_moved=verdicts_moved, scores_moved=scores_moved)

    def _apply_one(self, node: int, change: Change, moved: Moved) -> None:
        """``_apply`` for the one change of a placement on ``node``, which ``moved`` some
        global jobs (the usual case for a class with spreading or pod affinity: its own
        replica placed), without the bookkeeping several changes need."""
        filters, scores = moved
        scores_moved = list(scores)
        if not filters:
            self._update_node(node, scores_moved=scores_moved)
            return
        _, pod, sign = change
        changed: list[npt.NDArray[np.intp]] = []
        for slot, job in filters:
            positions = job.follow(node, pod, sign)
            if positions is None:  # recomputed, so the verdicts others followed are rewritten
                self._refilter(list(filters), scores_moved)
                return
            if len(positions):
                self.far.followed(slot, positions)
                if len(positions) != 1 or positions.item(0) != node:
                    changed.append(positions)
        if not changed:  # their verdicts changed on the placement's node only, if at all
            self._update_node(node, far_moved=True, scores_moved=scores_moved)
            return
        at = np.concatenate([np.array([node], dtype=np.intp), *changed])
        self._update_nodes(at, far_moved=True, scores_moved=scores_moved)

    def _refilter(self, filters_moved: list[tuple[int, FilterJob]], scores_moved: list[ScoreJob]) -> None:
        """The moved global filters recomputed, and what follows from their verdicts."""
        self.far.recompute(filters_moved)
        self._combine_other_ok()
        feasible = self.other_ok & self.local.ok
        # Only scores that read the feasible set care whether it changed.
        flipped = self.shared.others_follow_feasible(scores_moved) and not np.array_equal(
            feasible, self.feasible
        )
        self.feasible = feasible
        if scores_moved or flipped:
            self._recompute_shared(scores_moved, feasible_changed=flipped)
        else:
            self.masked = np.where(feasible, self.other + self.local.total, INFEASIBLE)

    def _update_nodes(
        self, at: npt.NDArray[np.intp], *, far_moved: bool, scores_moved: list[ScoreJob]
    ) -> None:
        """``_update_node`` for several nodes, with numpy over them."""
        if far_moved:
            far = self.far.passes(at)
            self.far.writable_ok()[at] = far
            self._writable_other_ok()[at] = self.static_ok[at] & far
        passes = self.other_ok[at] & self.local.ok[at]
        flipped = (scores_moved or self.shared.follow_feasible) and bool((passes != self.feasible[at]).any())
        self.feasible[at] = passes
        if scores_moved or (flipped and self.shared.follow_feasible):
            self._recompute_shared(scores_moved, feasible_changed=flipped)
        else:
            self.masked[at] = np.where(passes, self.other[at] + self.local.total[at], INFEASIBLE)

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
        return self._choose(pod)

    def place_run(self, pods: Sequence[PodInfo], decisions: list[Decision]) -> None:
        """``decide`` for each of ``pods`` (replicas of this class, one after another), each
        assumed on its node before the next is decided; the decisions are appended to
        ``decisions``. When a pod's own placement moves nothing ``GLOBAL`` of its class and its
        local plugins are rescored in one pass, the next replica needs only that node rescored:
        it stays feasible (it fits again, and its other verdicts did not move) and the shared
        scores stay as they are, so its total is all that changes."""
        state = self.state
        first = pods[0]
        requirements = first.requirements
        one_pass = (
            self.pre_filtered.stopped is None
            and self.local.rescoring is not None
            and requirements.pod_affinity.is_empty
            and not first.terminating
            and self._moved_by(first) is NOTHING_MOVED
        )
        previous: PodInfo | None = None
        for pod in pods:
            if (
                one_pass
                and previous is not None
                and state.last_pod is previous
                and state.position - self.synced == 1
                and not previous.terminating  # as ``first``, whose placement moved nothing
            ):
                node = self.chosen
                total = self.local.placed_again(node)
                if total is None:  # it no longer fits there: the whole story
                    self._catch_up()
                else:
                    self.synced = state.position
                    self.masked[node] = self.other.item(node) + total
                decision = self._choose(pod)
            else:
                decision = self.decide(pod)
            decisions.append(decision)
            if decision.node_name is None:
                previous = None
            else:
                state.assume_at(pod, self.chosen)
                previous = pod

    def _choose(self, pod: PodInfo) -> Decision:
        """The decision on the evaluation as it is (caught up)."""
        masked = self.masked
        best = self.chosen = int(masked.argmax())
        total = masked.item(best)
        if total != INFEASIBLE:
            return Decision(pod.requirements.namespace, pod.name, self.names[best], total)
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
            if position in self.static.verdicts:
                verdicts.append(self.static.verdicts[position])
            if position in self.local.verdicts:
                verdicts.append(self.local.verdicts_of(position))
            if position in self.far.verdicts:
                verdicts.append(self.far.verdicts[position])
        return verdicts
