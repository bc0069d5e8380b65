"""Why: the DaemonSet controller as an actor: informers on DaemonSets, nodes and pods feed its
queue, the core (``syncing.py``) decides, and this shell writes the status, deletes and creates
pods, and records Events. A node that joins, goes, or changes what decides eligibility (its
labels, taints or cordon) sends every set to be looked at again; a node's heartbeats do not.

``Expectations`` (the ReplicaSet controller's) hold a set back while pods it created or deleted
have not reached the cache; the failed-pod backoff (``FailedPodBackoff``) is kept here. A
sync looks at every node, so a set looks at its pods' changes in batches (a tenth of a second
after the first), as the Job controller does, rather than once per pod event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.daemonset.syncing import (
    DaemonSetSync,
    FailedPodBackoff,
    sync_daemon_set,
)
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid
from kube_actors.components.controllers.owners import (
    UID,
    index_owned,
    index_owners,
    namespace_of,
    owned_or_orphaned,
)
from kube_actors.components.controllers.replicaset.expectations import Expectations
from kube_actors.components.controllers.replicaset.ownership import adopt_patch, claim
from kube_actors.components.informing import DELETED, Change, Informer, JsonObject, object_key
from kube_actors.runtime import ActorRef

DAEMON_SETS = "daemonsets.apps"
JSON_PATCH = "application/json-patch+json"
POD_EVENTS_BATCH = 0.1  # a set looks at its pods' changes together (a node's many, or many nodes')


class DaemonSetController(Controller):
    name = "daemonset"

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.expectations = Expectations()
        self.events = EventRecorder("daemonset-controller")
        self.backoff = FailedPodBackoff()
        self._batched: set[str] = set()  # sets due for a look at their pods' changes
        self.daemon_sets: Informer
        self.nodes: Informer
        self.pods: Informer

    async def on_start(self) -> None:
        self.daemon_sets = await self.inform(DAEMON_SETS)
        index_owners(self.daemon_sets)
        self.nodes = await self.inform("nodes")
        self.pods = await self.inform("pods")
        index_owned(self.pods)

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        # By resource, not by identity: the listed objects arrive before ``inform`` returns.
        if informer.resource == DAEMON_SETS:
            for change in changes:
                key = object_key(change.object)
                if change.type == DELETED:
                    uid = change.object["metadata"]["uid"]
                    self.expectations.forget(key)
                    self.events.forget(uid)
                    self.backoff.forget_prefix(f"{uid}/")
                else:
                    self.enqueue(key)
        elif informer.resource == "nodes":
            if any(_eligibility_may_change(change) for change in changes):
                for daemon_set in self.daemon_sets.items():
                    self.enqueue(daemon_set)
        else:
            for change in changes:
                self._pod_changed(change)

    def _pod_changed(self, change: Change) -> None:
        pod = change.object
        uid = controller_uid(pod)
        owners = self.daemon_sets.by_index(UID, uid) if uid else []
        for daemon_set in owners:
            key = object_key(daemon_set)
            if change.type == "ADDED":
                self.expectations.creation_observed(key)
            if change.type == DELETED or pod["metadata"].get("deletionTimestamp"):
                self.expectations.deletion_observed(key, object_key(pod))
            if key not in self._batched:
                self._batched.add(key)
                self.enqueue(key, after=POD_EVENTS_BATCH)
        if not uid and change.type != DELETED:
            for daemon_set in self.daemon_sets.items(namespace_of(pod)):
                if claim(daemon_set, [pod]).adopt:
                    self.enqueue(daemon_set)

    async def reconcile(self, key: str) -> float | None:
        self._batched.discard(key)
        daemon_set = self.daemon_sets.get_key(key)
        if daemon_set is None:
            self.expectations.forget(key)
            return None
        namespace = namespace_of(daemon_set)
        candidates = owned_or_orphaned(self.pods, daemon_set)
        claims = claim(daemon_set, candidates)
        await self._settle(
            [
                self.api.ask(
                    m.PatchObject(
                        "pods", namespace, p["metadata"]["name"], adopt_patch(p, daemon_set), JSON_PATCH
                    )
                )
                for p in claims.adopt
            ]
        )
        now = self.clock.now()
        met = self.expectations.satisfied(key, now)
        sync = sync_daemon_set(
            daemon_set, self.nodes.items(), claims.owned, now, self.backoff, expectations_met=met
        )
        await self._carry_out(key, daemon_set, sync)
        await write_events(self.api, self.events, self.clock.now())
        return sync.look_again_after

    async def _carry_out(self, key: str, daemon_set: JsonObject, sync: DaemonSetSync) -> None:
        namespace, name = namespace_of(daemon_set), daemon_set["metadata"]["name"]
        now = self.clock.now()
        for event_type, reason, message in sync.events:
            self.events.record(daemon_set, event_type, reason, message, now)
        if sync.delete:
            self.expectations.expect_deletions(key, [f"{namespace}/{pod}" for pod in sync.delete], now)
            outcomes = await asyncio.gather(
                *(self.api.ask(m.DeleteObject("pods", namespace, pod)) for pod in sync.delete),
                return_exceptions=True,
            )
            for pod, outcome in zip(sync.delete, outcomes, strict=True):
                if isinstance(outcome, dict):
                    self.events.record(daemon_set, "Normal", "SuccessfulDelete", f"Deleted pod: {pod}", now)
                    continue
                self.expectations.deletion_observed(key, f"{namespace}/{pod}")
                self._failed(daemon_set, outcome, "FailedDelete", "Error deleting")
        if sync.create:
            self.expectations.expect_creations(key, len(sync.create), now)
            outcomes = await asyncio.gather(
                *(self.api.ask(m.CreateObject("pods", namespace, pod)) for pod in sync.create),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, dict):
                    message = f"Created pod: {outcome['metadata']['name']}"
                    self.events.record(daemon_set, "Normal", "SuccessfulCreate", message, now)
                    continue
                self.expectations.creation_observed(key)
                self._failed(daemon_set, outcome, "FailedCreate", "Error creating")
        if sync.status is not None:
            body = {"metadata": {"name": name}, "status": sync.status}
            await self._settle([self.api.ask(m.ReplaceObject(DAEMON_SETS, namespace, name, body, "status"))])

    def _failed(self, daemon_set: JsonObject, outcome: object, reason: str, doing: str) -> None:
        if not isinstance(outcome, status.ApiError):
            raise outcome if isinstance(outcome, BaseException) else TypeError(repr(outcome))
        if outcome.code != 404:
            self.events.record(daemon_set, "Warning", reason, f"{doing}: {outcome}", self.clock.now())

    async def _settle(self, writes: list[Awaitable[Any]]) -> None:
        """Await writes together; a pod or set gone meanwhile (404), or changed since it was
        seen (422 from a JSON patch's test), is fine."""
        for outcome in await asyncio.gather(*writes, return_exceptions=True):
            if isinstance(outcome, status.ApiError) and outcome.code in (404, 422):
                continue
            if isinstance(outcome, BaseException):
                raise outcome


def _eligibility_may_change(change: Change) -> bool:
    if change.type != "MODIFIED" or change.old is None:
        return True
    new, old = change.object, change.old
    return new["metadata"].get("labels") != old["metadata"].get("labels") or new.get("spec") != old.get(
        "spec"
    )
