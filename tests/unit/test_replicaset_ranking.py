"""Which surplus pods a ReplicaSet deletes first: Kubernetes' ActivePodsWithRanks order."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.replicaset.ranking import DELETION_COST, pods_to_delete
from tests.unit.replicaset_fixtures import T0, names, pod

OWNER = "rs-uid"


@pytest.mark.parametrize(
    ("case", "first", "second"),
    [
        ("unscheduled before scheduled", pod("a", node=""), pod("b")),
        ("pending before running", pod("a", phase="Pending"), pod("b")),
        ("unknown before running", pod("a", phase="Unknown"), pod("b")),
        ("not ready before ready", pod("a", ready_at=None), pod("b")),
        (
            "lower deletion cost first",
            pod("a", annotations={DELETION_COST: "-1"}, ready_at=T0 - 10, created=T0 - 10),
            pod("b", ready_at=T0 - 10_000, created=T0 - 10_000),
        ),
        ("doubled up on a node first", pod("a", node="crowded"), pod("b", node="alone")),
        ("more recently ready first", pod("a", ready_at=T0 - 10), pod("b", ready_at=T0 - 10_000)),
        ("more restarts first", pod("a", restarts=5), pod("b", restarts=1)),
        ("newer first", pod("a", created=T0 - 10), pod("b", created=T0 - 10_000)),
    ],
)
def test_the_less_valuable_pod_goes_first(case: str, first: Any, second: Any) -> None:
    sibling = pod("sibling", node="crowded")
    for ordering in ([first, second], [second, first]):
        assert names(pods_to_delete(ordering, [first, second, sibling], 1, T0)) == ["a"], case


def test_pods_of_about_the_same_age_are_chosen_between_by_uid() -> None:
    # 1000 s and 1010 s old fall in the same power-of-two bucket of nanoseconds.
    younger = pod("younger", created=T0 - 1000, ready_at=None, uid="uid-b")
    older = pod("older", created=T0 - 1010, ready_at=None, uid="uid-a")
    assert names(pods_to_delete([younger, older], [], 1, T0)) == ["older"]


def test_deleting_all_needs_no_ranking() -> None:
    pods = [pod("a"), pod("b")]
    assert pods_to_delete(pods, [], 5, T0) == pods
