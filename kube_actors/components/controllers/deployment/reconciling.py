"""Why: the Deployment controller's decision, apart from all I/O (Kubernetes'
``syncDeployment``): settle which ReplicaSets the Deployment owns, find or make the set for its
current template, then scale sets by the strategy (``rolling.py``, ``recreate`` below), by a
change of size (``scaling.py``), or not at all while paused; prune history past
``revisionHistoryLimit`` and report status. The decisions are ``actions`` in the order
Kubernetes writes them; later decisions see earlier ones as Kubernetes' code sees its own
writes. The shell (``controller.py``) sends them and stops at the first failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.label_selectors import is_empty
from kube_actors.api.times import timestamp
from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.deployment import progress
from kube_actors.components.controllers.deployment.actions import (
    Action,
    CreateReplicaSet,
    DeleteReplicaSet,
    Note,
    PatchReplicaSet,
    UpdateDeployment,
    UpdateDeploymentStatus,
    UpdateReplicaSet,
)
from kube_actors.components.controllers.deployment.fenceposts import (
    desired_replicas,
    is_rolling_update,
    max_surge,
    scaled_value,
)
from kube_actors.components.controllers.deployment.replica_sets import (
    active,
    by_revision,
    find_new,
    find_old,
    spec_replicas,
    status_count,
    total_spec,
    total_status,
)
from kube_actors.components.controllers.deployment.revisions import (
    POD_TEMPLATE_HASH,
    REVISION,
    desired_replicas_annotation,
    max_revision,
    replicas_annotations_differ,
    set_deployment_revision,
    set_new_replica_set_annotations,
    set_replicas_annotations,
    template_hash,
)
from kube_actors.components.controllers.deployment.rolling import roll_out
from kube_actors.components.controllers.deployment.scaling import scale_proportionally
from kube_actors.components.controllers.garbage_collector.ownership import controller_reference
from kube_actors.components.controllers.replicaset.ownership import adopt_patch, claim, release_patch

JsonObject = dict[str, Any]


@dataclass(slots=True)
class DeploymentSync:
    """One sync's writes, and when to look again (a progress deadline) if nothing else does."""

    actions: list[Action] = field(default_factory=list)
    look_again: float | None = None
    adopts: bool = False


def plan_sync(
    deployment: JsonObject,
    candidates: Sequence[JsonObject],
    now: float,
    pods_by_set: Mapping[str, Sequence[JsonObject]] | None = None,
) -> DeploymentSync:
    """Decide one sync. ``candidates`` are the ReplicaSets in the Deployment's namespace that it
    controls and the orphans there; ``pods_by_set`` (by set uid) is needed for Recreate only."""
    return Syncing(deployment, now, pods_by_set or {}).run(candidates)


class Syncing:
    """The state of one sync: the Deployment as this sync has changed it so far, its sets, and
    the writes decided."""

    def __init__(
        self, deployment: JsonObject, now: float, pods_by_set: Mapping[str, Sequence[JsonObject]]
    ) -> None:
        self.d = copy_tree(deployment)
        self.now = now
        self.pods_by_set = pods_by_set
        self.sync = DeploymentSync()
        self.sets: list[JsonObject] = []
        self._found_new: tuple[tuple[JsonObject, ...], JsonObject | None] | None = None

    def write(self, action: Action) -> None:
        self.sync.actions.append(action)

    def run(self, candidates: Sequence[JsonObject]) -> DeploymentSync:
        d = self.d
        if is_empty(d["spec"].get("selector") or {}):
            # Kubernetes refuses to manage a Deployment that would select every pod.
            status = d.setdefault("status", {})
            if status.get("observedGeneration", 0) < d["metadata"].get("generation", 0):
                status["observedGeneration"] = d["metadata"].get("generation", 0)
                self.write(UpdateDeploymentStatus(status))
            return self.sync
        claims = claim(d, candidates)
        for rs in claims.adopt:
            self.write(PatchReplicaSet(rs["metadata"]["name"], adopt_patch(rs, d)))
            self.sync.adopts = True
        for rs in claims.release:
            patch = release_patch(rs, d)
            if patch is not None:
                self.write(PatchReplicaSet(rs["metadata"]["name"], patch))
        self.sets = claims.owned
        if d["metadata"].get("deletionTimestamp"):
            new, old = self.new_and_old(create=False)
            self.sync_status([*old, new], new)
            return self.sync
        self.check_paused_conditions()
        if d["spec"].get("paused"):
            self.scale_and_sync(cleanup=True)
        elif self.is_scaling_event():
            self.scale_and_sync(cleanup=False)
        elif is_rolling_update(d):
            roll_out(self)
        else:
            self.recreate()
        return self.sync

    # Finding and making the new set (Kubernetes' getNewReplicaSet).

    def new_and_old(self, *, create: bool) -> tuple[JsonObject | None, list[JsonObject]]:
        d = self.d
        existing = self.find_new()
        old = find_old(existing, self.sets)
        new_revision = max_revision(old) + 1
        most = desired_replicas(d) + max_surge(d)
        if existing is not None:
            new = copy_tree(existing)
            changed = set_new_replica_set_annotations(d, new, new_revision, exists=True, most=most)
            min_ready = d["spec"].get("minReadySeconds", 0)
            if changed or new["spec"].get("minReadySeconds", 0) != min_ready:
                new["spec"]["minReadySeconds"] = min_ready
                self.write(UpdateReplicaSet(new))
                return new, old
            needs_update = set_deployment_revision(
                d, (new["metadata"].get("annotations") or {}).get(REVISION, "")
            )
            status = d.setdefault("status", {})
            if (
                progress.progress_deadline(d) is not None
                and progress.condition(status, progress.PROGRESSING) is None
            ):
                message = f'Found new replica set "{new["metadata"]["name"]}"'
                found = progress.new_condition(
                    progress.PROGRESSING, "True", progress.FOUND_NEW_RS, message, self.now
                )
                progress.set_condition(status, found)
                needs_update = True
            if needs_update:
                self.write_status_and_revision()
            return new, old
        if not create:
            return None, old
        return self.create_new_set(old, new_revision, most), old

    def find_new(self) -> JsonObject | None:
        """``find_new`` of the sets, found once for as long as they are the same objects (a
        sync asks twice: is this a scaling event, then for the rollout)."""
        found = self._found_new
        if (
            found is None
            or len(found[0]) != len(self.sets)
            or any(seen is not now for seen, now in zip(found[0], self.sets, strict=True))
        ):
            found = self._found_new = (tuple(self.sets), find_new(self.d, self.sets))
        return found[1]

    def create_new_set(self, old: list[JsonObject], revision: int, most: int) -> JsonObject:
        d = self.d
        status = d.setdefault("status", {})
        pod_hash = template_hash(d["spec"]["template"], status.get("collisionCount"))
        template = copy_tree(d["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})[POD_TEMPLATE_HASH] = pod_hash
        selector = copy_tree(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[POD_TEMPLATE_HASH] = pod_hash
        name = f"{d['metadata']['name']}-{pod_hash}"
        body: JsonObject = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": d["metadata"].get("namespace", ""),
                "labels": dict(template["metadata"]["labels"]),
                "ownerReferences": [controller_reference(d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                "selector": selector,
                "template": template,
            },
        }
        body["spec"]["replicas"] = self.new_set_replicas([*old, body], body)
        set_new_replica_set_annotations(d, body, revision, exists=False, most=most)
        replicas = body["spec"]["replicas"]
        note = Note("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {replicas}")
        self.write(CreateReplicaSet(body, note if replicas > 0 else None))
        needs_update = set_deployment_revision(d, str(revision))
        if progress.progress_deadline(d) is not None:
            message = f'Created new replica set "{name}"'
            created = progress.new_condition(
                progress.PROGRESSING, "True", progress.NEW_RS_CREATED, message, self.now
            )
            progress.set_condition(status, created)
            needs_update = True
        if needs_update:
            self.write_status_and_revision()
        working = copy_tree(body)
        working["metadata"].update(uid="", creationTimestamp=timestamp(self.now))
        self.sets.append(working)
        return working

    def write_status_and_revision(self) -> None:
        annotations = self.d["metadata"].get("annotations") or {}
        if REVISION in annotations:
            self.write(UpdateDeployment({REVISION: annotations[REVISION]}))
        self.write(UpdateDeploymentStatus(copy_tree(self.d.get("status") or {})))

    # Scaling one set (Kubernetes' scaleReplicaSet).

    def scale(
        self, rs: JsonObject, size: int, *, only_if_size_changes: bool = True
    ) -> tuple[bool, JsonObject]:
        """Write ``size`` (and the Deployment's size annotations) to ``rs``; whether its size
        changed, and the set as written."""
        old_size = spec_replicas(rs)
        if only_if_size_changes and old_size == size:
            return False, rs
        d = self.d
        desired, most = desired_replicas(d), desired_replicas(d) + max_surge(d)
        if old_size == size and not replicas_annotations_differ(rs, desired, most):
            return False, rs
        scaled = copy_tree(rs)
        scaled["spec"]["replicas"] = size
        set_replicas_annotations(scaled, desired, most)
        note = None
        if old_size != size:
            direction = "up" if size > old_size else "down"
            name = rs["metadata"]["name"]
            note = Note(
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {direction} replica set {name} from {old_size} to {size}",
            )
        self.write(UpdateReplicaSet(scaled, note))
        return old_size != size, scaled

    # Paused, scaled, deleted: sizes and status only (Kubernetes' sync).

    def is_scaling_event(self) -> bool:
        new, old = self.new_and_old(create=False)
        desired = desired_replicas(self.d)
        return any(desired_replicas_annotation(rs) not in (None, desired) for rs in active([*old, new]))

    def scale_and_sync(self, *, cleanup: bool) -> None:
        new, old = self.new_and_old(create=False)
        scale_proportionally(self, new, old)
        if cleanup:
            self.clean_up(old)
        self.sync_status([*old, new], new)

    def sync_status(self, sets: Sequence[JsonObject | None], new: JsonObject | None) -> None:
        present = [rs for rs in sets if rs is not None]
        status = progress.calculate_status(present, new, self.d, self.now)
        if not progress.semantically_equal_status(self.d.get("status") or {}, status):
            self.write(UpdateDeploymentStatus(status))

    def check_paused_conditions(self) -> None:
        d = self.d
        if progress.progress_deadline(d) is None:
            return
        status = d.setdefault("status", {})
        current = progress.condition(status, progress.PROGRESSING)
        if current is not None and current.get("reason") == progress.TIMED_OUT:
            return
        paused_noted = current is not None and current.get("reason") == progress.PAUSED
        if d["spec"].get("paused") and not paused_noted:
            note = progress.new_condition(
                progress.PROGRESSING, "Unknown", progress.PAUSED, "Deployment is paused", self.now
            )
        elif not d["spec"].get("paused") and paused_noted:
            note = progress.new_condition(
                progress.PROGRESSING, "Unknown", progress.RESUMED, "Deployment is resumed", self.now
            )
        else:
            return
        progress.set_condition(status, note)
        self.write(UpdateDeploymentStatus(copy_tree(status)))

    def sync_rollout_status(self, sets: Sequence[JsonObject | None], new: JsonObject | None) -> None:
        present = [rs for rs in sets if rs is not None]
        failures = progress.replica_failures(present, new)
        status = progress.rollout_status(present, new, self.d, failures, self.now)
        if progress.semantically_equal_status(self.d.get("status") or {}, status):
            self.sync.look_again = progress.seconds_until_deadline(self.d, status, self.now)
            return
        self.write(UpdateDeploymentStatus(status))

    # History (Kubernetes' cleanupDeployment).

    def clean_up(self, old: Sequence[JsonObject]) -> None:
        limit = self.d["spec"].get("revisionHistoryLimit")
        if not isinstance(limit, int) or limit == progress.NO_DEADLINE:
            return
        alive = [rs for rs in old if not rs["metadata"].get("deletionTimestamp")]
        surplus = len(alive) - limit
        for rs in by_revision(alive)[: max(surplus, 0)]:
            metadata = rs["metadata"]
            observed = (rs.get("status") or {}).get("observedGeneration", 0)
            if status_count(rs, "replicas") or spec_replicas(rs) or metadata.get("generation", 0) > observed:
                continue
            self.write(DeleteReplicaSet(metadata["name"], metadata["uid"]))

    # Recreate (Kubernetes' rolloutRecreate).

    def recreate(self) -> None:
        new, old = self.new_and_old(create=False)
        sets = [*old, new]
        scaled_down = False
        for rs in active(old):
            scaled, _ = self.scale(rs, 0)
            scaled_down = scaled_down or scaled
        if scaled_down or self.old_pods_running(new, old):
            self.sync_rollout_status(sets, new)
            return
        if new is None:
            new, old = self.new_and_old(create=True)
            sets = [*old, new]
        assert new is not None
        self.scale(new, desired_replicas(self.d))
        if progress.is_complete(self.d, self.d.get("status") or {}):
            self.clean_up(old)
        self.sync_rollout_status(sets, new)

    def old_pods_running(self, new: JsonObject | None, old: Sequence[JsonObject]) -> bool:
        if total_status(old, "replicas") > 0:
            return True
        new_uid = new["metadata"]["uid"] if new is not None else None
        return any(
            (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded")
            for uid, pods in self.pods_by_set.items()
            if uid != new_uid
            for pod in pods
        )

    def new_set_replicas(self, sets: Sequence[JsonObject], new: JsonObject) -> int:
        """How far the new set may grow now (Kubernetes' NewRSNewReplicas): up to ``replicas +
        maxSurge`` pods in all for a rolling update, all at once for Recreate."""
        deployment = self.d
        desired = desired_replicas(deployment)
        if not is_rolling_update(deployment):
            return desired
        rolling = (deployment["spec"].get("strategy") or {}).get("rollingUpdate") or {}
        most = desired + scaled_value(rolling.get("maxSurge", 0), desired, round_up=True)
        current = total_spec(sets)
        if current >= most:
            return spec_replicas(new)
        return spec_replicas(new) + min(most - current, desired - spec_replicas(new))
