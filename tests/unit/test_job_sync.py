"""The Job controller's reconcile core: pods made, retried, stopped and counted, and the
conditions and times Kubernetes writes, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api.times import timestamp
from kube_actors.components.controllers.job.pods import COMPLETION_INDEX, TRACKING_FINALIZER
from kube_actors.components.controllers.job.syncing import JobSync, sync_job
from tests.unit.job_objects import NOW, job, pod

STARTED = {"startTime": timestamp(NOW - 30)}


def conditions(sync: JobSync) -> list[tuple[str, str, str]]:
    assert sync.status is not None
    return [(c["type"], c["status"], c["reason"]) for c in sync.status.get("conditions", [])]


def indexes(sync: JobSync) -> list[int]:
    return [int(p["metadata"]["annotations"][COMPLETION_INDEX]) for p in sync.create]


# (case, job, pods, expectations met, what the sync must say)
CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], bool, dict[str, Any]]] = [
    (
        "a new Job starts parallelism pods and its clock",
        job(completions=3, parallelism=2),
        [],
        True,
        {"creates": 2, "status": {"startTime": timestamp(NOW), "active": 2, "ready": 0, "terminating": 0}},
    ),
    (
        "pods it created but has not seen yet hold it back",
        job(STARTED, completions=3, parallelism=2),
        [],
        False,
        {"creates": 0, "delete": ()},
    ),
    (
        "a success is recorded as uncounted, its pod released, and a replacement made",
        job(STARTED, completions=3, parallelism=2),
        [pod("a", "Succeeded", finished=NOW - 1), pod("b", ready=True)],
        True,
        {
            "creates": 1,
            "release": ("a",),
            "status": {"uncountedTerminatedPods": {"succeeded": ["uid-a"]}, "active": 2, "ready": 1},
        },
    ),
    (
        "a released pod's success is counted for good",
        job({**STARTED, "uncountedTerminatedPods": {"succeeded": ["uid-a"]}}, completions=3, parallelism=1),
        [pod("a", "Succeeded", tracked=False), pod("b")],
        True,
        {"creates": 0, "release": (), "status": {"succeeded": 1, "uncountedTerminatedPods": {}, "active": 1}},
    ),
    (
        "enough successes: success criteria met, then Complete once all is counted",
        job({**STARTED, "succeeded": 2}, completions=2),
        [pod("a", "Succeeded", tracked=False), pod("b", "Succeeded", tracked=False)],
        True,
        {
            "conditions": [
                ("SuccessCriteriaMet", "True", "CompletionsReached"),
                ("Complete", "True", "CompletionsReached"),
            ],
            "status": {"completionTime": timestamp(NOW), "succeeded": 2},
            "events": (("Normal", "Completed", "Job completed"),),
        },
    ),
    (
        "the last success still uncounted: Complete waits for it",
        job({**STARTED, "succeeded": 1}, completions=2),
        [pod("b", "Succeeded")],
        True,
        {
            "release": ("b",),
            "conditions": [("SuccessCriteriaMet", "True", "CompletionsReached")],
            "events": (),
        },
    ),
    (
        "completions reached with pods still running: they are stopped",
        job({**STARTED, "succeeded": 1}, completions=1, parallelism=2),
        [pod("b", ready=True)],
        True,
        {
            "delete": ("b",),
            "creates": 0,
            "conditions": [("SuccessCriteriaMet", "True", "CompletionsReached")],
        },
    ),
    (
        "failures past the backoff limit fail the Job",
        job({**STARTED, "failed": 2}, backoffLimit=1),
        [pod("a", "Failed", tracked=False), pod("b", "Failed", tracked=False)],
        True,
        {
            "creates": 0,
            "conditions": [
                ("FailureTarget", "True", "BackoffLimitExceeded"),
                ("Failed", "True", "BackoffLimitExceeded"),
            ],
            "events": (("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),),
        },
    ),
    (
        "failing with pods running: they are stopped before Failed is written",
        job({**STARTED, "failed": 2}, backoffLimit=1, parallelism=2, completions=3),
        [pod("c")],
        True,
        {"delete": ("c",), "creates": 0, "conditions": [("FailureTarget", "True", "BackoffLimitExceeded")]},
    ),
    (
        "restarts in place count against the limit with restartPolicy OnFailure",
        job(
            STARTED,
            backoffLimit=3,
            template={"metadata": {}, "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c"}]}},
        ),
        [pod("a", restarts=3)],
        True,
        {"delete": ("a",), "conditions": [("FailureTarget", "True", "BackoffLimitExceeded")]},
    ),
    (
        "past its active deadline the Job fails",
        job({"startTime": timestamp(NOW - 100)}, activeDeadlineSeconds=60),
        [pod("a")],
        True,
        {"delete": ("a",), "conditions": [("FailureTarget", "True", "DeadlineExceeded")]},
    ),
    (
        "before its deadline the Job is looked at again when it falls",
        job({"startTime": timestamp(NOW - 20)}, activeDeadlineSeconds=60),
        [pod("a")],
        True,
        {"look_again": 40.0, "conditions": []},
    ),
    (
        "a failed pod is replaced only after the failure backoff (10 s)",
        job({**STARTED, "failed": 1}),
        [pod("a", "Failed", tracked=False, finished=NOW - 4)],
        True,
        {"creates": 0, "look_again": 6.0},
    ),
    (
        "each further failure doubles the backoff",
        job({**STARTED, "failed": 2}),
        [
            pod("a", "Failed", tracked=False, finished=NOW - 30),
            pod("b", "Failed", tracked=False, finished=NOW - 4),
        ],
        True,
        {"creates": 0, "look_again": 16.0},
    ),
    (
        "once the backoff is over the failed pod is replaced",
        job({**STARTED, "failed": 1}),
        [pod("a", "Failed", tracked=False, finished=NOW - 11)],
        True,
        {"creates": 1, "status": {"failed": 1, "active": 1}},
    ),
    (
        "a deleted pod that did not succeed counts as failed",
        job(STARTED),
        [pod("a", deleting=True)],
        True,
        {"release": ("a",), "status": {"uncountedTerminatedPods": {"failed": ["uid-a"]}, "terminating": 1}},
    ),
    (
        "without completions, the first success stops new pods",
        job({**STARTED, "succeeded": 1}, completions=None, parallelism=3),
        [pod("a", "Succeeded", tracked=False), pod("b")],
        True,
        {"creates": 0, "delete": (), "conditions": []},
    ),
    (
        "without completions, the Job completes when all its pods are done",
        job({**STARTED, "succeeded": 1}, completions=None, parallelism=3),
        [pod("a", "Succeeded", tracked=False)],
        True,
        {
            "conditions": [
                ("SuccessCriteriaMet", "True", "CompletionsReached"),
                ("Complete", "True", "CompletionsReached"),
            ]
        },
    ),
    (
        "less parallelism: surplus pods stop, unscheduled first",
        job(STARTED, completions=5, parallelism=1),
        [pod("a", ready=True), pod("b", node=""), pod("c", ready=True, created=NOW - 10)],
        True,
        {"delete": ("b", "c"), "status": {"active": 1}},
    ),
    (
        "a suspended Job stops its pods",
        job(STARTED, suspend=True),
        [pod("a")],
        True,
        {
            "delete": ("a",),
            "creates": 0,
            "conditions": [("Suspended", "True", "JobSuspended")],
            "events": (("Normal", "Suspended", "Job suspended"),),
        },
    ),
    (
        "a resumed Job starts again, its clock reset",
        job(
            {
                **STARTED,
                "conditions": [
                    {
                        "type": "Suspended",
                        "status": "True",
                        "reason": "JobSuspended",
                        "message": "Job suspended",
                    }
                ],
            }
        ),
        [],
        True,
        {
            "creates": 1,
            "conditions": [("Suspended", "False", "JobResumed")],
            "status": {"startTime": timestamp(NOW)},
        },
    ),
    (
        "an Indexed Job makes one pod per index, lowest first",
        job(completions=3, parallelism=2, completionMode="Indexed"),
        [],
        True,
        {"indexes": [0, 1]},
    ),
    (
        "an Indexed Job counts indexes and works on those left",
        job(STARTED, completions=3, parallelism=2, completionMode="Indexed"),
        [pod("pi-0", "Succeeded", index=0), pod("pi-1", index=1)],
        True,
        {
            "indexes": [2],
            "release": ("pi-0",),
            "status": {"succeeded": 1, "completedIndexes": "0", "active": 2},
        },
    ),
    (
        "an Indexed Job stops a second pod on one index",
        job(STARTED, completions=2, parallelism=2, completionMode="Indexed"),
        [pod("old", index=1, created=NOW - 50), pod("new", index=1, created=NOW - 5)],
        True,
        {"delete": ("new",), "indexes": [0]},
    ),
    (
        "an Indexed Job completes when every index has succeeded",
        job({**STARTED, "succeeded": 1, "completedIndexes": "0"}, completions=2, completionMode="Indexed"),
        [pod("pi-1", "Succeeded", index=1, tracked=False)],
        True,
        {"status": {"completedIndexes": "0"}, "indexes": [1]},
    ),
]


@pytest.mark.parametrize(
    ("spec", "pods", "met", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_sync(spec: dict[str, Any], pods: list[dict[str, Any]], met: bool, expected: dict[str, Any]) -> None:
    sync = sync_job(spec, pods, NOW, expectations_met=met)
    if "creates" in expected:
        assert len(sync.create) == expected["creates"]
    if "indexes" in expected:
        assert indexes(sync) == expected["indexes"]
    if "delete" in expected:
        assert sync.delete == expected["delete"]
    if "release" in expected:
        assert sync.release == expected["release"]
    if "conditions" in expected:
        assert (conditions(sync) if sync.status is not None else []) == expected["conditions"]
    if "events" in expected:
        assert sync.events == expected["events"]
    if "look_again" in expected:
        assert sync.look_again_after == pytest.approx(expected["look_again"])
    for field, value in expected.get("status", {}).items():
        assert sync.status is not None and sync.status.get(field) == value, field


def test_pods_are_made_from_the_template_owned_and_tracked() -> None:
    made = sync_job(job(completions=2, parallelism=2), [], NOW).create[0]
    metadata = made["metadata"]
    assert metadata["generateName"] == "pi-"
    assert metadata["labels"] == {"batch.kubernetes.io/controller-uid": "job-uid", "job-name": "pi"}
    assert metadata["finalizers"] == [TRACKING_FINALIZER]
    assert metadata["ownerReferences"] == [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": "pi",
            "uid": "job-uid",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert made["spec"]["restartPolicy"] == "Never"


def test_indexed_pods_carry_their_index() -> None:
    made = sync_job(job(completions=2, parallelism=2, completionMode="Indexed"), [], NOW).create[1]
    assert made["metadata"]["generateName"] == "pi-1-"
    assert made["metadata"]["labels"][COMPLETION_INDEX] == "1"
    assert made["spec"]["hostname"] == "pi-1"
    assert made["spec"]["containers"][0]["env"] == [
        {
            "name": "JOB_COMPLETION_INDEX",
            "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}},
        }
    ]


def test_a_finished_job_is_deleted_its_ttl_after_it_finished() -> None:
    done = {
        "succeeded": 1,
        "completionTime": timestamp(NOW - 30),
        "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": timestamp(NOW - 30)}],
    }
    assert sync_job(job(done, ttlSecondsAfterFinished=100), [], NOW).look_again_after == pytest.approx(70)
    assert sync_job(job(done, ttlSecondsAfterFinished=100), [], NOW + 70).delete_job
    assert not sync_job(job(done), [], NOW + 1000).delete_job  # no TTL: kept


def test_a_finished_job_lets_go_of_every_pod_it_still_holds() -> None:
    failed = {
        "failed": 7,
        "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}],
    }
    sync = sync_job(job(failed), [pod("late")], NOW)
    assert sync.release == ("late",) and sync.create == () and sync.delete == ()
    assert sync.status is not None and sync.status["uncountedTerminatedPods"] == {"failed": ["uid-late"]}


def test_a_job_being_deleted_lets_go_of_its_pods_and_makes_none() -> None:
    sync = sync_job(job(STARTED, deleting=True, completions=3), [pod("a"), pod("b", "Succeeded")], NOW)
    assert sync.release == ("a", "b") and sync.create == ()
