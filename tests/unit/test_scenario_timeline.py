"""The timeline core: which action is due when, for ``at``, ``after`` and ``when``."""

from __future__ import annotations

from typing import Any

from kube_actors.scenario.play import Play
from kube_actors.scenario.schema import Scenario
from tests.unit.scenario_objects import added, deployment, modified


def play(timeline: list[dict[str, Any]], expect: list[dict[str, Any]] | None = None) -> Play:
    return Play(Scenario.model_validate({"timeline": timeline, "expect": expect or []}))


def due(run: Play, now: float) -> list[int]:
    return [entry.index for entry in run.due(now)]


def test_at_after_and_when_make_due_times() -> None:
    run = play(
        [
            {"id": "b", "at": "30s", "action": "cordon", "node": "n1"},
            {"at": "1m", "after": "b", "action": "uncordon", "node": "n1"},
            {
                "when": {"check": "deployment_available", "deployment": "web"},
                "at": "5s",
                "action": "drain",
                "node": "n2",
            },
            {"at": "10s", "action": "cordon", "node": "n3"},
        ]
    )
    run.start(0.0)
    assert due(run, 9.0) == [] and run.next_wakeup() == 10.0
    assert due(run, 30.0) == [3, 0]  # time order, then file order
    run.ran(run.due(30.0)[0], 30.0, "cordon n3")
    run.ran(run.due(30.0)[0], 31.0, "cordon n1")  # ran a second late: 'after' counts from then
    assert run.next_wakeup() == 91.0
    run.feed("deployments.apps", added(deployment("web", replicas=2, available=1)), 40.0)
    run.feed("deployments.apps", modified(deployment("web", replicas=2, available=2)), 50.0)
    assert due(run, 54.0) == [] and due(run, 55.0) == [2]
    assert due(run, 91.0) == [2, 1]
    assert run.timeline.pending()


def test_a_condition_past_its_within_never_runs_and_stops_holding_the_run() -> None:
    run = play(
        [{"when": {"check": "node_ready", "node": "n1", "within": "20s"}, "action": "cordon", "node": "n1"}]
    )
    run.start(0.0)
    assert run.timeline.pending() and not run.over()
    run.tick(20.0)
    assert not run.timeline.pending() and run.over()
    assert run.timeline.entries[0].expired and due(run, 100.0) == []


def test_the_run_is_over_once_actions_ran_and_timed_checks_are_decided() -> None:
    run = play(
        [{"id": "x", "at": "10s", "action": "cordon", "node": "n1"}],
        [
            {"check": "deployment_available", "deployment": "web", "within": "1m"},
            {"check": "nodes_used", "at_most": 3},  # open-ended: ends with the run
        ],
    )
    run.start(0.0)
    run.ran(run.due(10.0)[0], 10.0, "cordon n1")
    assert not run.over()
    run.feed("deployments.apps", added(deployment("web", replicas=1, available=1)), 12.0)
    assert run.over()
