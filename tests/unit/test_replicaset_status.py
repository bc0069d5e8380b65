"""A ReplicaSet's status: replica counts with minReadySeconds, observedGeneration and the
ReplicaFailure condition; and the expectations that keep a set from acting on a stale cache."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.events import EventRecorder
from kube_actors.components.controllers.replicaset.expectations import EXPECTATIONS_TIMEOUT, Expectations
from kube_actors.components.controllers.replicaset.status import (
    calculate_status,
    seconds_until_next_available,
    status_changed,
)
from tests.unit.replicaset_fixtures import T0, pod, replica_set


@pytest.mark.parametrize(
    ("case", "min_ready", "pods", "expected"),
    [
        ("nothing yet", 0, [], {"replicas": 0, "observedGeneration": 2}),
        (
            "ready pods are available at once without minReadySeconds",
            0,
            [pod("a"), pod("b", ready_at=None)],
            {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 1, "availableReplicas": 1},
        ),
        (
            "ready for less than minReadySeconds is not available",
            30,
            [pod("a", ready_at=T0 - 10), pod("b", ready_at=T0 - 31)],
            {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 1},
        ),
        (
            "pods missing template labels are not fully labeled",
            0,
            [pod("a", labels={"app": "web", "extra": "1"}), pod("b", labels={})],
            {"replicas": 2, "fullyLabeledReplicas": 1, "readyReplicas": 2, "availableReplicas": 2},
        ),
    ],
)
def test_status_counts(case: str, min_ready: int, pods: list[Any], expected: dict[str, Any]) -> None:
    status = calculate_status(replica_set(min_ready=min_ready, generation=2), pods, T0)
    assert status == {**expected, "observedGeneration": 2}, case


def test_replica_failure_condition_comes_and_goes() -> None:
    rs = replica_set(replicas=3)
    failed = calculate_status(rs, [pod("a")], T0, 'pods "web-x" is forbidden: quota')
    assert failed["conditions"] == [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "lastTransitionTime": "2026-01-01T00:00:00Z",
            "reason": "FailedCreate",
            "message": 'pods "web-x" is forbidden: quota',
        }
    ]
    rs["status"] = failed
    assert calculate_status(rs, [pod("a")], T0 + 5, "again")["conditions"] == failed["conditions"]
    assert "conditions" not in calculate_status(rs, [pod("a")], T0 + 10)


def test_status_change_ignores_zeros_written_or_left_out() -> None:
    rs = replica_set(status={"replicas": 0, "readyReplicas": 0, "observedGeneration": 1})
    assert not status_changed(rs, {"replicas": 0, "observedGeneration": 1})
    assert status_changed(rs, {"replicas": 1, "observedGeneration": 1})


def test_looks_again_when_the_next_pod_becomes_available() -> None:
    rs = replica_set(min_ready=30)
    wait = seconds_until_next_available(rs, [pod("a", ready_at=T0 - 10), pod("b", ready_at=T0 - 25)], T0)
    assert wait is not None and 5 < wait < 5.01
    assert seconds_until_next_available(rs, [pod("a", ready_at=T0 - 100)], T0) is None
    assert seconds_until_next_available(replica_set(), [pod("a", ready_at=T0)], T0) is None


def test_expectations_hold_a_set_until_its_writes_are_seen() -> None:
    expected = Expectations()
    assert expected.satisfied("default/web", T0)
    expected.expect_creations("default/web", 2, T0)
    expected.creation_observed("default/web")
    assert not expected.satisfied("default/web", T0)
    expected.creation_observed("default/web")
    assert expected.satisfied("default/web", T0)
    expected.expect_deletions("default/web", ["default/a", "default/b"], T0)
    expected.deletion_observed("default/web", "default/a")
    expected.deletion_observed("default/web", "default/a")  # seen twice counts once
    expected.deletion_observed("default/web", "default/other")
    assert not expected.satisfied("default/web", T0)
    assert expected.satisfied("default/web", T0 + EXPECTATIONS_TIMEOUT + 1)  # a lost event
    expected.forget("default/web")
    assert "default/web" not in expected


def test_events_are_combined_after_ten_similar_ones() -> None:
    recorder = EventRecorder("replicaset-controller")
    rs = replica_set()
    for i in range(30):
        recorder.record(rs, "Normal", "SuccessfulCreate", f"Created pod: web-{i}", T0)
    writes = recorder.flush(T0)
    assert len(writes) == 11 and all(w.new for w in writes)
    assert writes[0].body["involvedObject"]["uid"] == "rs-uid" and writes[0].body["count"] == 1
    combined = writes[-1].body
    assert combined["message"] == "(combined from similar events): Created pod: web-29"
    assert combined["count"] == 20
    recorder.record(rs, "Normal", "SuccessfulCreate", "Created pod: web-30", T0 + 1)
    again = recorder.flush(T0 + 1)
    assert [(w.new, w.body["metadata"]["name"], w.body["count"]) for w in again] == [
        (False, combined["metadata"]["name"], 21)
    ]
    assert len({w.body["metadata"]["name"] for w in writes}) == 11


def test_an_object_gets_at_most_a_burst_of_event_writes() -> None:
    recorder = EventRecorder("replicaset-controller")
    rs = replica_set()
    for i in range(40):
        recorder.record(rs, "Normal", f"Reason{i}", "m", T0)
    assert len(recorder.flush(T0)) == 25
    recorder.record(rs, "Normal", "Later", "m", T0 + 300)
    assert len(recorder.flush(T0 + 300)) == 1
