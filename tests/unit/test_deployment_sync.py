"""The Deployment reconcile core: which writes one sync makes, for a new Deployment, each step
of a rolling update, Recreate, pause, scaling, history, rollback and the progress deadline."""

from __future__ import annotations

from typing import Any

from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.deployment.actions import (
    CreateReplicaSet,
    DeleteReplicaSet,
    PatchReplicaSet,
    UpdateDeployment,
    UpdateDeploymentStatus,
    UpdateReplicaSet,
)
from kube_actors.components.controllers.deployment.progress import condition
from kube_actors.components.controllers.deployment.reconciling import plan_sync
from kube_actors.components.controllers.deployment.revisions import REVISION, REVISION_HISTORY, template_hash
from tests.unit.deployment_fixtures import T0, deployment, kinds, made_set

JsonObject = dict[str, Any]


def sizes(actions: list[Any]) -> dict[str, int]:
    return {
        a.body["metadata"]["name"]: a.body["spec"]["replicas"]
        for a in actions
        if isinstance(a, UpdateReplicaSet)
    }


def last_status(actions: list[Any]) -> JsonObject:
    return [a.status for a in actions if isinstance(a, UpdateDeploymentStatus)][-1]


def test_a_new_deployment_gets_its_first_replica_set() -> None:
    d = deployment(3, annotations={"kubernetes.io/change-cause": "first"})
    sync = plan_sync(d, [], T0)
    assert kinds(sync.actions) == [
        "CreateReplicaSet",
        "UpdateDeployment",
        "UpdateDeploymentStatus",
        "UpdateDeploymentStatus",
    ]
    created = sync.actions[0]
    assert isinstance(created, CreateReplicaSet)
    rs = created.body
    pod_hash = template_hash(d["spec"]["template"])
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["metadata"]["ownerReferences"][0]["uid"] == "d-uid"
    assert rs["spec"]["replicas"] == 3
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {
        "kubernetes.io/change-cause": "first",
        REVISION: "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
    }
    assert (
        created.note is not None
        and created.note.message == f"Scaled up replica set web-{pod_hash} from 0 to 3"
    )
    assert sync.actions[1] == UpdateDeployment({REVISION: "1"})
    status = last_status(sync.actions)
    assert status["observedGeneration"] == 1 and status["unavailableReplicas"] == 3
    available = condition(status, "Available")
    progressing = condition(status, "Progressing")
    assert available is not None and (available["status"], available["reason"]) == (
        "False",
        "MinimumReplicasUnavailable",
    )
    assert progressing is not None and progressing["reason"] == "NewReplicaSetCreated"


def test_the_hash_changes_with_a_collision_count() -> None:
    template = deployment()["spec"]["template"]
    assert template_hash(template) != template_hash(template, 1) != template_hash(template, 2)


def test_a_rolling_update_surges_then_waits_for_availability() -> None:
    one_at_a_time = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
    old_d = deployment(4, strategy=one_at_a_time)
    old = made_set(old_d, 4)
    d = deployment(4, image="nginx:1.26", generation=2, annotations={REVISION: "1"}, strategy=one_at_a_time)
    d["status"] = {"replicas": 4, "updatedReplicas": 4, "availableReplicas": 4, "observedGeneration": 1}
    sync = plan_sync(d, [old], T0)
    created = next(a for a in sync.actions if isinstance(a, CreateReplicaSet))
    assert created.body["spec"]["replicas"] == 1  # 25% of 4 surges one pod
    assert created.body["metadata"]["annotations"][REVISION] == "2"
    assert sizes(sync.actions) == {}  # nothing old may go: the new pod is not available yet

    new = made_set(d, 1, available=0, revision=2, created=T0)
    assert sizes(plan_sync(d, [old, new], T0).actions) == {}
    new = made_set(d, 1, available=1, revision=2, created=T0)
    old_name = old["metadata"]["name"]
    assert sizes(plan_sync(d, [old, new], T0).actions) == {old_name: 3}
    shrunk = made_set(old_d, 3)
    assert sizes(plan_sync(d, [shrunk, new], T0).actions) == {new["metadata"]["name"]: 2}


def test_percentages_bound_every_step_of_a_ten_replica_rollout() -> None:
    """maxSurge 25% of 10 is 3 and maxUnavailable 25% is 2: at most 13 pods, at least 8 available."""
    old_d = deployment(10)
    d = deployment(10, image="nginx:1.26", generation=2, annotations={REVISION: "1"})
    old, new = made_set(old_d, 10), made_set(d, 0, revision=2, created=T0)
    for _ in range(40):
        sync = plan_sync(d, [old, new], T0)
        for action in sync.actions:
            if isinstance(action, UpdateReplicaSet):
                target = old if action.body["metadata"]["name"] == old["metadata"]["name"] else new
                target["spec"]["replicas"] = action.body["spec"]["replicas"]
        for rs in (old, new):  # the pods come up at once, available
            count = rs["spec"]["replicas"]
            rs["status"] = {"replicas": count, "readyReplicas": count, "availableReplicas": count}
        total = old["spec"]["replicas"] + new["spec"]["replicas"]
        assert total <= 13
        assert old["status"]["availableReplicas"] + new["status"]["availableReplicas"] >= 8
        if new["spec"]["replicas"] == 10 and old["spec"]["replicas"] == 0:
            break
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, 10)


def test_the_first_step_may_also_take_an_old_pod_down() -> None:
    """With 4 replicas, 25% allows one more pod and one unavailable: both at once."""
    old = made_set(deployment(4), 4)
    d = deployment(4, image="nginx:1.26", generation=2, annotations={REVISION: "1"})
    sync = plan_sync(d, [old], T0)
    assert kinds(sync.actions)[0] == "CreateReplicaSet" and sizes(sync.actions) == {
        old["metadata"]["name"]: 3
    }


def test_unhealthy_old_pods_go_first() -> None:
    half = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "50%"}}
    old = made_set(deployment(4, strategy=half), 4, available=1)
    d = deployment(4, image="nginx:1.26", generation=2, annotations={REVISION: "1"}, strategy=half)
    new = made_set(d, 1, available=0, revision=2, created=T0)
    # 5 pods, 1 available, 2 must stay: the unavailable old ones go though nothing new is available.
    assert sizes(plan_sync(d, [old, new], T0).actions) == {old["metadata"]["name"]: 2}


def test_recreate_scales_down_waits_for_the_pods_then_creates() -> None:
    recreate = {"type": "Recreate"}
    old_d = deployment(3, strategy=recreate)
    old = made_set(old_d, 3)
    d = deployment(3, image="nginx:1.26", strategy=recreate, generation=2, annotations={REVISION: "1"})
    assert sizes(plan_sync(d, [old], T0).actions) == {old["metadata"]["name"]: 0}
    old["spec"]["replicas"] = 0
    old["status"] = {"replicas": 0}
    lingering = {"metadata": {"name": "p"}, "status": {"phase": "Running"}}
    waiting = plan_sync(d, [old], T0, {old["metadata"]["uid"]: [lingering]})
    assert not any(isinstance(a, CreateReplicaSet) for a in waiting.actions)
    done = plan_sync(
        d, [old], T0, {old["metadata"]["uid"]: [{**lingering, "status": {"phase": "Succeeded"}}]}
    )
    created = next(a for a in done.actions if isinstance(a, CreateReplicaSet))
    assert created.body["spec"]["replicas"] == 3


def test_a_paused_deployment_makes_no_new_set_but_still_scales() -> None:
    old = made_set(deployment(3), 3)
    d = deployment(5, image="nginx:1.26", generation=2, paused=True, annotations={REVISION: "1"})
    sync = plan_sync(d, [old], T0)
    assert not any(isinstance(a, CreateReplicaSet) for a in sync.actions)
    assert sizes(sync.actions) == {old["metadata"]["name"]: 5}
    paused = condition(sync.actions[0].status, "Progressing")  # type: ignore[union-attr]
    assert paused is not None and (paused["status"], paused["reason"]) == ("Unknown", "DeploymentPaused")
    d["status"] = {"conditions": [paused]}
    d["spec"]["paused"] = False
    resumed = plan_sync(d, [old], T0)
    note = condition(resumed.actions[0].status, "Progressing")  # type: ignore[union-attr]
    assert note is not None and note["reason"] == "DeploymentResumed"


def test_scaling_mid_rollout_is_shared_in_proportion() -> None:
    old_d = deployment(4)
    d = deployment(8, image="nginx:1.26", generation=3, annotations={REVISION: "2"})
    old, new = (
        made_set(old_d, 2, available=2),
        made_set(deployment(4, image="nginx:1.26"), 3, revision=2, created=T0),
    )
    # Both were sized for 4 replicas (at most 5 with surge); now 8 (at most 10).
    assert sizes(plan_sync(d, [old, new], T0).actions) == {
        new["metadata"]["name"]: 6,
        old["metadata"]["name"]: 4,
    }


def test_history_past_the_limit_is_pruned_once_complete() -> None:
    d = deployment(2, revisionHistoryLimit=1, annotations={REVISION: "4"})
    old_sets = [
        made_set(deployment(2, image=f"app:{i}"), 0, revision=i, created=T0 - 100 * (5 - i))
        for i in (1, 2, 3)
    ]
    for rs in old_sets:
        rs["status"] = {"replicas": 0, "observedGeneration": 1}
    current = made_set(d, 2, revision=4)
    d["status"] = {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "observedGeneration": 1}
    deleted = [
        a.name for a in plan_sync(d, [*old_sets, current], T0).actions if isinstance(a, DeleteReplicaSet)
    ]
    assert deleted == [old_sets[0]["metadata"]["name"], old_sets[1]["metadata"]["name"]]


def test_rolling_back_makes_an_old_set_new_again() -> None:
    first = made_set(deployment(3), 0, revision=1, created=T0 - 2000)
    first["metadata"]["annotations"]["kubernetes.io/change-cause"] = "v1"
    second = made_set(deployment(3, image="nginx:1.26"), 3, revision=2)
    d = deployment(3, generation=3, annotations={REVISION: "2"})  # the template is first's again
    sync = plan_sync(d, [first, second], T0)
    updated = sync.actions[0]
    assert (
        isinstance(updated, UpdateReplicaSet)
        and updated.body["metadata"]["name"] == first["metadata"]["name"]
    )
    assert updated.body["metadata"]["annotations"][REVISION] == "3"
    assert updated.body["metadata"]["annotations"][REVISION_HISTORY] == "1"


def test_an_orphan_set_that_matches_is_adopted() -> None:
    orphan = made_set(deployment(3), 3)
    del orphan["metadata"]["ownerReferences"]
    sync = plan_sync(deployment(3), [orphan], T0)
    assert isinstance(sync.actions[0], PatchReplicaSet) and sync.adopts


def test_completion_is_reported_once_all_are_available() -> None:
    d = deployment(3, annotations={REVISION: "1"})
    rs = made_set(d, 3)
    progressing = {
        "type": "Progressing",
        "status": "True",
        "reason": "ReplicaSetUpdated",
        "lastUpdateTime": "2026-01-01T00:00:00Z",
    }
    d["status"] = {
        "replicas": 3,
        "updatedReplicas": 3,
        "availableReplicas": 2,
        "observedGeneration": 1,
        "conditions": [progressing],
    }
    status = last_status(plan_sync(d, [rs], T0 + 5).actions)
    done = condition(status, "Progressing")
    assert done is not None and done["reason"] == "NewReplicaSetAvailable"
    assert done["message"] == f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'
    assert condition(status, "Available")["status"] == "True"  # type: ignore[index]


def test_a_stalled_rollout_times_out_at_its_deadline() -> None:
    d = deployment(3, annotations={REVISION: "1"})
    rs = made_set(d, 3, available=1)
    progressing = {
        "type": "Progressing",
        "status": "True",
        "reason": "ReplicaSetUpdated",
        "lastUpdateTime": "2026-01-01T00:00:00Z",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }
    stalled_status = {
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "unavailableReplicas": 2,
        "observedGeneration": 1,
        "conditions": [
            {
                "type": "Available",
                "status": "False",
                "reason": "MinimumReplicasUnavailable",
                "message": "Deployment does not have minimum availability.",
                "lastUpdateTime": "2026-01-01T00:00:00Z",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            },
            progressing,
        ],
    }
    d["status"] = copy_tree(stalled_status)
    waiting = plan_sync(d, [rs], T0 + 100)
    assert waiting.actions == [] and waiting.look_again == 501.0
    late = plan_sync(d, [rs], T0 + 601)
    failed = condition(last_status(late.actions), "Progressing")
    assert failed is not None and (failed["status"], failed["reason"]) == (
        "False",
        "ProgressDeadlineExceeded",
    )
