"""Scenario files run end to end in this process on the virtual clock: the runner boots the
cluster, applies, plays the timeline and judges the watch stream; ``run_command`` exits 0 only
when every expectation holds and names a bad file's line; the report is written. The shipped
scenarios run once the cluster boots kubelets, and their key figures match the golden files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kube_actors.scenario import load_scenario
from kube_actors.scenario.command import run_command
from kube_actors.scenario.report import write_report
from kube_actors.scenario.report.result import summary
from kube_actors.scenario.runner import RunResult, run_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
GOLDEN = ROOT / "tests" / "golden"

API_ONLY = """
name: api-only
duration: 5m
cluster:
  control_plane: {apiservers: 2}
  components: []
workloads:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
    data: {colour: blue}
  - apiVersion: v1
    kind: Pod
    metadata: {name: a, labels: {app: x}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: b, labels: {app: x}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
timeline:
  - id: gone
    at: 30s
    action: delete
    kind: Pod
    name: a
  - id: recolour
    after: gone
    when: {check: pods, phase: Pending, count: 1}
    at: 10s
    action: apply
    manifests:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {colour: green}
  - id: outage
    after: recolour
    at: 10s
    action: stop
    component: apiserver
    for: 1m
  - after: outage
    at: 20s
    action: delete
    kind: Pod
    name: b
expect:
  - check: pods
    phase: Pending
    selector: app=x
    count: 2
    within: 1s
  - check: pods
    title: one pod left after the delete
    phase: Pending
    count: 1
    after: gone
    within: 5s
  - check: pods
    title: the delete made during the outage is seen through the other replica
    phase: Pending
    count: 0
    after: outage
    within: 30s
  - check: pods
    phase: Running
    count: 1
    within: 20s
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


async def test_an_api_only_scenario_plays_its_timeline_and_judges_the_stream(tmp_path: Path) -> None:
    result = await run_scenario(load_scenario(write(tmp_path, API_ONLY)), seed=5)
    verdicts = [(o.title, o.passed, o.at) for o in result.outcomes]
    assert verdicts == [
        ("Pending pods (app=x): 2", True, 0.0),
        ("one pod left after the delete", True, 30.0),
        ("the delete made during the outage is seen through the other replica", True, 70.0),
        ("Running pods: 1", False, 20.0),  # no kubelets: nothing runs, and the check says so
    ]
    actions = [(a["at"], a["action"], a["error"]) for a in result.recording.actions]
    assert actions == [
        (0.0, "apply configmap/settings created", ""),
        (0.0, "apply pod/a created", ""),
        (0.0, "apply pod/b created", ""),
        (30.0, "delete Pod a", ""),
        (40.0, "configmap/settings configured", ""),
        (50.0, "stop apiserver for 60s", ""),
        (70.0, "delete Pod b", ""),
        (110.0, "start apiserver", ""),
    ]
    assert [row["state"] for row in result.timeline] == ["ran"] * 4
    assert not result.passed and result.errors == [] and result.seed == 5
    assert (
        result.ended == "every action ran and every check was decided" and result.simulated_seconds == 110.0
    )
    assert result.wall_seconds < 10  # simulated minutes in real seconds


def test_run_command_exit_codes_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    passing = API_ONLY.replace("    count: 1\n    within: 20s\n", "    count: 0\n    within: 20s\n")
    report = tmp_path / "report"
    assert run_command(write(tmp_path, passing), seed=None, clock="virtual", report_dir=report) == 0
    document = json.loads((report / "result.json").read_text())
    assert document["passed"] and len(document["expectations"]) == 4
    assert document["summary"]["actions_run"] == 4 and document["metrics"]["pods_by_phase"]
    page = (report / "report.html").read_text()
    assert page.count("<svg") == 4 and "api-only" in page and "<script" not in page

    assert run_command(write(tmp_path, API_ONLY), seed=None, clock="virtual", report_dir=None) == 1
    assert "✘ Running pods: 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "name: x\nworkloads:\n  - file: nowhere.yaml\n",
            "scenario.yaml:3:11: workloads[0].file: cannot read",
        ),
        ("name: x\ncolour: red\n", "scenario.yaml:2:1: colour: unknown field"),
        ("seed: many\n", "scenario.yaml:1:7: seed: Input should be a valid integer (got 'many')"),
        (
            "workloads:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: Bad_Name}}\n",
            'scenario.yaml:2:56: workloads[0].metadata.name: Invalid value: "Bad_Name"',
        ),
    ],
)
def test_a_bad_file_exits_2_naming_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, shown: str
) -> None:
    assert run_command(write(tmp_path, text), seed=None, clock="virtual", report_dir=None) == 2
    assert shown in capsys.readouterr().err


def check_golden(result: RunResult) -> None:
    """The run's key figures against ``tests/golden/<name>.json`` (written when missing and
    ``KUBE_ACTORS_UPDATE_GOLDEN=1``)."""
    figures = summary(result)
    path = GOLDEN / f"{result.name}.json"
    if os.environ.get("KUBE_ACTORS_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    assert path.exists(), f"no golden summary {path.name}: run with KUBE_ACTORS_UPDATE_GOLDEN=1"
    assert figures == json.loads(path.read_text())


async def test_the_api_only_scenario_matches_its_golden_summary(tmp_path: Path) -> None:
    check_golden(await run_scenario(load_scenario(write(tmp_path, API_ONLY))))


async def test_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, API_ONLY))
    first, second = [summary(await run_scenario(scenario, seed=3)) for _ in range(2)]
    assert first == second


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
async def test_shipped_scenarios_pass(path: Path, tmp_path: Path) -> None:
    result = await run_scenario(load_scenario(path))
    write_report(result, tmp_path)
    failed = [
        f"{o.title}: expected {o.expected}, observed {o.observed}" for o in result.outcomes if not o.passed
    ]
    assert result.passed, "\n".join(failed + result.errors)
    check_golden(result)
