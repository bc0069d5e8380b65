"""Why: the kernel's entry point, with the reference scheduler's shape: ``place_batch`` places
pods in order, each seeing the ones before it, and returns the same ``Decision``s as
``reference.schedule_batch`` would, assuming the placed pods onto their nodes.

A pod's profile is chosen by its ``schedulerName`` as in the reference; a pod whose profile is
missing, a cluster without nodes, and a profile with a plugin the kernel has no twin for are
left to ``reference.schedule_one`` itself (on the state's snapshot), so every decision agrees.
Everything else goes through the pod's ``ClassEvaluation``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kube_actors.placement.classes import ClassEvaluation
from kube_actors.placement.state import PlacementState
from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.profiles import SHIPPED_PROFILES, Profile
from kube_actors.scheduling.reference import schedule_one
from kube_actors.scheduling.snapshot import Snapshot


def place_one(
    state: PlacementState, pod: PodInfo, profiles: Mapping[str, Profile] = SHIPPED_PROFILES
) -> Decision:
    """Decide where ``pod`` goes and assume it there (``reference.schedule_one``'s contract)."""
    evaluation = _evaluation_of(state, pod, profiles)
    if evaluation is None:
        decision = schedule_one(state.snapshot, pod, profiles)
        if decision.node_name is not None:
            state.counted(pod, decision.node_name)
        return decision
    decision = evaluation.decide(pod)
    if decision.node_name is not None:
        state.assume_at(pod, evaluation.chosen)
    return decision


def place_batch(
    target: PlacementState | Snapshot,
    pods: Iterable[PodInfo],
    profiles: Mapping[str, Profile] = SHIPPED_PROFILES,
) -> list[Decision]:
    """``place_one`` for each pod in order. Given a ``Snapshot``, a state is built around it for
    this batch (the snapshot is changed as ``reference.schedule_batch`` would change it); keep
    a ``PlacementState`` to reuse work across batches.

    Consecutive pods sharing one requirements object (a ReplicaSet's replicas) are placed as a
    run by their class's evaluation: it stays the same evaluation all along (a run's own
    placements can only change how classes are keyed for pods with pod affinity terms, and
    those are keyed by their requirements either way)."""
    state = target if isinstance(target, PlacementState) else PlacementState(target)
    pods = pods if isinstance(pods, list) else list(pods)
    decisions: list[Decision] = []
    start, count = 0, len(pods)
    while start < count:
        requirements = pods[start].requirements
        end = start + 1
        while end < count and pods[end].requirements is requirements:
            end += 1
        evaluation = _evaluation_of(state, pods[start], profiles)
        if evaluation is None:
            decisions += [place_one(state, pod, profiles) for pod in pods[start:end]]
        else:
            evaluation.place_run(pods[start:end], decisions)
        start = end
    return decisions


def _evaluation_of(
    state: PlacementState, pod: PodInfo, profiles: Mapping[str, Profile]
) -> ClassEvaluation | None:
    """The evaluation of ``pod``'s class, or None when the reference must place it: its
    profile is missing, the cluster has no nodes, or the profile has a plugin with no twin."""
    evaluation = state.recent_evaluation(pod.requirements, profiles)
    if evaluation is None:
        profile = profiles.get(pod.requirements.scheduler_name)
        plan = state.plans.for_profile(profile) if profile is not None and state.table.count else None
        if plan is None:
            return None
        evaluation = state.class_evaluation(plan, pod, profiles)
    return evaluation
