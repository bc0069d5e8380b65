"""Why: the reference scheduler, written to be read: it *is* the specification the numpy
placement kernel must match decision for decision. One pod at a time, every node considered
(no ``percentageOfNodesToScore`` sampling), plugins called in the profile's order as
``framework`` describes.

**Ties are broken deterministically.** Among the feasible nodes with the highest total
weighted score the scheduler picks the *first in node order* (the snapshot sorts nodes by
name). Kubernetes picks one of the tied nodes at random; we trade that for decisions that are
reproducible and that the kernel can match exactly.

``schedule_one`` assumes the pod onto its node in the snapshot, so ``schedule_batch`` (a loop
over ``schedule_one``) lets every pod see the ones placed before it. ``evaluate`` runs the
filters and scores without changing anything, for tests and explanations.

What agreement with the kernel means: for the same snapshot, pods and profiles, the same list
of ``Decision``s, field for field (node, total score, code, message, reasons, rejecting
plugins), and the same pods assumed onto the same nodes. The places where that takes care:
integer divisions truncate toward zero and ``math.Round`` rounds halves away from zero
(``arithmetic``); three scores are floating point and must be evaluated in the same order
(BalancedAllocation's deviation, PodTopologySpread's ``count * log(domains + 2) + maxSkew - 1``
summed over constraints in order, with the weight from ``math.log``, and InterPodAffinity's
min-max normalisation); a node's reasons come from the *first* rejecting filter in profile
order; and reasons are counted and sorted by ``decisions.reason_counts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kube_actors.scheduling.decisions import (
    NO_NODES_AVAILABLE,
    Decision,
    fit_error_message,
    reason_counts,
    stopped_decision,
    unplaced_decision,
)
from kube_actors.scheduling.framework import SUCCESS, Code, CycleState, Status, unresolvable
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.profiles import SHIPPED_PROFILES, Profile
from kube_actors.scheduling.snapshot import Snapshot


@dataclass(frozen=True)
class Evaluation:
    """What one scheduling cycle found out about a pod, before anything is reserved.

    ``stopped_by`` is ``SUCCESS``, or the status that ended the cycle before nodes could be
    counted (a PreFilter rejection, or an Error). ``rejections`` gives each rejected node's
    status, with the rejecting plugin (``narrowed_by`` names the PreFilter plugins that
    rejected nodes by leaving them out). ``feasible`` lists the nodes that passed, in node
    order, with their ``totals`` (weighted score sums) and, per score plugin that ran, its
    normalised, unweighted scores in ``plugin_scores``.
    """

    stopped_by: Status = SUCCESS
    rejections: Mapping[str, Status] = field(default_factory=dict)
    narrowed_by: tuple[str, ...] = ()
    feasible: tuple[str, ...] = ()
    totals: tuple[int, ...] = ()
    plugin_scores: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def best(self) -> tuple[str, int] | None:
        """The first feasible node (in node order) with the highest total, and that total."""
        if not self.feasible:
            return None
        top = max(self.totals)
        return self.feasible[self.totals.index(top)], top


def evaluate(snapshot: Snapshot, pod: PodInfo, profile: Profile) -> Evaluation:
    """Filter and score every node for ``pod`` under ``profile``; the snapshot is not changed."""
    # PreFilter: may reject the pod, skip a plugin's Filter, or narrow the nodes to a named set.
    state = CycleState()
    skipped: set[str] = set()
    narrowed_by: list[str] = []
    allowed: frozenset[str] | None = None
    for pre_filter in profile.pre_filters:
        result = pre_filter.pre_filter(state, pod, snapshot)
        if result.status.code is Code.SKIP:
            skipped.add(pre_filter.name)
        elif not result.status.is_success:
            return Evaluation(stopped_by=result.status.by(pre_filter.name))
        if result.node_names is not None:
            narrowed_by.append(pre_filter.name)
            allowed = result.node_names if allowed is None else allowed & result.node_names
            if not allowed:
                return Evaluation(stopped_by=_nothing_allowed(narrowed_by))

    candidates: Sequence[NodeInfo] = snapshot.nodes
    rejections: dict[str, Status] = {}
    if allowed is not None:
        outside = left_out_by(narrowed_by)
        rejections = {node.name: outside for node in snapshot.nodes if node.name not in allowed}
        candidates = [node for node in snapshot.nodes if node.name in allowed]

    # Filter: each node in node order; the first plugin to reject it gives its reasons.
    filters = [plugin for plugin in profile.filters if plugin.name not in skipped]
    feasible: list[NodeInfo] = []
    for node in candidates:
        for plugin in filters:
            status = plugin.filter(state, pod, node)
            if not status.is_success:
                if status.code is Code.ERROR:
                    return Evaluation(stopped_by=status.by(plugin.name))
                rejections[node.name] = status.by(plugin.name)
                break
        else:
            feasible.append(node)
    if not feasible:
        return Evaluation(rejections=rejections, narrowed_by=tuple(narrowed_by))

    # PreScore decides which Score plugins run; a score plugin without PreScore always runs.
    with_pre_score = {plugin.name for plugin in profile.pre_scores}
    scoring: set[str] = set()
    for pre_score in profile.pre_scores:
        status = pre_score.pre_score(state, pod, snapshot, feasible)
        if status.code is Code.ERROR:
            return Evaluation(stopped_by=status.by(pre_score.name))
        if status.code is not Code.SKIP:
            scoring.add(pre_score.name)
    totals = [0] * len(feasible)
    plugin_scores: dict[str, tuple[int, ...]] = {}
    for weighted in profile.scores:
        scorer = weighted.plugin
        if scorer.name in with_pre_score and scorer.name not in scoring:
            continue
        scores = [scorer.score(state, pod, node) for node in feasible]
        if weighted.normalizer is not None:
            weighted.normalizer.normalize_scores(state, pod, feasible, scores)
        plugin_scores[scorer.name] = tuple(scores)
        for position, score in enumerate(scores):
            totals[position] += score * weighted.weight
    return Evaluation(
        rejections=rejections,
        narrowed_by=tuple(narrowed_by),
        feasible=tuple(node.name for node in feasible),
        totals=tuple(totals),
        plugin_scores=plugin_scores,
    )


def schedule_one(
    snapshot: Snapshot, pod: PodInfo, profiles: Mapping[str, Profile] = SHIPPED_PROFILES
) -> Decision:
    """Decide where ``pod`` goes under the profile its ``schedulerName`` selects, assume it onto
    that node in ``snapshot`` and run the Reserve plugins (undone if one rejects)."""
    profile = profiles.get(pod.requirements.scheduler_name)
    if profile is None:
        message = f'profile not found for scheduler name "{pod.requirements.scheduler_name}"'
        return Decision(pod.namespace, pod.name, code=Code.ERROR, message=message)
    if not snapshot.nodes:
        return Decision(
            pod.namespace, pod.name, code=Code.UNSCHEDULABLE_AND_UNRESOLVABLE, message=NO_NODES_AVAILABLE
        )
    evaluation = evaluate(snapshot, pod, profile)
    best = evaluation.best()
    if best is None:
        return _not_placed(len(snapshot.nodes), pod, evaluation)
    node_name, score = best
    snapshot.assume(pod, node_name)
    state = CycleState()
    for plugin in profile.reserves:
        status = plugin.reserve(state, pod, node_name, snapshot)
        if not status.is_success:
            # As Kubernetes: every Reserve plugin's Unreserve runs, in reverse order.
            for reserved in reversed(profile.reserves):
                reserved.unreserve(state, pod, node_name, snapshot)
            snapshot.forget(pod, node_name)
            return _not_reserved(pod, status.by(plugin.name))
    return Decision(pod.namespace, pod.name, node_name=node_name, score=score)


def schedule_batch(
    snapshot: Snapshot, pods: Iterable[PodInfo], profiles: Mapping[str, Profile] = SHIPPED_PROFILES
) -> list[Decision]:
    """``schedule_one`` for each pod in order: each sees the pods assumed before it."""
    return [schedule_one(snapshot, pod, profiles) for pod in pods]


def left_out_by(narrowed_by: Sequence[str]) -> Status:
    """The rejection of the nodes PreFilter plugins left out of their node sets (the placement
    kernel gives the same)."""
    return unresolvable(f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(narrowed_by))}]")


def _nothing_allowed(narrowed_by: Sequence[str]) -> Status:
    """PreFilter plugins named node sets that share no node."""
    if len(narrowed_by) == 1:
        return unresolvable(f"node(s) didn't satisfy plugin {narrowed_by[0]}").by(narrowed_by[0])
    plugins = " ".join(narrowed_by)
    return unresolvable(f"node(s) didn't satisfy plugin(s) [{plugins}] simultaneously").by(narrowed_by[0])


def _not_placed(node_count: int, pod: PodInfo, evaluation: Evaluation) -> Decision:
    if not evaluation.stopped_by.is_success:
        return stopped_decision(pod, node_count, evaluation.stopped_by)
    statuses = evaluation.rejections.values()
    return unplaced_decision(pod, node_count, statuses, reason_counts(statuses), evaluation.narrowed_by)


def _not_reserved(pod: PodInfo, status: Status) -> Decision:
    """A Reserve rejection reads as if the chosen node were the only one (Kubernetes' wording)."""
    if not status.is_rejection:
        return stopped_decision(pod, 1, status)
    reasons = reason_counts([status])
    return Decision(
        pod.namespace,
        pod.name,
        code=status.code,
        message=fit_error_message(1, reasons),
        reasons=reasons,
        rejected_by=(status.plugin,),
    )
