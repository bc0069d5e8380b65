"""Counting a Job's finished pods through the job-tracking finalizer: every outcome exactly once,
whatever step a previous sync stopped at."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.job.counting import count_pods
from tests.unit.job_objects import job, pod

# (case, status before, pods, letting go,
#  expected (succeeded, failed, uncounted succeeded, uncounted failed, released))
CASES: list[
    tuple[str, dict[str, Any], list[dict[str, Any]], bool, tuple[int, int, set[str], set[str], list[str]]]
] = [
    ("running pods are not counted", {}, [pod("a")], False, (0, 0, set(), set(), [])),
    (
        "a finished pod is recorded, then released",
        {},
        [pod("a", "Succeeded"), pod("b", "Failed")],
        False,
        (0, 0, {"uid-a"}, {"uid-b"}, ["a", "b"]),
    ),
    (
        "recorded but not yet released (a crash between): released again, not recorded twice",
        {"uncountedTerminatedPods": {"succeeded": ["uid-a"]}},
        [pod("a", "Succeeded")],
        False,
        (0, 0, {"uid-a"}, set(), ["a"]),
    ),
    (
        "recorded and released: counted",
        {"succeeded": 2, "uncountedTerminatedPods": {"succeeded": ["uid-a"], "failed": ["uid-gone"]}},
        [pod("a", "Succeeded", tracked=False)],
        False,
        (3, 1, set(), set(), []),
    ),
    (
        "a released pod is never counted again",
        {"succeeded": 1},
        [pod("a", "Succeeded", tracked=False)],
        False,
        (1, 0, set(), set(), []),
    ),
    ("letting go counts running pods as failed", {}, [pod("a")], True, (0, 0, set(), {"uid-a"}, ["a"])),
]


@pytest.mark.parametrize(
    ("before", "pods", "letting_go", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_counting(
    before: dict[str, Any],
    pods: list[dict[str, Any]],
    letting_go: bool,
    expected: tuple[int, int, set[str], set[str], list[str]],
) -> None:
    counts = count_pods(job(before), pods, letting_go=letting_go)
    assert (
        counts.succeeded,
        counts.failed,
        counts.uncounted_succeeded,
        counts.uncounted_failed,
        counts.release,
    ) == expected


def test_indexed_successes_count_by_index_once() -> None:
    indexed = job({"completedIndexes": "0"}, completions=3, completionMode="Indexed")
    pods = [pod("p0", "Succeeded", index=0), pod("p2", "Succeeded", index=2), pod("p9", "Succeeded", index=9)]
    counts = count_pods(indexed, pods, letting_go=False)
    assert counts.completed_indexes == {0, 2} and counts.uncounted_succeeded == set()
    assert counts.release == ["p0", "p2", "p9"]
    status: dict[str, Any] = {}
    counts.write_into(status, indexed=True)
    assert status["completedIndexes"] == "0,2" and status["succeeded"] == 2
