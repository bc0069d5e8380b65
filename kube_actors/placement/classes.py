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
affinity) only when it is a pod they care about (which jobs it moves is remembered per
requirements): a filter that can follow it reports the nodes whose verdicts changed (one
replica per host: one node), the others are recomputed. Shared scores are recomputed when
their inputs or the feasible set changed. The usual case, one pod placed since the last
decision, is updated with scalars at its node rather than numpy indexing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import INFEASIBLE, Bools, Ids, Ints
from kube_actors.placement.jobs import Change, ClassContext, FilterJob, Kind, ScoreJob
from kube_actors.placement.local_parts import REBUILD_SHARE
from kube_actors.placement.outcomes import not_placed
from kube_actors.placement.plans import ProfilePlan
from kube_actors.placement.statuses import PASSED
from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.pods import PodInfo, PodRequirements

if TYPE_CHECKING:
    from kube_actors.placement.state import PlacementState

Moved = tuple[tuple[tuple[int, FilterJob], ...], tuple[ScoreJob, ...]]
NOTHING_MOVED: Moved = ((), ())

MOVED_KEPT = 1024
"""Requirements whose ``_moved_by`` answer a class remembers."""
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
        self.own_verdicts: dict[int, Ids] = {}  # the global filters', by position
        self._rejects: dict[int, bool] = {}  # whether they reject any node
        self._rejects_of: dict[int, tuple[Ids, bool]] = {}  # the same, by read-only verdicts
        self._far_from: dict[int, tuple[Ids, Bools]] = {}  # read-only verdicts -> far_ok (read-only)
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
        self.base = self.fixed + self.local.total  # the totals but for the shared scores
        self._recompute_far()
        self.feasible = self.near_ok & self.far_ok
        self._recompute_shared()

    def _recompute_far(self, moved: list[tuple[int, FilterJob]] | None = None) -> None:
        """Verdicts of the ``moved`` global filters (all by default) again, and ``far_ok``
        (read-only when remembered: ``_writable_far_ok`` copies it before a change)."""
        for slot, job in self.global_filters if moved is None else moved:
            verdicts = self.own_verdicts[slot] = job.verdicts()
            known = self._rejects_of.get(id(verdicts))
            if known is not None and known[0] is verdicts:
                self._rejects[slot] = known[1]  # a read-only array seen before (spreading's)
                continue
            self._rejects[slot] = rejects = bool(verdicts.any())
            if not verdicts.flags.writeable:
                if len(self._rejects_of) >= FAR_REMEMBERED:
                    self._rejects_of.clear()
                self._rejects_of[id(verdicts)] = (verdicts, rejects)
        rejecting = [self.own_verdicts[slot] for slot, _ in self.global_filters if self._rejects[slot]]
        rememberable = len(rejecting) == 1 and not rejecting[0].flags.writeable
        if rememberable:
            remembered = self._far_from.get(id(rejecting[0]))
            if remembered is not None and remembered[0] is rejecting[0]:
                # Verdicts seen before (a spreading filter reuses its read-only arrays).
                self.far_ok = remembered[1]
                return
        far_ok = np.ones(len(self.fixed), dtype=np.bool_)
        for verdicts in rejecting:
            far_ok &= verdicts == PASSED
        self.far_ok = far_ok
        if rememberable:
            if len(self._far_from) >= FAR_REMEMBERED:
                self._far_from.clear()
            far_ok.setflags(write=False)
            self._far_from[id(rejecting[0])] = (rejecting[0], far_ok)

    def _writable_far_ok(self) -> Bools:
        if not self.far_ok.flags.writeable:
            self.far_ok = self.far_ok.copy()
        return self.far_ok

    @property
    def shared_follows_feasible(self) -> bool:
        """Whether a shared score reads the feasible set (as its maximum or its domains)."""
        return any(job.feasible_dependent for job, _ in self.shared_scores)

    def _others_follow_feasible(self, moved: list[ScoreJob]) -> bool:
        """Whether a shared score besides the ``moved`` ones (recomputed anyway) reads the
        feasible set: only then does it matter whether that set changed."""
        return any(job.feasible_dependent and job not in moved for job, _ in self.shared_scores)

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
        for scores in self.shared_parts:  # fresh arrays, never changed in place: no copy needed
            if scores is not self.no_scores:
                shared = scores if shared is None else shared + scores
        self.shared = self.no_scores if shared is None else shared
        self.totals = self.base.copy() if shared is None else self.base + shared
        self.masked: Ints = np.where(self.feasible, self.totals, INFEASIBLE)

    def _catch_up(self) -> None:
        state = self.state
        behind = state.position - self.synced
        if not behind:
            return
        if behind == 1:  # the usual case: the pod this class placed last, or one other
            node, pod = state.last_node, state.last_pod
            self.synced = state.position
            self.affinity_changes_seen = state.pod_groups.affinity_changes
            self.local.catch_up()
            if self._moved_by(pod) == NOTHING_MOVED:
                self._update_node(node)
            else:
                self._apply([node], [state.last_change])
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
        moves; remembered by its requirements and whether it terminates, all the jobs'
        ``affected_by`` read."""
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
            if len(self._moved) >= MOVED_KEPT:
                self._moved.clear()
            self._moved[key] = found
        return found

    def _update_node(
        self, node: int, *, far_moved: bool = False, scores_moved: list[ScoreJob] | None = None
    ) -> None:
        """The common case, kept short: pods changed on one node only, and global verdicts, if
        they moved (``far_moved``), only there; ``scores_moved``: global scores to recompute."""
        near = self.static_ok.item(node) and self.local.ok.item(node)
        self.near_ok[node] = near
        base = self.base[node] = self.fixed.item(node) + self.local.total.item(node)
        total = self.totals[node] = base + self.shared.item(node)
        far = self.far_ok.item(node)
        if far_moved:
            passed = True
            for slot, _ in self.global_filters:
                if self.own_verdicts[slot].item(node) != PASSED:
                    passed = False
                    break
            if passed != far:
                far = self._writable_far_ok()[node] = passed
        passes = near and far
        flipped = passes != self.feasible.item(node)
        if flipped:
            self.feasible[node] = passes
        if scores_moved or (flipped and self.shared_follows_feasible):
            self._recompute_shared(scores_moved or [], feasible_changed=flipped)
            return
        self.masked[node] = total if passes else INFEASIBLE

    def _apply(self, nodes: list[int], watched: list[Change]) -> None:
        """Pods came or went on ``nodes``; ``watched`` are the changes some ``GLOBAL`` job may
        care about. A moved global filter follows them itself when it can (reporting the nodes
        whose verdicts changed), else it is recomputed."""
        moved = [self._moved_by(pod) for _, pod, _ in watched]
        filters_moved = [
            entry for entry in self.global_filters if any(entry in filters for filters, _ in moved)
        ]
        scores_moved = [job for job in self.global_scores if any(job in scores for _, scores in moved)]
        verdicts_moved = bool(filters_moved)
        if filters_moved:
            followed = [self._follow(job, watched) for _, job in filters_moved]
            if all(positions is not None for positions in followed):
                changed: list[int] = []
                for (slot, _), positions in zip(filters_moved, followed, strict=True):
                    if positions is not None and len(positions):
                        changed += positions.tolist()
                        # Whether it rejects some node now: only the nodes it changed can say yes.
                        if not self._rejects[slot]:
                            self._rejects[slot] = bool((self.own_verdicts[slot][positions] != PASSED).any())
                nodes = list(dict.fromkeys([*nodes, *changed]))
                filters_moved = []
        if not filters_moved and len(nodes) == 1:  # one placement, its verdicts followed
            self._update_node(nodes[0], far_moved=verdicts_moved, scores_moved=scores_moved)
            return
        if filters_moved:
            self._refresh_near(nodes)
            self._recompute_far(filters_moved)
            feasible = self.near_ok & self.far_ok
            # Only scores that read the feasible set care whether it changed.
            flipped = self._others_follow_feasible(scores_moved) and not np.array_equal(
                feasible, self.feasible
            )
            self.feasible = feasible
            if scores_moved or flipped:
                self._recompute_shared(scores_moved, feasible_changed=flipped)
            else:
                self.masked = np.where(feasible, self.totals, INFEASIBLE)
            return
        self._update_nodes(
            np.array(nodes, dtype=np.intp), far_moved=verdicts_moved, scores_moved=scores_moved
        )

    def _update_nodes(
        self, at: npt.NDArray[np.intp], *, far_moved: bool, scores_moved: list[ScoreJob]
    ) -> None:
        """``_update_node`` for several nodes, with numpy over them."""
        near = self.static_ok[at] & self.local.ok[at]
        self.near_ok[at] = near
        bases = self.base[at] = self.fixed[at] + self.local.total[at]
        totals = self.totals[at] = bases + self.shared[at]
        if far_moved:
            far = np.ones(len(at), dtype=np.bool_)
            for slot, _ in self.global_filters:
                far &= self.own_verdicts[slot][at] == PASSED
            self._writable_far_ok()[at] = far
        else:
            far = self.far_ok[at]
        passes = near & far
        flipped = (scores_moved or self.shared_follows_feasible) and bool((passes != self.feasible[at]).any())
        self.feasible[at] = passes
        if scores_moved or (flipped and self.shared_follows_feasible):
            self._recompute_shared(scores_moved, feasible_changed=flipped)
        else:
            self.masked[at] = np.where(passes, totals, INFEASIBLE)

    def _refresh_near(self, nodes: list[int]) -> None:
        """``near_ok`` and ``totals`` of ``nodes`` from the static, local and shared parts (one
        node, a placement's, by scalars: quicker than numpy's indexing)."""
        if len(nodes) == 1:
            node = nodes[0]
            self.near_ok[node] = self.static_ok.item(node) and self.local.ok.item(node)
            base = self.base[node] = self.fixed.item(node) + self.local.total.item(node)
            self.totals[node] = base + self.shared.item(node)
            return
        at = np.array(nodes, dtype=np.intp)
        self.near_ok[at] = self.static_ok[at] & self.local.ok[at]
        bases = self.base[at] = self.fixed[at] + self.local.total[at]
        self.totals[at] = bases + self.shared[at]

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
            return Decision(pod.namespace, pod.name, self.names[best], total)  # by position: quicker
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
