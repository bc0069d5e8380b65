"""Why: the PV controller (Kubernetes' ``persistentvolume-binder``) and the simulated provisioner
as one actor. Informers on claims, volumes, storage classes and nodes feed its work queue, whose
keys are claims (``namespace/name``) and volumes (``name``: they are cluster-scoped); the cores
decide (``binding.sync_claim``, ``reclaiming.sync_volume``) and this shell writes, in order,
stopping at the first refusal (a 409 is retried with the queue's backoff).

On start it creates the default StorageClass ``standard`` unless a class of that name exists.
Its own writes are folded into its caches as they are answered, so a sync that follows at once
sees them. A volume that becomes Available, and a new class, bring every pending claim back;
a node that appears brings back the claims waiting for it to be provisioned.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import MERGE_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.volumes.actions import (
    CLAIMS,
    VOLUMES,
    Action,
    Create,
    Delete,
    Note,
    Patch,
)
from kube_actors.components.controllers.volumes.binding import sync_claim
from kube_actors.components.controllers.volumes.classes import DEFAULT_CLASS, default_storage_class
from kube_actors.components.controllers.volumes.provisioning import SELECTED_NODE
from kube_actors.components.controllers.volumes.reclaiming import AVAILABLE, claim_key, sync_volume
from kube_actors.components.informing import ADDED, DELETED, Change, Informer, JsonObject, object_key
from kube_actors.runtime import ActorRef

STORAGE_CLASSES = "storageclasses.storage.k8s.io"


class CacheView(Mapping[str, JsonObject]):
    """An informer read as a mapping by key (``name``, or ``namespace/name``), for the cores."""

    def __init__(self, informer: Informer) -> None:
        self._informer = informer

    def __getitem__(self, key: str) -> JsonObject:
        found = self._informer.get_key(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._informer.keys())

    def __len__(self) -> int:
        return len(self._informer)


class VolumeController(Controller):
    name = "persistentvolume-binder"

    def __init__(self, api: ActorRef, *, default_class: bool = True) -> None:
        super().__init__(api)
        self.default_class = default_class
        self.events = EventRecorder("persistentvolume-controller")
        self._started = False
        self.classes: Informer
        self.nodes: Informer
        self.volumes: Informer
        self.claims: Informer

    async def on_start(self) -> None:
        self.classes = await self.inform(STORAGE_CLASSES)
        if self.default_class and self.classes.get("", DEFAULT_CLASS) is None:
            await self._create_default_class()
        self.nodes = await self.inform("nodes")
        self.volumes = await self.inform(VOLUMES)
        self.volumes.add_index("claim", lambda volume: [claim_key(volume)])
        self.claims = await self.inform(CLAIMS)
        self.claims.add_index("waiting", _waiting_for)
        self._started = True

    async def _create_default_class(self) -> None:
        try:
            made = await self.api.ask(m.CreateObject(STORAGE_CLASSES, "", default_storage_class()))
        except status.ApiError as error:
            if error.code != 409:  # someone made it meanwhile
                raise
            return
        self.classes.apply([{"type": ADDED, "object": made}])
        self.log.info("default_storage_class_created", name=DEFAULT_CLASS)

    # Changes in, keys out.

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        # By resource, not by attribute: the first list's changes come before ``inform`` returns.
        for change in changes:
            obj = change.object
            if informer.resource == CLAIMS:
                self.enqueue(obj)
                volume_name = (obj.get("spec") or {}).get("volumeName")
                if volume_name:
                    self.enqueue(volume_name)
                if change.type == DELETED:
                    for volume in self.volumes.by_index("claim", object_key(obj)):
                        self.enqueue(volume)
            elif informer.resource == VOLUMES:
                self.enqueue(obj)
                if claim_key(obj):
                    self.enqueue(claim_key(obj))
                if change.type != DELETED and _phase(obj) == AVAILABLE and _phase(change.old) != AVAILABLE:
                    self._enqueue_waiting("pending")
            elif informer.resource == STORAGE_CLASSES:
                self._enqueue_waiting("pending")
            elif change.type == ADDED:  # a node: claims may wait for it to provision
                self._enqueue_waiting(("node", obj["metadata"]["name"]))

    def _enqueue_waiting(self, reason: Hashable) -> None:
        if self._started:
            for claim in self.claims.by_index("waiting", reason):
                self.enqueue(claim)

    # Reconciling.

    async def reconcile(self, key: str) -> float | None:
        now = self.clock.now()
        if "/" in key:
            claim = self.claims.get_key(key)
            if claim is None:
                return None
            actions = sync_claim(
                claim, CacheView(self.volumes), CacheView(self.classes), CacheView(self.nodes), now
            )
        else:
            volume = self.volumes.get_key(key)
            if volume is None:
                return None
            actions = sync_volume(volume, CacheView(self.claims), now)
        try:
            for action in actions:
                if not await self._carry_out(action):
                    break
        finally:
            await write_events(self.api, self.events, self.clock.now())
        return None

    async def _carry_out(self, action: Action) -> bool:
        """One write; False if its object is gone, so the rest of the step is moot."""
        if isinstance(action, Note):
            self.events.record(action.involved, action.type, action.reason, action.message, self.clock.now())
            return True
        informer = self.claims if action.resource == CLAIMS else self.volumes
        try:
            if isinstance(action, Patch):
                written = await self.api.ask(
                    m.PatchObject(
                        action.resource,
                        action.namespace,
                        action.name,
                        action.patch,
                        MERGE_PATCH,
                        action.subresource,
                    )
                )
                informer.apply([{"type": "MODIFIED", "object": written}])
            elif isinstance(action, Create):
                written = await self.api.ask(m.CreateObject(action.resource, "", action.body))
                informer.apply([{"type": ADDED, "object": written}])
            elif isinstance(action, Delete):
                gone = await self.api.ask(m.DeleteObject(action.resource, "", action.name))
                marked = bool(gone["metadata"].get("deletionTimestamp"))
                informer.apply([{"type": "MODIFIED" if marked else DELETED, "object": gone}])
                self.log.info("volume_deleted", volume=action.name, reclaim_policy="Delete")
        except status.ApiError as error:
            if error.code == 404:
                return False
            raise
        return True


def _phase(obj: JsonObject | None) -> str:
    return str(((obj or {}).get("status") or {}).get("phase") or "")


def _waiting_for(claim: JsonObject) -> list[Hashable]:
    """Why an unbound claim may be waiting: for any volume or class ("pending"), and for its
    selected node to appear (``("node", name)``)."""
    if _phase(claim) == "Bound":
        return []
    selected = (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE)
    return ["pending", ("node", selected)] if selected else ["pending"]
