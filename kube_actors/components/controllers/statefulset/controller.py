"""Why: the StatefulSet controller as an actor. Informers on StatefulSets, pods and claims feed
its work queue; for each set the core (``reconciling.py``) plans one step and this shell
writes it: the actions in order (stopping at the first refusal, which the queue retries with
backoff), then the status, then the events ``kubectl describe`` shows.

Its own writes are folded into its caches as they are answered, so the next step (often the
very next reconcile, triggered by the set's own status write) does not act on a cache that has
not yet seen them; the watch events that follow change nothing. It keeps the templates of the
revisions in use (``revisions.RevisionHistory``), since this apiserver has no
ControllerRevisions.
"""

from __future__ import annotations

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import MERGE_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid
from kube_actors.components.controllers.owners import (
    CONTROLLER,
    NAMESPACE,
    UID,
    index_owned,
    index_owners,
    namespace_of,
    owned_or_orphaned,
    selecting,
)
from kube_actors.components.controllers.statefulset.actions import (
    Action,
    CreateClaim,
    CreatePod,
    DeletePod,
    Note,
    PatchClaim,
    PatchPod,
)
from kube_actors.components.controllers.statefulset.counting import status_patch
from kube_actors.components.controllers.statefulset.identity import claim_templates, parent_and_ordinal
from kube_actors.components.controllers.statefulset.reconciling import plan
from kube_actors.components.controllers.statefulset.revisions import RevisionHistory
from kube_actors.components.informing import DELETED, Change, Informer, JsonObject
from kube_actors.runtime import ActorRef

STATEFUL_SETS = "statefulsets.apps"
CLAIMS = "persistentvolumeclaims"


class StatefulSetController(Controller):
    name = "statefulset"

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.history = RevisionHistory()
        self.events = EventRecorder("statefulset-controller")
        self.stateful_sets: Informer
        self.pods: Informer
        self.claims: Informer

    async def on_start(self) -> None:
        self.stateful_sets = await self.inform(STATEFUL_SETS)
        index_owners(self.stateful_sets)
        self.pods = await self.inform("pods")
        index_owned(self.pods)
        self.claims = await self.inform(CLAIMS)

    # Changes in, keys out.

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        # By resource, not by attribute: the first list's changes come before ``inform`` returns.
        for change in changes:
            if informer.resource == STATEFUL_SETS:
                self._set_changed(change)
            elif informer.resource == "pods":
                self._pod_changed(change)
            elif change.type == DELETED:
                self._claim_deleted(change.object)

    def _set_changed(self, change: Change) -> None:
        stateful_set = change.object
        if change.type == DELETED:
            self.history.forget(stateful_set["metadata"]["uid"])
            self.events.forget(stateful_set["metadata"]["uid"])
        self.enqueue(stateful_set)

    def _pod_changed(self, change: Change) -> None:
        pod, old = change.object, change.old
        owners = {controller_uid(pod)} | ({controller_uid(old)} if old is not None else set())
        for uid in owners - {""}:
            for stateful_set in self.stateful_sets.by_index(UID, uid):
                self.enqueue(stateful_set)
        if not controller_uid(pod) and change.type != DELETED:
            parsed = parent_and_ordinal(pod["metadata"]["name"])
            for stateful_set in selecting(self.stateful_sets, pod):
                if parsed is not None and parsed[0] == stateful_set["metadata"]["name"]:
                    self.enqueue(stateful_set)  # an orphan it may adopt

    def _claim_deleted(self, claim: JsonObject) -> None:
        """A claim a set's pod uses went: the set makes it again (or stops waiting for it)."""
        name = claim["metadata"]["name"]
        for stateful_set in self.stateful_sets.by_index(NAMESPACE, namespace_of(claim)):
            set_name = stateful_set["metadata"]["name"]
            prefixes = [f"{t['metadata']['name']}-{set_name}-" for t in claim_templates(stateful_set)]
            if any(name.startswith(prefix) for prefix in prefixes):
                self.enqueue(stateful_set)

    # Reconciling.

    async def reconcile(self, key: str) -> float | None:
        stateful_set = self.stateful_sets.get_key(key)
        if stateful_set is None:
            return None
        uid = stateful_set["metadata"]["uid"]
        self.history.record(stateful_set)
        namespace = stateful_set["metadata"].get("namespace", "")
        candidates = owned_or_orphaned(self.pods, stateful_set)
        self.history.learn_from_pods(stateful_set, self.pods.by_index(CONTROLLER, uid))
        now = self.clock.now()
        step = plan(
            stateful_set,
            candidates,
            lambda name: self.claims.get(namespace, name),
            self.history.templates(uid),
            now,
        )
        about = {**stateful_set, "kind": "StatefulSet", "apiVersion": "apps/v1"}
        try:
            for action in step.actions:
                await self._carry_out(about, action)
        finally:
            await self._write_status(stateful_set, step.status)
            await write_events(self.api, self.events, self.clock.now())
        self.history.keep_only(uid, set(step.revisions_in_use))
        return step.recheck_after

    async def _carry_out(self, about: JsonObject, action: Action) -> None:
        """One write; a refusal is recorded as Kubernetes records it and stops the step."""
        if isinstance(action, Note):
            self._record(about, action)
            return
        try:
            await self._write(about["metadata"].get("namespace", ""), action)
        except status.ApiError as error:
            if error.code == 404 and isinstance(action, (DeletePod, PatchPod, PatchClaim)):
                return  # gone already: what the write was for
            failed = action.outcome(about["metadata"]["name"], str(error))
            if failed is not None:
                self._record(about, failed)
            raise
        done = action.outcome(about["metadata"]["name"], None)
        if done is not None:
            self._record(about, done)

    async def _write(self, namespace: str, action: Action) -> None:
        if isinstance(action, CreateClaim):
            made = await self.api.ask(m.CreateObject(CLAIMS, namespace, action.claim))
            self.claims.apply([{"type": "ADDED", "object": made}])
        elif isinstance(action, CreatePod):
            made = await self.api.ask(m.CreateObject("pods", namespace, action.pod))
            self.pods.apply([{"type": "ADDED", "object": made}])
        elif isinstance(action, DeletePod):
            grace = 0 if action.at_once else None
            gone = await self.api.ask(m.DeleteObject("pods", namespace, action.name, grace_period=grace))
            marked = bool(gone["metadata"].get("deletionTimestamp"))
            self.pods.apply([{"type": "MODIFIED" if marked else "DELETED", "object": gone}])
        elif isinstance(action, PatchPod):
            patched = await self.api.ask(
                m.PatchObject("pods", namespace, action.name, action.patch, MERGE_PATCH)
            )
            self.pods.apply([{"type": "MODIFIED", "object": patched}])
        elif isinstance(action, PatchClaim):
            patched = await self.api.ask(
                m.PatchObject(CLAIMS, namespace, action.name, action.patch, MERGE_PATCH)
            )
            self.claims.apply([{"type": "MODIFIED", "object": patched}])

    async def _write_status(self, stateful_set: JsonObject, wanted: JsonObject) -> None:
        patch = status_patch(stateful_set.get("status") or {}, wanted)
        if patch is None:
            return
        metadata = stateful_set["metadata"]
        try:
            await self.api.ask(
                m.PatchObject(
                    STATEFUL_SETS,
                    metadata.get("namespace", ""),
                    metadata["name"],
                    patch,
                    MERGE_PATCH,
                    "status",
                )
            )
        except status.ApiError as error:
            if error.code != 404:
                raise

    def _record(self, about: JsonObject, note: Note) -> None:
        self.events.record(about, note.type, note.reason, note.message, self.clock.now())
