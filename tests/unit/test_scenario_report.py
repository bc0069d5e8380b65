"""The report is drawn from the result document alone: every plot renders with data (nodes,
allocation, latencies, actions), the page is self-contained, the JSON carries every series."""

from __future__ import annotations

import json
from pathlib import Path

from kube_actors.scenario.play import Play
from kube_actors.scenario.report import write_report
from kube_actors.scenario.runner import RunResult
from kube_actors.scenario.schema import Scenario
from tests.unit.scenario_objects import added, deleted, modified, node, pod


def played() -> RunResult:
    scenario = Scenario.model_validate(
        {
            "timeline": [{"id": "kill", "at": 30, "action": "kill_node", "node": "w-2"}],
            "expect": [{"check": "pods", "phase": "Running", "count": 2, "within": 60}],
        }
    )
    run = Play(scenario)
    run.feed("nodes", added(node("w-1")) + added(node("w-2")), 0.0)
    run.start(0.0)
    run.feed(
        "events",
        added({"involvedObject": {"kind": "Pod", "name": "a"}, "reason": "Scheduled", "message": "ok"}),
        1.0,
    )
    for name, where in (("a", "w-1"), ("b", "w-2")):
        run.feed("pods", added(pod(name)), 1.0)
        run.feed("pods", modified(pod(name, node=where, cpu="1")), 2.0)
        run.feed("pods", modified(pod(name, node=where, phase="Running", ready=True, cpu="1")), 4.0)
    run.ran(run.due(30.0)[0], 30.0, "kill_node w-2")
    run.feed("nodes", modified(node("w-2", ready=False)), 70.0)
    run.feed("pods", deleted(pod("b", node="w-2", phase="Running", cpu="1")), 80.0)
    outcomes = run.finish(90.0)
    return RunResult(
        "synthetic", "synthetic.yaml", 1, "virtual", outcomes, run.recording, [], 90.0, 0.1, "test"
    )


def test_the_report_has_every_plot_and_series(tmp_path: Path) -> None:
    result = played()
    paths = write_report(result, tmp_path)
    assert [p.name for p in paths] == ["result.json", "report.html"]
    document = json.loads(paths[0].read_text())
    metrics = document["metrics"]
    assert metrics["node_states"]["w-2"] == [{"at": 0.0, "state": "Ready"}, {"at": 70.0, "state": "NotReady"}]
    assert metrics["allocation"]["w-1"][-1] == {"at": 2.0, "cpu": 0.25, "memory": 0.0}
    assert metrics["allocation"]["w-2"][-1] == {"at": 80.0, "cpu": 0.0, "memory": 0.0}
    assert metrics["latency"] == {"scheduling": [1.0, 1.0], "startup": [3.0, 3.0]}
    assert metrics["pods_by_phase"][-1] == {
        "at": 80.0,
        "Pending": 0,
        "Running": 1,
        "Succeeded": 0,
        "Failed": 0,
        "Terminating": 0,
    }
    assert document["summary"]["scheduling_latency_s"] == {"p50": 1.0, "p90": 1.0, "p99": 1.0}
    assert document["events"][0]["reason"] == "Scheduled"
    page = paths[1].read_text()
    assert page.count("<svg") == 4 and "kill_node w-2" in page
    assert "src=" not in page and 'href="http' not in page  # nothing fetched from anywhere
    assert "<script" not in page and "✔" in page
