"""The expectation cores judge a watch stream: each test feeds a ``Play`` events at simulated
times and reads the verdicts (expected, observed, when)."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.scenario.expectations import Outcome
from kube_actors.scenario.play import Play
from kube_actors.scenario.recording import percentile
from kube_actors.scenario.schema import Scenario
from tests.unit.scenario_objects import added, deleted, deployment, modified, node, pod


def play(expect: list[dict[str, Any]], timeline: list[dict[str, Any]] | None = None) -> Play:
    return Play(Scenario.model_validate({"expect": expect, "timeline": timeline or []}))


def verdicts(run: Play, end: float) -> list[tuple[bool, str, float | None]]:
    return [(o.passed, o.observed, o.at) for o in run.finish(end)]


def only(run: Play, end: float) -> Outcome:
    (outcome,) = run.finish(end)
    return outcome


def test_pod_counts_by_phase_pass_when_first_seen_and_skip_terminating_pods() -> None:
    run = play([{"check": "pods", "phase": "Running", "selector": "app=web", "count": 2, "within": "30s"}])
    run.start(0.0)
    web = {"app": "web"}
    run.feed("pods", added(pod("a", phase="Running", labels=web)) + added(pod("b", labels=web)), 1.0)
    run.feed("pods", modified(pod("b", phase="Running", labels=web, terminating=True)), 2.0)
    run.feed("pods", added(pod("c", phase="Running", labels={"app": "other"})), 3.0)
    run.feed("pods", added(pod("d", phase="Running", labels=web)), 4.0)
    outcome = only(run, 60.0)
    assert (outcome.passed, outcome.observed, outcome.at) == (True, "2 Running", 4.0)
    assert outcome.expected == "Running pods (app=web): 2 within 30s"


def test_a_deadline_passing_without_the_state_fails_at_the_deadline() -> None:
    run = play([{"check": "deployment_available", "deployment": "web", "within": "1m"}])
    run.start(0.0)
    run.feed("deployments.apps", added(deployment("web", replicas=3, available=1)), 5.0)
    run.tick(60.0)
    assert run.judge.expectations[0].decided
    run.feed("deployments.apps", modified(deployment("web", replicas=3, available=3)), 61.0)
    outcome = only(run, 100.0)
    assert not outcome.passed and outcome.at == 60.0
    assert "availableReplicas=1" in outcome.observed and outcome.observed.startswith("by 60s")


def test_a_rollout_in_progress_is_not_available() -> None:
    run = play([{"check": "deployment_available", "deployment": "web"}])
    run.start(0.0)
    run.feed("deployments.apps", added(deployment("web", replicas=3, available=3, updated=1)), 1.0)
    assert not run.judge.expectations[0].decided
    run.feed("deployments.apps", modified(deployment("web", replicas=3, available=3)), 9.0)
    assert only(run, 10.0).at == 9.0


def test_checks_timed_after_an_action_start_when_it_runs() -> None:
    run = play(
        [{"check": "node_not_ready", "node": "w-2", "after": "kill", "within": "60s"}],
        [{"id": "kill", "at": "100s", "action": "kill_node", "node": "w-2"}],
    )
    run.start(0.0)
    run.feed("nodes", added(node("w-2", ready=False)), 1.0)  # before the kill: does not count
    assert not run.judge.expectations[0].decided
    run.feed("nodes", modified(node("w-2", ready=True)), 2.0)
    (entry,) = run.due(100.0)
    run.ran(entry, 100.0, "kill_node w-2")
    run.tick(130.0)
    run.feed("nodes", modified(node("w-2", ready=False)), 141.0)
    assert (only(run, 200.0).passed, only(run, 200.0).at) == (True, 141.0)


def test_a_check_whose_action_never_ran_fails_saying_so() -> None:
    run = play(
        [{"check": "node_ready", "node": "w-1", "after": "later"}],
        [{"id": "later", "at": "1h", "action": "restore_node", "node": "w-1"}],
    )
    run.start(0.0)
    outcome = only(run, 10.0)
    assert not outcome.passed and outcome.observed == "action 'later' never ran, so the check never started"


def test_pods_rescheduled_needs_a_running_replacement_per_pod_lost() -> None:
    run = play(
        [{"check": "pods_rescheduled", "node": "w-2", "after": "kill", "within": "6m"}],
        [{"id": "kill", "at": 10, "action": "kill_node", "node": "w-2"}],
    )
    run.start(0.0)
    for name, where in (("a", "w-1"), ("b", "w-2"), ("c", "w-2")):
        run.feed("pods", added(pod(name, node=where, phase="Running", owner="rs")), 1.0)
    run.ran(run.due(10.0)[0], 10.0, "kill")
    run.feed("pods", modified(pod("b", node="w-2", phase="Running", owner="rs", terminating=True)), 350.0)
    run.feed("pods", added(pod("d", node="w-1", phase="Running", owner="rs")), 352.0)
    assert not run.judge.expectations[0].decided
    run.feed("pods", added(pod("e", node="w-3", phase="Running", owner="rs")), 355.0)
    outcome = only(run, 400.0)
    assert (outcome.passed, outcome.observed, outcome.at) == (
        True,
        "2 of 2 pods running again elsewhere",
        355.0,
    )


def test_pods_rescheduled_fails_when_nothing_ran_on_the_node() -> None:
    run = play([{"check": "pods_rescheduled", "node": "w-9", "within": "10s"}])
    run.start(0.0)
    run.tick(11.0)
    assert "no controller-owned pods were running on w-9" in only(run, 11.0).observed


def test_no_pods_on_node_must_empty_in_time_and_stay_empty() -> None:
    spec = {"check": "no_pods_on_node", "node": "w-1", "within": "30s"}
    run = play([spec])
    run.start(0.0)
    run.feed("pods", added(pod("a", node="w-1", phase="Running")), 1.0)
    run.feed(
        "pods", added(pod("ds", node="w-1", phase="Running", owner="agent", owner_kind="DaemonSet")), 1.0
    )
    run.feed("pods", deleted(pod("a", node="w-1", phase="Running")), 20.0)
    assert only(run, 100.0).passed  # the DaemonSet pod does not count

    run = play([spec])
    run.start(0.0)
    run.feed("pods", added(pod("b", node="w-1", phase="Running")), 1.0)
    run.feed("pods", deleted(pod("b", node="w-1", phase="Running")), 10.0)
    run.feed("pods", added(pod("b2", node="w-1")), 50.0)
    outcome = only(run, 100.0)
    assert (outcome.passed, outcome.at) == (False, 50.0)
    assert outcome.observed == "emptied at 10s, then 1 pod(s) on the node: b2"

    run = play([spec])
    run.start(0.0)
    run.feed("pods", added(pod("c", node="w-1", phase="Running")), 1.0)
    run.tick(30.0)
    outcome = only(run, 100.0)
    assert (outcome.passed, outcome.at, outcome.observed) == (False, 30.0, "by 30s: 1 pod(s) on the node: c")


def test_max_unavailable_judges_each_settled_instant_not_each_event() -> None:
    run = play([{"check": "max_unavailable", "deployment": "web", "at_most": 1, "during": "60s"}])
    web = {"app": "web"}
    run.feed("deployments.apps", added(deployment("web", replicas=3, available=3)), 0.0)
    run.feed(
        "pods",
        [e for n in "abc" for e in added(pod(n, node="w", phase="Running", ready=True, labels=web))],
        0.0,
    )
    run.start(0.0)
    # Within one instant two pods go and come back: only the settled state counts.
    run.feed("pods", deleted(pod("a", labels=web)) + deleted(pod("b", labels=web)), 10.0)
    run.feed("pods", added(pod("d", phase="Running", ready=True, labels=web)), 10.0)
    run.feed("pods", added(pod("e", phase="Running", ready=True, labels=web)), 10.0)
    run.feed("pods", modified(pod("c", phase="Running", ready=False, labels=web)), 20.0)
    run.feed("pods", modified(pod("d", phase="Running", ready=False, labels=web)), 30.0)
    run.feed("pods", modified(pod("c", phase="Running", ready=True, labels=web)), 31.0)
    run.tick(61.0)
    outcome = only(run, 70.0)
    assert (outcome.passed, outcome.at) == (False, 60.0)
    assert outcome.observed == "first breach 2 at 30s; worst 2 at 30s"


def test_max_unavailable_holds_through_a_clean_window() -> None:
    run = play([{"check": "max_unavailable", "deployment": "web", "at_most": 1, "during": "60s"}])
    web = {"app": "web"}
    run.feed("deployments.apps", added(deployment("web", replicas=2, available=2)), 0.0)
    run.feed("pods", added(pod("a", phase="Running", ready=True, labels=web)), 0.0)
    run.start(0.0)
    run.tick(61.0)
    assert only(run, 61.0) == Outcome(
        "max_unavailable",
        "Deployment default/web: at most 1 pods unavailable for 60s",
        True,
        "unavailable <= 1 at every instant for 60s",
        "worst 1 at 0s",
        60.0,
    )


@pytest.mark.parametrize(
    ("bound", "passed"), [({"at_most": 2}, True), ({"at_most": 1}, False), ({"at_least": 3}, False)]
)
def test_nodes_used_is_the_most_at_one_instant(bound: dict[str, int], passed: bool) -> None:
    run = play([{"check": "nodes_used", "selector": "app=x", **bound}])
    run.start(0.0)
    x = {"app": "x"}
    run.feed("pods", added(pod("a", node="n1", labels=x)) + added(pod("b", node="n2", labels=x)), 1.0)
    run.feed("pods", added(pod("c", node="n3", labels={"app": "y"})), 2.0)
    run.feed("pods", modified(pod("b", node="n2", phase="Succeeded", labels=x)), 3.0)
    outcome = only(run, 10.0)
    assert outcome.passed == passed and outcome.observed.endswith("worst 2 at 1s")


def test_pods_unaffected_notices_a_restart_a_move_or_a_deletion() -> None:
    check = {"check": "pods_unaffected", "selector": "app=web", "after": "outage", "during": "2m"}
    timeline = [{"id": "outage", "at": 10, "action": "stop", "component": "apiserver"}]
    web = {"app": "web"}
    running = [pod(n, node="w1", phase="Running", labels=web) for n in "ab"]

    run = play([check], timeline)
    run.start(0.0)
    run.feed("pods", [e for p in running for e in added(p)], 1.0)
    run.ran(run.due(10.0)[0], 10.0, "stop apiserver")
    run.feed("pods", modified(pod("b", node="w1", phase="Running", labels=web)), 100.0)  # a relist: no change
    run.tick(131.0)
    assert (only(run, 131.0).passed, only(run, 131.0).observed) == (True, "all 2 pods untouched")

    run = play([check], timeline)
    run.start(0.0)
    run.feed("pods", [e for p in running for e in added(p)], 1.0)
    run.ran(run.due(10.0)[0], 10.0, "stop apiserver")
    run.feed("pods", modified(pod("a", node="w1", phase="Running", labels=web, restarts=1)), 50.0)
    run.feed("pods", deleted(running[1]), 60.0)
    outcome = only(run, 200.0)
    assert not outcome.passed and outcome.observed == "disturbed: a restarted at 50s"


def test_latency_percentiles_come_from_first_sightings() -> None:
    run = play(
        [
            {"check": "scheduling_latency", "percentile": 50, "at_most": "2s"},
            {"check": "startup_latency", "percentile": 100, "at_most": "5s"},
        ]
    )
    run.start(0.0)
    for index, name in enumerate("abcd"):
        run.feed("pods", added(pod(name)), float(index))
        run.feed("pods", modified(pod(name, node="n")), index + 1.0 + index)  # 1, 2, 3, 4 s to bind
        run.feed("pods", modified(pod(name, node="n", phase="Running")), index + 8.0)
    assert run.recording.latencies("scheduling") == [1.0, 2.0, 3.0, 4.0]
    assert verdicts(run, 20.0) == [
        (True, "2.000s over 4 pods (max 4.000s)", 20.0),
        (False, "8.000s over 4 pods (max 8.000s)", 20.0),
    ]


def test_container_restarts_within_bounds_at_the_deadline() -> None:
    run = play(
        [{"check": "container_restarts", "selector": "app=c", "at_least": 2, "at_most": 3, "within": "1m"}]
    )
    run.start(0.0)
    for at, restarts in ((10.0, 1), (25.0, 2), (45.0, 3)):
        run.feed("pods", modified(pod("c", labels={"app": "c"}, restarts=restarts)), at)
    assert not run.judge.expectations[0].decided  # an upper bound waits for the deadline
    run.tick(60.0)
    assert only(run, 60.0).passed
    run = play([{"check": "container_restarts", "selector": "app=c", "at_most": 1}])
    run.start(0.0)
    run.feed("pods", modified(pod("c", labels={"app": "c"}, restarts=2)), 5.0)
    assert (only(run, 10.0).passed, only(run, 10.0).at) == (False, 5.0)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1.0], 99) == 1.0
    assert percentile([float(v) for v in range(1, 101)], 90) == 90.0
