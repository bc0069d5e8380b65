"""A StatefulSet pod's identity, its revisions and the status counted from its pods."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.statefulset.counting import replica_status, status_patch
from kube_actors.components.controllers.statefulset.identity import (
    claims_for,
    new_pod,
    parent_and_ordinal,
    template_from_pod,
)
from kube_actors.components.controllers.statefulset.revisions import RevisionHistory, update_revision
from tests.unit.statefulset_objects import NOW, SET_UID, pod, stateful_set

JsonObject = dict[str, Any]


def test_a_pod_carries_its_ordinal_identity() -> None:
    stateful = stateful_set()
    revision = update_revision(stateful)
    made = new_pod(stateful, stateful["spec"]["template"], 2, revision)
    metadata, spec = made["metadata"], made["spec"]
    assert metadata["name"] == "db-2" and metadata["generateName"] == "db-"
    assert metadata["labels"] == {
        "app": "db",
        "statefulset.kubernetes.io/pod-name": "db-2",
        "apps.kubernetes.io/pod-index": "2",
        "controller-revision-hash": revision,
    }
    assert metadata["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": "db",
            "uid": SET_UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert spec["hostname"] == "db-2" and spec["subdomain"] == "db-headless"
    assert spec["volumes"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-2"}},
        {"name": "scratch", "emptyDir": {}},
    ]
    assert stateful["spec"]["template"]["spec"]["volumes"] == [
        {"name": "scratch", "emptyDir": {}}
    ]  # not mutated


def test_a_claim_volume_replaces_a_template_volume_of_the_same_name() -> None:
    stateful = stateful_set()
    stateful["spec"]["template"]["spec"]["volumes"].append({"name": "data", "emptyDir": {}})
    made = new_pod(stateful, stateful["spec"]["template"], 0, "rev")
    assert [v["name"] for v in made["spec"]["volumes"]] == ["data", "scratch"]
    assert "persistentVolumeClaim" in made["spec"]["volumes"][0]


def test_claims_are_named_per_template_and_ordinal_and_labelled_with_the_selector() -> None:
    stateful = stateful_set()
    stateful["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"] = {"tier": "storage"}
    claims = claims_for(stateful, 4)
    assert list(claims) == ["data"]
    made = claims["data"]
    assert made["metadata"] == {
        "name": "data-db-4",
        "namespace": "default",
        "labels": {"tier": "storage", "app": "db"},
    }
    assert made["spec"]["resources"] == {"requests": {"storage": "1Gi"}}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("db-0", ("db", 0)), ("my-db-17", ("my-db", 17)), ("db", None), ("db-x", None), ("db-", None)],
)
def test_parent_and_ordinal(name: str, expected: tuple[str, int] | None) -> None:
    assert parent_and_ordinal(name) == expected


def test_revisions_follow_the_template() -> None:
    first, same, other = stateful_set(), stateful_set(replicas=7), stateful_set(image="postgres:17")
    assert update_revision(first) == update_revision(same)  # replicas are not part of a revision
    assert update_revision(first) != update_revision(other)
    name, _, suffix = update_revision(first).rpartition("-")
    assert name == "db" and set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_history_keeps_templates_until_nothing_refers_to_them() -> None:
    history = RevisionHistory()
    old_revision = history.record(stateful_set(image="postgres:15"))
    new_revision = history.record(stateful_set())
    assert history.templates(SET_UID)[old_revision]["spec"]["containers"][0]["image"] == "postgres:15"
    history.keep_only(SET_UID, {new_revision})
    assert list(history.templates(SET_UID)) == [new_revision]
    history.forget(SET_UID)
    assert len(history) == 0


def test_a_template_rebuilt_from_a_pod_makes_the_same_pod() -> None:
    stateful = stateful_set()
    made = new_pod(stateful, stateful["spec"]["template"], 1, "rev-1")
    made["spec"]["nodeName"] = "node-3"
    rebuilt = template_from_pod(stateful, made)
    assert rebuilt == stateful["spec"]["template"]
    assert (
        new_pod(stateful, rebuilt, 1, "rev-1")["spec"]
        == new_pod(stateful, stateful["spec"]["template"], 1, "rev-1")["spec"]
    )


def test_status_counts_pods_by_state_and_revision() -> None:
    stateful = stateful_set(min_ready=30)
    old = update_revision(stateful_set(image="postgres:15"))
    new = update_revision(stateful)
    pods = [
        pod(stateful, 0, image="postgres:15"),
        pod(stateful, 1, ready_for=5),
        pod(stateful, 2, "pending"),
        pod(stateful, 3, "terminating", image="postgres:15"),
    ]
    status = replica_status(stateful, pods, old, new, NOW)
    assert status == {
        "observedGeneration": 2,
        "replicas": 4,
        "readyReplicas": 3,  # the terminating pod is still ready
        "currentReplicas": 1,
        "updatedReplicas": 2,
        "availableReplicas": 2,
        "currentRevision": old,
        "updateRevision": new,
        "collisionCount": 0,
    }


def test_a_complete_rolling_update_makes_the_update_revision_current() -> None:
    stateful = stateful_set(2)
    old, new = update_revision(stateful_set(image="postgres:15")), update_revision(stateful)
    status = replica_status(stateful, [pod(stateful, 0), pod(stateful, 1)], old, new, NOW)
    assert status["currentRevision"] == new and status["currentReplicas"] == 2
    on_delete = stateful_set(2, strategy={"type": "OnDelete"})
    status = replica_status(on_delete, [pod(on_delete, 0), pod(on_delete, 1)], old, new, NOW)
    assert status["currentRevision"] == old and "currentReplicas" not in status  # as Kubernetes does


def test_status_patch_changes_only_what_changed() -> None:
    assert status_patch({"replicas": 1, "conditions": []}, {"replicas": 1}) is None
    assert status_patch({"replicas": 1}, {"replicas": 2, "readyReplicas": 1}) == {
        "status": {"replicas": 2, "readyReplicas": 1}
    }


def test_history_learns_an_unknown_revision_from_a_pod_still_at_it() -> None:
    stateful = stateful_set()
    old_pod = pod(stateful, 0, image="postgres:15")
    history = RevisionHistory()
    history.learn_from_pods(stateful, [old_pod, pod(stateful, 1)])
    learned = history.templates(SET_UID)[update_revision(stateful_set(image="postgres:15"))]
    assert learned["spec"]["containers"][0]["image"] == "postgres:15"
    assert learned["metadata"]["labels"] == {"app": "db"}
