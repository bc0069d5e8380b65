"""Why: the Deployment controller as an actor: informers on Deployments and ReplicaSets feed its
work queue, the core (``reconciling.py``) decides a sync's writes, and this shell sends them in
a flight (``replicaset/flights.py``), in order, stopping at the first failure.

Writes to a set or to the Deployment carry the resourceVersion they were decided on, so a sync
decided on a stale cache fails (409) rather than undoing a newer change. The shell remembers
what its own writes returned until the watch shows them, so that the next sync neither trips
over its own last write nor creates the same ReplicaSet twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from kube_actors.api import status
from kube_actors.api.trees import copy_tree
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH
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
from kube_actors.components.controllers.deployment.reconciling import DeploymentSync, plan_sync
from kube_actors.components.controllers.deployment.revisions import equal_ignoring_hash
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid
from kube_actors.components.controllers.owners import (
    concerned_by_update,
    index_owned,
    index_owners,
    owned_or_orphaned,
    owner_of,
    selecting,
)
from kube_actors.components.controllers.replicaset.flights import (
    FlightController,
    Landing,
    SyncFailed,
    Writes,
)
from kube_actors.components.informing import ADDED, DELETED, Change, Informer, JsonObject, object_key
from kube_actors.runtime import ActorRef, AskTimeoutError

DEPLOYMENTS = "deployments.apps"
REPLICA_SETS = "replicasets.apps"
MAX_FLIGHTS = 100


class DeploymentController(FlightController):
    name = "deployment"

    def __init__(self, api: ActorRef, *, max_flights: int = MAX_FLIGHTS) -> None:
        super().__init__(api, max_flights=max_flights)
        self.events = EventRecorder("deployment-controller")
        self._written: dict[tuple[str, str], JsonObject] = {}  # (resource, key) -> our last write
        self.deployments: Informer
        self.replica_sets: Informer

    async def on_start(self) -> None:
        self.deployments = await self.inform(DEPLOYMENTS)
        index_owners(self.deployments)
        self.replica_sets = await self.inform(REPLICA_SETS)
        index_owned(self.replica_sets)

    # Changes in, keys out.

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        resource = DEPLOYMENTS if informer is self.deployments else REPLICA_SETS
        for change in changes:
            self._seen(resource, change)
            if informer is self.deployments:
                if change.type == DELETED:
                    self.events.forget(change.object["metadata"]["uid"])
                self.enqueue(change.object)
            else:
                self._replica_set_changed(change)

    def _seen(self, resource: str, change: Change) -> None:
        """Forget our own write once the cache has it (or something newer)."""
        key = (resource, object_key(change.object))
        written = self._written.get(key)
        if written is not None and (change.type == DELETED or _newer_or_same(change.object, written)):
            del self._written[key]

    def _replica_set_changed(self, change: Change) -> None:
        rs, old = change.object, change.old
        owner = owner_of(self.deployments, rs)
        if change.type in (ADDED, DELETED):
            if owner is not None:
                self.enqueue(owner)
            elif change.type == ADDED and not rs["metadata"].get("deletionTimestamp"):
                for deployment in selecting(self.deployments, rs):
                    self.enqueue(deployment)
            return
        assert old is not None
        for concerned in concerned_by_update(self.deployments, rs, old):
            self.enqueue(concerned)

    # Deciding.

    def decide(self, key: str) -> Writes | None:
        cached = self.deployments.get_key(key)
        if cached is None:
            return None
        deployment = self._freshest(DEPLOYMENTS, cached)
        return self._sync(deployment)

    def landed(self, key: str, written: list[JsonObject]) -> None:
        for obj in written:
            resource = DEPLOYMENTS if obj.get("kind") == "Deployment" else REPLICA_SETS
            cached = (self.deployments if resource == DEPLOYMENTS else self.replica_sets).get_key(
                object_key(obj)
            )
            if cached is None or not _newer_or_same(cached, obj):
                self._written[(resource, object_key(obj))] = obj

    def _candidates(self, deployment: JsonObject) -> list[JsonObject]:
        metadata = deployment["metadata"]
        cached = owned_or_orphaned(self.replica_sets, deployment)
        candidates = {object_key(rs): self._freshest(REPLICA_SETS, rs) for rs in cached}
        for (resource, key), written in self._written.items():
            if (
                resource == REPLICA_SETS
                and key not in candidates
                and controller_uid(written) == metadata["uid"]
            ):
                candidates[key] = written  # made by us, not yet seen by the watch
        return list(candidates.values())

    def _freshest(self, resource: str, cached: JsonObject) -> JsonObject:
        written = self._written.get((resource, object_key(cached)))
        return written if written is not None and not _newer_or_same(cached, written) else cached

    async def _sync(self, deployment: JsonObject) -> Landing:
        candidates = self._candidates(deployment)
        pods_by_set = None
        if (deployment["spec"].get("strategy") or {}).get("type") == "Recreate":
            pods_by_set = await self._pods_by_set(deployment, candidates)
        now = self.clock.now()
        sync = plan_sync(deployment, candidates, now, pods_by_set)
        return await Writing(self, deployment, sync).run()

    async def _pods_by_set(
        self, deployment: JsonObject, sets: Sequence[JsonObject]
    ) -> dict[str, list[JsonObject]]:
        """Recreate waits for every old pod to be gone, which set status alone does not show
        (terminating pods are not counted): the pods are read when a sync needs them."""
        namespace = deployment["metadata"].get("namespace", "")
        uids = {rs["metadata"]["uid"] for rs in sets}
        try:
            listed = await self.api.ask(m.ListObjects("pods", namespace))
        except status.ApiError as error:
            raise SyncFailed(str(error)) from error
        by_set: dict[str, list[JsonObject]] = {}
        for pod in listed["items"]:
            uid = controller_uid(pod)
            if uid in uids:
                by_set.setdefault(uid, []).append(pod)
        return by_set


class Writing:
    """One sync's writes, sent in order; each write to an object carries the version the
    previous write returned."""

    def __init__(
        self, controller: DeploymentController, deployment: JsonObject, sync: DeploymentSync
    ) -> None:
        self.controller = controller
        self.api = controller.api
        self.deployment = deployment
        self.sync = sync
        self.namespace = deployment["metadata"].get("namespace", "")
        self.written: dict[tuple[str, str], JsonObject] = {}

    async def run(self) -> Landing:
        try:
            if self.sync.adopts:
                await self._check_can_adopt()
            for action in self.sync.actions:
                await self._send(action)
        except (status.ApiError, AskTimeoutError) as error:
            if isinstance(error, SyncFailed):
                raise
            raise SyncFailed(str(error)) from error
        finally:
            await write_events(self.api, self.controller.events, self.controller.clock.now())
        return Landing(self.sync.look_again, list(self.written.values()))

    async def _check_can_adopt(self) -> None:
        """Kubernetes re-reads the owner before adopting: a Deployment being deleted adopts nothing."""
        name = self.deployment["metadata"]["name"]
        fresh = await self.api.ask(m.GetObject(DEPLOYMENTS, self.namespace, name))
        if fresh["metadata"]["uid"] != self.deployment["metadata"]["uid"] or fresh["metadata"].get(
            "deletionTimestamp"
        ):
            raise SyncFailed(f"deployment {self.namespace}/{name} is being deleted: it adopts nothing")

    def _version(self, resource: str, obj: JsonObject) -> str:
        latest = self.written.get((resource, obj["metadata"]["name"]))
        return str((latest or obj)["metadata"].get("resourceVersion", ""))

    def _keep(self, resource: str, obj: JsonObject) -> None:
        self.written[(resource, obj["metadata"]["name"])] = obj

    async def _send(self, action: Action) -> None:
        match action:
            case PatchReplicaSet(name, patch):
                patched = await self.api.ask(
                    m.PatchObject(REPLICA_SETS, self.namespace, name, patch, JSON_PATCH)
                )
                self._keep(REPLICA_SETS, patched)
            case CreateReplicaSet(body, note):
                await self._create_replica_set(body)
                self._note(note)
            case UpdateReplicaSet(body, note):
                body = copy_tree(body)
                body["metadata"]["resourceVersion"] = self._version(REPLICA_SETS, body)
                name = body["metadata"]["name"]
                self._keep(
                    REPLICA_SETS,
                    await self.api.ask(m.ReplaceObject(REPLICA_SETS, self.namespace, name, body)),
                )
                self._note(note)
            case DeleteReplicaSet(name=name):
                try:
                    await self.api.ask(m.DeleteObject(REPLICA_SETS, self.namespace, name))
                except status.ApiError as error:
                    if error.code != 404:  # gone already is as good
                        raise
            case UpdateDeployment(annotations):
                body = copy_tree(self.deployment)
                body["metadata"].setdefault("annotations", {}).update(annotations)
                self._write_deployment(body)
                await self._replace_deployment(body, "")
            case UpdateDeploymentStatus(new_status):
                body = {"metadata": {"name": self.deployment["metadata"]["name"]}, "status": new_status}
                self._write_deployment(body)
                await self._replace_deployment(body, "status")

    def _write_deployment(self, body: JsonObject) -> None:
        body["metadata"]["resourceVersion"] = self._version(DEPLOYMENTS, self.deployment)

    async def _replace_deployment(self, body: JsonObject, subresource: str) -> None:
        name = self.deployment["metadata"]["name"]
        replaced = await self.api.ask(m.ReplaceObject(DEPLOYMENTS, self.namespace, name, body, subresource))
        self._keep(DEPLOYMENTS, replaced)

    async def _create_replica_set(self, body: JsonObject) -> None:
        name = body["metadata"]["name"]
        try:
            self._keep(REPLICA_SETS, await self.api.ask(m.CreateObject(REPLICA_SETS, self.namespace, body)))
            return
        except status.ApiError as error:
            if error.code != 409:
                self._note(
                    Note(
                        "Warning",
                        "ReplicaSetCreateError",
                        f'Failed to create new replica set "{name}": {error}',
                    )
                )
                raise
        # A set of that name exists: ours (the cache is behind), or a hash collision.
        existing = await self.api.ask(m.GetObject(REPLICA_SETS, self.namespace, name))
        ours = controller_uid(existing) == self.deployment["metadata"]["uid"]
        if ours and equal_ignoring_hash(existing["spec"]["template"], self.deployment["spec"]["template"]):
            self._keep(REPLICA_SETS, existing)
            raise SyncFailed(f"replica set {name} already exists: syncing again with it in view")
        collisions = int((self.deployment.get("status") or {}).get("collisionCount") or 0) + 1
        new_status = {**copy_tree(self.deployment.get("status") or {}), "collisionCount": collisions}
        body = {"metadata": {"name": self.deployment["metadata"]["name"]}, "status": new_status}
        self._write_deployment(body)
        await self._replace_deployment(body, "status")
        raise SyncFailed(f"hash collision on replica set {name}: collisionCount is now {collisions}")

    def _note(self, note: Note | None) -> None:
        if note is not None:
            controller = self.controller
            controller.events.record(
                self.deployment, note.type, note.reason, note.message, controller.clock.now()
            )


def _newer_or_same(cached: JsonObject, written: JsonObject) -> bool:
    """Whether the cache has caught up with a write. Resource versions of one object are
    revisions of one etcd shard's key, so they grow; compared as numbers here, which
    Kubernetes' clients may not do in general."""
    have = str(cached["metadata"].get("resourceVersion", ""))
    wrote = str(written["metadata"].get("resourceVersion", ""))
    if not (have.isdigit() and wrote.isdigit()):
        return True
    return int(have) >= int(wrote)
