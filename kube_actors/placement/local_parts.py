"""Why: the ``LOCAL`` plugins (NodeResourcesFit, BalancedAllocation, NodePorts) answer from what a
pod asks of a node (requests, host ports), not from its labels, tolerations or affinity, so
classes that ask alike (two ReplicaSets with the same pod sizes, one tolerating a taint and one
not) share their answers. ``LocalEvaluation`` holds them for one such *resource signature*
under one profile: each local filter's verdicts, whether all pass, and the weighted sum of the
local scores, per node. It keeps them up to date from the state's change log: the nodes pods
came to or left are asked again, one by one of the reference plugins when they are few, with
numpy over them when there are more, and everything is recomputed when most nodes changed.

Where ``ok`` holds, every local filter passes, whatever its kept verdict says: the per-placement
path only writes verdicts of nodes some filter rejects, and the nodes a catch-up with numpy
finds rejected have theirs asked of the reference only when a decision lists the reasons
(``verdicts_of``): a node nothing changed on since gets the same answer then.

Neighbours: ``state.PlacementState`` keeps these per signature; ``classes.ClassEvaluation``
reads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kube_actors.placement.arithmetic import Ids, Ints
from kube_actors.placement.jobs import ClassContext, Kind, LocalFilterJob, LocalScoreJob
from kube_actors.placement.node_rescoring import PlainRescoring
from kube_actors.placement.plans import ProfilePlan
from kube_actors.placement.statuses import PASSED

if TYPE_CHECKING:
    from kube_actors.placement.state import PlacementState

ONE_BY_ONE = 12
"""Changed nodes up to which each is asked again on its own (else numpy over them: a few dozen
numpy calls, each costing about what one node's plain rescoring does)."""
REBUILD_SHARE = 4
"""Past a ``1 / REBUILD_SHARE`` share of the nodes changed, everything is recomputed."""
RESCORING = True
"""Whether plain resource signatures are rescored in one pass (``node_rescoring``); off, every
node is asked of the jobs, the path the others take (the property tests try both)."""


class LocalEvaluation:
    def __init__(self, state: PlacementState, plan: ProfilePlan, context: ClassContext) -> None:
        self.state = state
        self.synced = state.position
        self.rebuild_after = max(state.table.count // REBUILD_SHARE, ONE_BY_ONE)
        self.filters: dict[int, LocalFilterJob] = {}  # by position in the profile's filters
        for position, twin in enumerate(plan.filters):
            if twin.filter_kind is Kind.LOCAL and (job := twin.local_filter_job(context)) is not None:
                self.filters[position] = job
        self.scores: list[tuple[LocalScoreJob, int]] = [
            (score, weight)
            for twin, weight in plan.scores
            if twin.score_kind is Kind.LOCAL and (score := twin.local_score_job(context)) is not None
        ]
        self.rescoring = PlainRescoring.of(self.filters, self.scores) if RESCORING else None
        self._recompute_all()

    def _recompute_all(self) -> None:
        count = self.state.table.count
        self.verdicts: dict[int, Ids] = {position: job.verdicts() for position, job in self.filters.items()}
        self._unresolved: set[int] = set()  # rejected nodes whose verdicts are not written yet
        self.ok = np.ones(count, dtype=np.bool_)
        for verdicts in self.verdicts.values():
            self.ok &= verdicts == PASSED
        self.total: Ints = np.zeros(count, dtype=np.int64)
        for job, weight in self.scores:
            self.total += job.scores() * weight

    def catch_up(self) -> None:
        """Answer again for the nodes pods came to or left since the last call."""
        state = self.state
        behind = state.position - self.synced
        if behind == 1:  # the usual case: one pod placed since the last call
            self.synced = state.position
            self._one(state.last_node)
            return
        nodes = state.nodes_changed_since(self.synced)
        self.synced = state.position
        if nodes is None or len(nodes) > self.rebuild_after:
            self._recompute_all()
        elif len(nodes) <= ONE_BY_ONE:
            for node in nodes.tolist():
                self._one(node)
        else:
            self._many(nodes)

    def placed_again(self, node: int) -> int | None:
        """When the one change since the last catch-up is a pod placed on ``node`` and the
        local plugins are rescored in one pass: catch up, returning the node's local total if
        every local filter still passes it; else None, changing nothing (``catch_up`` then)."""
        if self.rescoring is None or self.state.position - self.synced != 1:
            return None
        total = self.rescoring.total_at(node)
        if total is not None:
            self.ok[node] = True
            self.total[node] = total
            self.synced = self.state.position
        return total

    def _one(self, node: int) -> None:
        if self.rescoring is not None:
            total = self.rescoring.total_at(node)
            if total is not None:  # every local filter passes (see ``verdicts_of``)
                self.ok[node] = True
                self.total[node] = total
                return
        passes = True
        for position, job in self.filters.items():
            verdict = self.verdicts[position][node] = job.verdict_at(node)
            passes = passes and verdict == PASSED
        self.ok[node] = passes
        if self.scores:
            total = 0
            for score, weight in self.scores:
                total += score.score_at(node) * weight
            self.total[node] = total

    def _many(self, at: np.ndarray) -> None:
        found = self.rescoring.totals(at) if self.rescoring is not None else None
        if found is not None:  # then the only local filter is NodeResourcesFit's, if any
            passes, totals = found
            self.ok[at] = passes
            self.total[at] = totals
            if not passes.all():  # their statuses come from the reference, when asked for
                self._unresolved.update(at[~passes].tolist())
            return
        passes = np.ones(len(at), dtype=np.bool_)
        for position, job in self.filters.items():
            verdicts = self.verdicts[position][at] = job.verdicts(at)
            passes &= verdicts == PASSED
        self.ok[at] = passes
        if self.scores:
            total = np.zeros(len(at), dtype=np.int64)
            for score, weight in self.scores:
                total += score.scores(at) * weight
            self.total[at] = total

    def verdicts_of(self, position: int) -> Ids:
        """The verdicts of the local filter at ``position`` in the profile's filters. Where
        ``ok`` says every local filter passes, the kept verdicts are not updated (a placement
        that leaves the pod fitting does not write them): they are read as passing there."""
        if self._unresolved:  # nodes rejected on catching up, unchanged since: asked now
            for node in self._unresolved:
                if not self.ok.item(node):
                    for slot, job in self.filters.items():
                        self.verdicts[slot][node] = job.verdict_at(node)
            self._unresolved.clear()
        verdicts: Ids = np.where(self.ok, PASSED, self.verdicts[position]).astype(np.int32)
        return verdicts
