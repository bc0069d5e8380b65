"""Startup, liveness and readiness probes as the kubelet's core applies them."""

from __future__ import annotations

import pytest

from kube_actors.components.kubelet.probes import LIVENESS, READINESS, ProbeState
from tests.unit.kubelet_driver import Node, RunProbe, StartContainer, StopContainer, make_pod


@pytest.mark.parametrize(
    ("kind", "answers", "verdicts"),
    [
        (LIVENESS, [False, False, False], [True, True, False]),  # three failures in a row fail it
        (LIVENESS, [False, False, True, False, False], [True, True, True, True, True]),
        (READINESS, [True, False, False, False, True], [True, True, True, False, True]),
    ],
)
def test_thresholds_turn_answers_into_verdicts(kind: str, answers: list[bool], verdicts: list[bool]) -> None:
    probe = ProbeState.from_spec(kind, {"failureThreshold": 3, "successThreshold": 1}, started_at=0.0)
    seen = []
    for second, answer in enumerate(answers):
        probe.record(answer, float(second))
        seen.append(probe.passing)
    assert seen == verdicts


def test_probes_wait_their_initial_delay_and_then_their_period() -> None:
    node = Node()
    probe = {"exec": {"command": ["true"]}, "initialDelaySeconds": 15, "periodSeconds": 5}
    pod = make_pod(container_app={"livenessProbe": probe})
    node.add(pod)
    node.advance(31)
    assert [t for t, _ in node.of_type(RunProbe)] == [15, 20, 25, 30]


def test_a_failing_liveness_probe_restarts_the_container() -> None:
    node = Node(probe_answers={("app", LIVENESS): False})
    pod = make_pod(container_app={"livenessProbe": {"periodSeconds": 10, "failureThreshold": 3}})
    node.add(pod)
    node.advance(25)
    stops = node.of_type(StopContainer)
    assert [t for t, _ in stops] == [20]  # failures at 0, 10 and 20 s
    assert len(node.of_type(StartContainer)) == 2
    assert node.container_status(pod, "app")["restartCount"] == 1


def test_a_liveness_kill_restarts_even_an_on_failure_pod_that_exits_0() -> None:
    node = Node(probe_answers={("app", LIVENESS): False})
    pod = make_pod(policy="OnFailure", container_app={"livenessProbe": {"failureThreshold": 1}})
    node.add(pod)
    assert len(node.of_type(StartContainer)) == 2


def test_a_failing_readiness_probe_keeps_the_pod_unready_but_running() -> None:
    node = Node(probe_answers={("app", READINESS): False})
    pod = make_pod(container_app={"readinessProbe": {"periodSeconds": 5}})
    node.add(pod)
    node.advance(30)
    assert node.status(pod)["phase"] == "Running"
    assert node.condition(pod, "Ready") == "False" and node.condition(pod, "ContainersReady") == "False"
    assert node.container_status(pod, "app")["ready"] is False
    assert not node.of_type(StopContainer)
    node.probe_answers[("app", READINESS)] = True
    node.advance(5)
    assert node.condition(pod, "Ready") == "True"


def test_liveness_and_readiness_wait_for_the_startup_probe() -> None:
    node = Node(probe_answers={("app", "startup"): False})
    probes = {
        "startupProbe": {"periodSeconds": 10, "failureThreshold": 30},
        "livenessProbe": {"periodSeconds": 10},
        "readinessProbe": {"periodSeconds": 10},
    }
    pod = make_pod(container_app=probes)
    node.add(pod)
    node.advance(50)
    assert {a.kind for _, a in node.of_type(RunProbe)} == {"startup"}
    assert node.container_status(pod, "app")["started"] is False
    node.probe_answers[("app", "startup")] = True
    node.advance(10)
    assert node.container_status(pod, "app")["started"] is True
    node.advance(10)
    assert {a.kind for _, a in node.of_type(RunProbe, since=61)} == {"liveness", "readiness"}
    assert node.condition(pod, "Ready") == "True"


def test_a_startup_probe_that_never_passes_restarts_the_container() -> None:
    node = Node(probe_answers={("app", "startup"): False})
    pod = make_pod(container_app={"startupProbe": {"periodSeconds": 10, "failureThreshold": 3}})
    node.add(pod)
    node.advance(25)
    assert [t for t, _ in node.of_type(StopContainer)] == [20]
