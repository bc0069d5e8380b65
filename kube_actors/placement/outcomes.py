"""Why: what happens to a class before its nodes are scored, in the reference's words. Its
PreFilters may reject it outright (a conflicting node affinity, a missing claim) or narrow it to
named nodes (a DaemonSet pod pinned by ``metadata.name``); when no node passes, the decision
lists how many nodes gave each reason, each node counting the first filter that rejected it.
``reference.evaluate`` is the specification these follow; the decisions are made by
``decisions.stopped_decision`` and ``decisions.unplaced_decision``, as the reference's are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kube_actors.placement.arithmetic import Ids
from kube_actors.placement.jobs import ClassContext, VectorPlugin
from kube_actors.placement.statuses import PASSED, StatusTable, reason_counts
from kube_actors.scheduling.decisions import Decision, stopped_decision, unplaced_decision
from kube_actors.scheduling.framework import Code
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.reference import left_out_by


class PreFiltered:
    """The PreFilters' outcome for a class: ``stopped`` (a decision for every pod of it), or the
    plugins that narrowed its nodes with ``outside``, the verdicts of the nodes left out."""

    def __init__(self, context: ClassContext, pre_filters: Sequence[VectorPlugin]) -> None:
        state = context.state
        self.stopped: Decision | None = None
        self.narrowed_by: list[str] = []
        self.outside: Ids | None = None
        allowed: frozenset[str] | None = None
        for twin in pre_filters:
            result = twin.pre_filter(context)
            if result is None or result.status.code is Code.SKIP:
                continue
            if not result.status.is_success:
                self.stopped = stopped_decision(context.pod, state.table.count, result.status.by(twin.name))
                return
            if result.node_names is not None:
                # Only NodeAffinity narrows, and never to nothing (it rejects the pod instead).
                self.narrowed_by.append(twin.name)
                allowed = result.node_names if allowed is None else allowed & result.node_names
        if allowed is not None:
            outside = left_out_by(self.narrowed_by)
            self.outside = np.full(state.table.count, state.statuses.id(outside), dtype=np.int32)
            for name in allowed:
                if name in state.table.positions:
                    self.outside[state.table.positions[name]] = PASSED


def not_placed(
    pod: PodInfo, statuses: StatusTable, verdicts: Sequence[Ids], node_count: int, narrowed_by: Sequence[str]
) -> Decision:
    """No node passed: ``verdicts`` are every filter's, in filter order (those of the nodes a
    PreFilter left out first)."""
    rejections = statuses.rejections(statuses.first_rejections(verdicts, node_count))
    distinct = [status for status, _ in rejections]
    return unplaced_decision(pod, node_count, distinct, reason_counts(rejections), narrowed_by)
