"""The StatefulSet reconcile core: given a set, its pods and claims, which writes come next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kube_actors.components.controllers.statefulset.actions import (
    Action,
    CreateClaim,
    CreatePod,
    DeletePod,
    Note,
    PatchClaim,
    PatchPod,
)
from kube_actors.components.controllers.statefulset.identity import REVISION_LABEL
from kube_actors.components.controllers.statefulset.reconciling import plan
from kube_actors.components.controllers.statefulset.revisions import update_revision
from tests.unit.statefulset_objects import NOW, SET_UID, claim, pod, stateful_set

JsonObject = dict[str, Any]
OLD = "postgres:15"


def summary(action: Action) -> tuple[str, ...]:
    if isinstance(action, CreateClaim):
        return ("create-claim", action.claim["metadata"]["name"])
    if isinstance(action, CreatePod):
        spec = action.pod["spec"]
        return ("create-pod", action.pod["metadata"]["name"], spec["containers"][0]["image"])
    if isinstance(action, DeletePod):
        return ("delete-pod", action.name, *(["at-once"] if action.at_once else []))
    if isinstance(action, PatchPod):
        return ("patch-pod", action.name)
    if isinstance(action, PatchClaim):
        return ("patch-claim", action.name)
    assert isinstance(action, Note)
    return ("note", action.reason)


@dataclass
class Case:
    name: str
    stateful: JsonObject
    pods: list[tuple[int, str] | tuple[int, str, str]]  # (ordinal, state[, image])
    expected: list[tuple[str, ...]]
    claims: list[str] = field(default_factory=lambda: ["data-db-0", "data-db-1", "data-db-2"])


CASES = [
    Case(
        "a new set starts with its first pod, claim first",
        stateful_set(),
        [],
        [("create-claim", "data-db-0"), ("create-pod", "db-0", "postgres:16")],
        claims=[],
    ),
    Case("OrderedReady waits for a pending pod", stateful_set(), [(0, "pending")], []),
    Case("OrderedReady waits for a running pod that is not ready", stateful_set(), [(0, "running")], []),
    Case(
        "the next pod once its predecessor is ready",
        stateful_set(),
        [(0, "ready")],
        [("create-pod", "db-1", "postgres:16")],
    ),
    Case(
        "Parallel creates every missing pod at once",
        stateful_set(policy="Parallel"),
        [(1, "pending")],
        [
            ("create-claim", "data-db-0"),
            ("create-pod", "db-0", "postgres:16"),
            ("create-claim", "data-db-2"),
            ("create-pod", "db-2", "postgres:16"),
        ],
        claims=["data-db-1"],
    ),
    Case("a full healthy set does nothing", stateful_set(), [(0, "ready"), (1, "ready"), (2, "ready")], []),
    Case(
        "scale down removes the highest ordinal first, one at a time",
        stateful_set(1),
        [(0, "ready"), (1, "ready"), (2, "ready")],
        [("delete-pod", "db-2")],
    ),
    Case(
        "scale down waits for the terminating pod",
        stateful_set(1),
        [(0, "ready"), (1, "ready"), (2, "terminating")],
        [],
    ),
    Case(
        "scale down waits while a kept pod is unhealthy",
        stateful_set(1),
        [(0, "running"), (1, "ready"), (2, "ready")],
        [],
    ),
    Case(
        "scale down may remove the first unhealthy pod itself",
        stateful_set(1),
        [(0, "ready"), (1, "ready"), (2, "running")],
        [("delete-pod", "db-2")],
    ),
    Case(
        "Parallel scales down all at once",
        stateful_set(1, policy="Parallel"),
        [(0, "ready"), (1, "ready"), (2, "running")],
        [("delete-pod", "db-2"), ("delete-pod", "db-1")],
    ),
    Case(
        "a failed pod is deleted at once, and recreated after",
        stateful_set(),
        [(0, "failed"), (1, "ready")],
        [("note", "RecreatingFailedPod"), ("delete-pod", "db-0", "at-once")],
    ),
    Case(
        "a succeeded pod is replaced too",
        stateful_set(),
        [(0, "ready"), (1, "succeeded")],
        [("note", "RecreatingTerminatedPod"), ("delete-pod", "db-1", "at-once")],
    ),
    Case(
        "a rolling update replaces the highest ordinal first",
        stateful_set(),
        [(0, "ready", OLD), (1, "ready", OLD), (2, "ready", OLD)],
        [("delete-pod", "db-2")],
    ),
    Case(
        "then the next one down",
        stateful_set(),
        [(0, "ready", OLD), (1, "ready", OLD), (2, "ready")],
        [("delete-pod", "db-1")],
    ),
    Case(
        "a replaced pod comes back at the update revision",
        stateful_set(),
        [(0, "ready", OLD), (1, "ready", OLD)],
        [("create-pod", "db-2", "postgres:16")],
    ),
    Case(
        "the update waits for the updated pod to be healthy (Parallel skips the readiness wait)",
        stateful_set(policy="Parallel"),
        [(0, "ready", OLD), (1, "ready", OLD), (2, "running")],
        [],
    ),
    Case(
        "partition: pods below it keep their revision",
        stateful_set(
            strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}, current_image=OLD
        ),
        [(0, "ready", OLD), (1, "ready", OLD), (2, "ready")],
        [],
    ),
    Case(
        "partition: a deleted pod below it comes back at the current revision",
        stateful_set(
            strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}, current_image=OLD
        ),
        [(1, "ready", OLD), (2, "ready")],
        [("create-pod", "db-0", OLD)],
    ),
    Case(
        "OnDelete leaves old pods alone",
        stateful_set(strategy={"type": "OnDelete"}),
        [(0, "ready", OLD), (1, "ready", OLD), (2, "ready", OLD)],
        [],
    ),
    Case(
        "OnDelete recreates a deleted pod at the update revision",
        stateful_set(strategy={"type": "OnDelete"}),
        [(0, "ready", OLD), (2, "ready", OLD)],
        [("create-pod", "db-1", "postgres:16")],
    ),
    Case(
        "a pod is not created while its claim is being deleted",
        stateful_set(),
        [(0, "ready")],
        [("note", "FailedCreate")],
        claims=["data-db-0", "deleting:data-db-1"],
    ),
    Case(
        "a claim deleted under a running pod is made again",
        stateful_set(),
        [(0, "ready"), (1, "ready"), (2, "ready")],
        [("create-claim", "data-db-1")],
        claims=["data-db-0", "data-db-2"],
    ),
    Case(
        "ordinals start where spec.ordinals.start says",
        stateful_set(2, start=5),
        [(5, "ready")],
        [("create-claim", "data-db-6"), ("create-pod", "db-6", "postgres:16")],
        claims=["data-db-5"],
    ),
    Case(
        "pods past the range of a shifted start are scaled away",
        stateful_set(2, start=1),
        [(0, "ready"), (1, "ready"), (2, "ready")],
        [("delete-pod", "db-0")],
    ),
    Case(
        "a set being deleted only reports status",
        stateful_set(deleting=True),
        [(0, "ready")],
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_plan(case: Case) -> None:
    pods = [
        pod(case.stateful, entry[0], entry[1], image=entry[2] if len(entry) > 2 else None)
        for entry in case.pods
    ]
    claims = {}
    for name in case.claims:
        deleting = name.startswith("deleting:")
        bare = name.removeprefix("deleting:")
        claims[bare] = claim(bare, deleting=deleting)
    templates = _templates_with_old(case.stateful)
    made = plan(case.stateful, pods, claims.get, templates, NOW)
    assert [summary(action) for action in made.actions] == case.expected


def _templates_with_old(stateful: JsonObject) -> dict[str, JsonObject]:
    old = stateful_set(image=OLD)
    return {update_revision(old): old["spec"]["template"]}


def test_a_recreated_pod_below_the_partition_uses_a_sibling_when_the_template_was_forgotten() -> None:
    partitioned = stateful_set(strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    old_revision = update_revision(stateful_set(image=OLD))
    partitioned["status"] = {"currentRevision": old_revision}
    pods = [pod(partitioned, 1, image=OLD), pod(partitioned, 2)]
    claims = {name: claim(name) for name in ("data-db-0", "data-db-1", "data-db-2")}
    made = plan(partitioned, pods, claims.get, {}, NOW)
    [create] = made.actions
    assert isinstance(create, CreatePod)
    created = create.pod
    assert created["spec"]["containers"][0]["image"] == OLD
    assert created["metadata"]["labels"][REVISION_LABEL] == old_revision
    assert created["spec"]["hostname"] == "db-0" and "nodeName" not in created["spec"]
    assert created["spec"]["volumes"][0] == {
        "name": "data",
        "persistentVolumeClaim": {"claimName": "data-db-0"},
    }


def test_min_ready_seconds_holds_the_next_pod_and_asks_to_look_again() -> None:
    waiting = stateful_set(min_ready=10)
    made = plan(waiting, [pod(waiting, 0, ready_for=4.0)], {"data-db-0": claim("data-db-0")}.get, {}, NOW)
    assert made.actions == ()
    assert made.recheck_after == pytest.approx(6.0)
    assert made.status["readyReplicas"] == 1 and made.status["availableReplicas"] == 0
    later = plan(waiting, [pod(waiting, 0, ready_for=10.0)], {"data-db-0": claim("data-db-0")}.get, {}, NOW)
    assert [summary(a) for a in later.actions] == [
        ("create-claim", "data-db-1"),
        ("create-pod", "db-1", "postgres:16"),
    ]
    assert later.recheck_after is None


def test_orphans_it_selects_are_adopted_and_pods_it_no_longer_selects_released() -> None:
    stateful = stateful_set(1)
    orphan = pod(stateful, 0)
    del orphan["metadata"]["ownerReferences"]
    stranger = pod(stateful, 0)
    stranger["metadata"].update(name="other-0", ownerReferences=[])
    relabelled = pod(stateful, 1)
    relabelled["metadata"]["labels"]["app"] = "debug"
    made = plan(stateful, [orphan, stranger, relabelled], {"data-db-0": claim("data-db-0")}.get, {}, NOW)
    adopt, release = made.actions
    assert isinstance(adopt, PatchPod) and adopt.name == "db-0"
    assert adopt.patch["metadata"]["ownerReferences"][0]["uid"] == SET_UID
    assert adopt.patch["metadata"]["resourceVersion"] == "100"
    assert isinstance(release, PatchPod) and release.name == "db-1"
    assert release.patch["metadata"]["ownerReferences"] is None
    assert made.status["replicas"] == 1  # the released pod is no longer counted


def test_missing_identity_labels_are_restored() -> None:
    stateful = stateful_set(1)
    bare = pod(stateful, 0)
    del bare["metadata"]["labels"]["apps.kubernetes.io/pod-index"]
    made = plan(stateful, [bare], {"data-db-0": claim("data-db-0")}.get, {}, NOW)
    [patch] = made.actions
    assert isinstance(patch, PatchPod) and patch.recorded
    assert patch.patch["metadata"]["labels"] == {"apps.kubernetes.io/pod-index": "0"}


@pytest.mark.parametrize(
    ("retention", "expected_kinds"),
    [
        ({"whenDeleted": "Retain", "whenScaled": "Retain"}, None),
        ({"whenDeleted": "Delete", "whenScaled": "Retain"}, ["StatefulSet"]),
        ({"whenDeleted": "Retain", "whenScaled": "Delete"}, None),
    ],
)
def test_new_claims_are_owned_as_the_retention_policy_says(
    retention: JsonObject, expected_kinds: list[str] | None
) -> None:
    stateful = stateful_set(retention=retention)
    no_claims: dict[str, JsonObject] = {}
    create_claim = plan(stateful, [], no_claims.get, {}, NOW).actions[0]
    assert isinstance(create_claim, CreateClaim)
    refs = create_claim.claim["metadata"].get("ownerReferences")
    assert (refs and [r["kind"] for r in refs]) == expected_kinds


def test_scaled_down_claims_get_their_pod_as_owner_when_scaled_claims_are_deleted() -> None:
    stateful = stateful_set(1, retention={"whenDeleted": "Delete", "whenScaled": "Delete"})
    set_ref = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": SET_UID}
    claims = {name: claim(name, owners=[set_ref]) for name in ("data-db-0", "data-db-1")}
    made = plan(stateful, [pod(stateful, 0), pod(stateful, 1)], claims.get, {}, NOW)
    assert [summary(a) for a in made.actions] == [("patch-claim", "data-db-1"), ("delete-pod", "db-1")]
    patch = made.actions[0]
    assert isinstance(patch, PatchClaim)
    assert patch.patch["metadata"]["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Pod", "name": "db-1", "uid": "uid-db-1"}
    ]
