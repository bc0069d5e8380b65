"""The ReplicaSet reconcile core: given a set and the pods that could be its own, what it
adopts, releases, creates and deletes (Kubernetes' syncReplicaSet and manageReplicas)."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.replicaset.ownership import adopt_patch, claim, release_patch
from kube_actors.components.controllers.replicaset.reconciling import (
    BURST_REPLICAS,
    plan_sync,
    pod_template,
    slow_start_batches,
)
from tests.unit.replicaset_fixtures import T0, Pods, names, pod, replica_set

OWNED = "rs-uid"


@pytest.mark.parametrize(
    ("case", "replicas", "pods", "met", "expect"),
    [
        ("creates the missing pods", 3, [pod("a", owner=OWNED)], True, {"create": 2}),
        ("nothing to do at the right count", 2, [pod("a", owner=OWNED), pod("b", owner=OWNED)], True, {}),
        (
            "finished and terminating pods do not count",
            2,
            [
                pod("a", owner=OWNED),
                pod("b", owner=OWNED, phase="Failed"),
                pod("c", owner=OWNED, deleting=True),
            ],
            True,
            {"create": 1, "pods": ["a"]},
        ),
        (
            "orphans that match are adopted and counted",
            2,
            [pod("a", owner=OWNED), pod("orphan")],
            True,
            {"adopt": ["orphan"], "pods": ["a", "orphan"]},
        ),
        (
            "a terminating orphan is not adopted",
            1,
            [pod("orphan", deleting=True)],
            True,
            {"create": 1, "pods": []},
        ),
        (
            "an owned pod that stopped matching is released and replaced",
            1,
            [pod("a", owner=OWNED, labels={"app": "other"})],
            True,
            {"release": ["a"], "create": 1, "pods": []},
        ),
        (
            "orphans that do not match are left alone",
            1,
            [pod("stranger", labels={"app": "db"})],
            True,
            {"create": 1, "pods": []},
        ),
        ("waits for its last writes to be seen", 3, [pod("a", owner=OWNED)], False, {}),
        (
            "deletes the surplus",
            1,
            [pod("old", owner=OWNED, created=T0 - 5000), pod("new", owner=OWNED, created=T0 - 10)],
            True,
            {"delete": ["new"]},
        ),
    ],
)
def test_sync_decisions(case: str, replicas: int, pods: list[Any], met: bool, expect: dict[str, Any]) -> None:
    rs = replica_set(replicas=replicas)
    sync = plan_sync(rs, Pods(pods), expectations_met=met, now=T0)
    assert sync.create == expect.get("create", 0), case
    assert names(sync.adopt) == expect.get("adopt", []), case
    assert names(sync.release) == expect.get("release", []), case
    assert names(sync.delete) == expect.get("delete", []), case
    if "pods" in expect:
        assert names(sync.pods) == expect["pods"], case


def test_a_set_being_deleted_manages_nothing() -> None:
    rs = replica_set(replicas=3, deleting=True)
    sync = plan_sync(
        rs, Pods([pod("orphan"), pod("a", owner=OWNED, labels={"app": "x"})]), expectations_met=True, now=T0
    )
    assert (sync.create, sync.adopt, sync.release, sync.delete) == (0, [], [], [])


def test_creates_and_deletes_at_most_a_burst_per_sync() -> None:
    sync = plan_sync(replica_set(replicas=2000), Pods([]), expectations_met=True, now=T0)
    assert sync.create == BURST_REPLICAS
    many = [pod(f"p{i}", owner=OWNED) for i in range(BURST_REPLICAS + 10)]
    assert (
        len(plan_sync(replica_set(replicas=0), Pods(many), expectations_met=True, now=T0).delete)
        == BURST_REPLICAS
    )


def test_pods_of_another_controller_are_never_claimed() -> None:
    theirs = pod("theirs", owner="someone-else")
    claims = claim(replica_set(), [theirs, pod("mine", owner=OWNED)])
    assert names(claims.owned) == ["mine"] and claims.adopt == claims.release == []


def test_a_new_pod_is_the_template_owned_by_the_set() -> None:
    made = pod_template(replica_set(name="web-7c5d9"))
    assert made["metadata"]["generateName"] == "web-7c5d9-"
    assert made["metadata"]["labels"] == {"app": "web"} and made["metadata"]["annotations"] == {"note": "x"}
    assert made["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web-7c5d9",
            "uid": OWNED,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert made["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_adoption_and_release_patches() -> None:
    rs = replica_set()
    orphan = pod("orphan")
    patch = adopt_patch(orphan, rs)
    assert patch[0] == {"op": "test", "path": "/metadata/uid", "value": "uid-orphan"}
    assert patch[-1]["value"][0]["uid"] == OWNED and patch[-1]["value"][0]["controller"] is True
    shared = pod("shared")
    shared["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "c"}
    ]
    appended = adopt_patch(shared, rs)
    assert appended[1]["op"] == "test" and appended[2]["path"] == "/metadata/ownerReferences/-"
    released = release_patch(pod("a", owner=OWNED), rs)
    assert released is not None and released[-1] == {"op": "remove", "path": "/metadata/ownerReferences/0"}


@pytest.mark.parametrize(
    ("count", "batches"),
    [
        (1, [1]),
        (3, [1, 2]),
        (7, [1, 2, 4]),
        (30, [1, 2, 4, 8, 15]),
        (500, [1, 2, 4, 8, 16, 32, 64, 128, 245]),
    ],
)
def test_slow_start_batches_double(count: int, batches: list[int]) -> None:
    assert slow_start_batches(count) == batches
