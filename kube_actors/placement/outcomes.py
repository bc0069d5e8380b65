"""Why: what happens to a class before its nodes are scored, in the reference's words. Its
PreFilters may reject it outright (a conflicting node affinity, a missing claim) or narrow it to
named nodes (a DaemonSet pod pinned by ``metadata.name``); when no node passes, the decision
lists how many nodes gave each reason, each node counting the first filter that rejected it.
``reference.evaluate`` and ``reference._not_placed`` are the specification these follow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kube_actors.placement.arithmetic import Ids
from kube_actors.placement.jobs import ClassContext, VectorPlugin
from kube_actors.placement.statuses import PASSED, StatusTable, is_resolvable, reason_counts
from kube_actors.scheduling.decisions import Decision, fit_error_message, pre_filter_message
from kube_actors.scheduling.framework import Code, Status
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
                self.stopped = stopped(state.table.count, context.pod, result.status.by(twin.name))
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


def stopped(node_count: int, pod: PodInfo, status: Status) -> Decision:
    """A class rejected before any node was looked at."""
    message = pre_filter_message(node_count, status) if status.is_rejection else status.message
    return Decision(pod.namespace, pod.name, code=status.code, message=message, rejected_by=(status.plugin,))


def not_placed(
    pod: PodInfo, statuses: StatusTable, verdicts: Sequence[Ids], node_count: int, narrowed_by: Sequence[str]
) -> Decision:
    """No node passed: ``verdicts`` are every filter's, in filter order (those of the nodes a
    PreFilter left out first)."""
    rejections = statuses.rejections(statuses.first_rejections(verdicts, node_count))
    reasons = reason_counts(rejections)
    plugins = {status.plugin for status, _ in rejections if status.plugin}
    if any(not status.plugin for status, _ in rejections):  # nodes a PreFilter left out
        plugins.update(narrowed_by)
    return Decision(
        pod.namespace,
        pod.name,
        code=Code.UNSCHEDULABLE if is_resolvable(rejections) else Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
        message=fit_error_message(node_count, reasons),
        reasons=reasons,
        rejected_by=tuple(sorted(plugins)),
    )
