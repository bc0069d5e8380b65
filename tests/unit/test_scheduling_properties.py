"""Properties of the reference scheduler on generated clusters (``tests.scheduling_strategies``):
decisions do not depend on the order nodes arrive in or on pods' names (pods with equal
requirements are one equivalence class), and what it places respects the hard rules a user
can check by looking at the result."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube_actors.scheduling import Code, Snapshot, schedule_batch
from kube_actors.scheduling.plugins.node_ports import conflicts
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.taints import UNSCHEDULABLE_TAINT_KEY, Taint, first_untolerated_taint, tolerates
from tests.scheduling_strategies import Scenario, scenarios

Json = dict[str, Any]
GENERATED = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _renamed(obj: Json, suffix: str) -> Json:
    metadata = {
        **obj["metadata"],
        "name": obj["metadata"]["name"] + suffix,
        "uid": "other-" + obj["metadata"]["uid"],
    }
    return {**obj, "metadata": metadata}


@GENERATED
@given(scenarios(), st.randoms(use_true_random=False))
def test_decisions_ignore_node_order_and_pod_names(scenario: Scenario, rng: random.Random) -> None:
    decisions = schedule_batch(scenario.snapshot(), scenario.pending_pods())
    shuffled = list(scenario.nodes)
    rng.shuffle(shuffled)
    renamed = Scenario(
        shuffled,
        [_renamed(p, "-x") for p in scenario.placed],
        [_renamed(p, "-y") for p in scenario.pending],
        scenario.namespaces,
        scenario.claims,
        scenario.volumes,
    )
    again = schedule_batch(renamed.snapshot(), renamed.pending_pods())
    assert [(d.node_name, d.score, d.code, d.message, d.reasons, d.rejected_by) for d in again] == [
        (d.node_name, d.score, d.code, d.message, d.reasons, d.rejected_by) for d in decisions
    ]


@GENERATED
@given(scenarios(max_nodes=4, max_placed=6, max_pending=8))
def test_placements_respect_the_hard_rules(scenario: Scenario) -> None:
    before = scenario.snapshot()
    after = scenario.snapshot()
    pending = scenario.pending_pods()
    decisions = schedule_batch(after, pending)
    placed: dict[str, list[PodInfo]] = {}
    for pod, decision in zip(pending, decisions, strict=True):
        if decision.node_name is not None:
            placed.setdefault(decision.node_name, []).append(pod)
        elif decision.reasons:
            # Every node gave at least one reason (NodeResourcesFit may give several).
            assert sum(count for _, count in decision.reasons) >= len(after.nodes)
            assert decision.message.startswith(f"0/{len(after.nodes)} nodes are available: ")
        else:
            assert decision.code is not Code.SUCCESS and decision.message
    for name, pods in placed.items():
        _check_node(before, after, name, pods)


def _check_node(before: Snapshot, after: Snapshot, name: str, scheduled: list[PodInfo]) -> None:
    start, end = before.node(name), after.node(name)
    assert start is not None and end is not None
    node = end.node
    assert len(end.pods) <= node.allowed_pod_number
    assert len(end.pods) == len(start.pods) + len(scheduled)
    for resource in ("milli_cpu", "memory", "ephemeral_storage"):
        if any(getattr(pod.requirements.requests, resource) for pod in scheduled):
            assert getattr(end.requested, resource) <= getattr(node.allocatable, resource)
    for pod in scheduled:
        requirements = pod.requirements
        assert first_untolerated_taint(node.taints, requirements.tolerations) is None
        if node.unschedulable:
            assert tolerates(requirements.tolerations, Taint(UNSCHEDULABLE_TAINT_KEY))
        assert requirements.node_affinity.matches(name, node.labels)
        others = [other for other in end.pods if other is not pod]
        for port in requirements.host_ports:
            claimed = [p for other in others for p in other.requirements.host_ports]
            assert not conflicts(port, Counter(claimed))
