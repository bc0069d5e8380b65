"""Why: the ReplicaSet controller as an actor: informers on ReplicaSets and pods feed its work
queue, the core (``reconciling.py``) decides, and this shell writes.

A sync's writes run as a flight (``flights.py``), so the actor goes on reconciling other sets
while one set's pods are created in slow-start batches of concurrent requests. A flight records
its expectations just before it sends the creates or deletes (the watch may show the new pods
before the flight lands), and its events; both are plain state on the one event loop, touched
between awaits, never during another sync's decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable, Iterable, Sequence
from typing import Any

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid
from kube_actors.components.controllers.owners import (
    CONTROLLER,
    concerned_by_update,
    index_owned,
    index_owners,
    owned_or_orphaned,
    owner_of,
    selecting,
)
from kube_actors.components.controllers.replicaset.expectations import Expectations
from kube_actors.components.controllers.replicaset.flights import (
    FlightController,
    Landing,
    SyncFailed,
    Writes,
)
from kube_actors.components.controllers.replicaset.ownership import adopt_patch, release_patch
from kube_actors.components.controllers.replicaset.reconciling import (
    ReplicaSetSync,
    plan_sync,
    pod_template,
    slow_start_batches,
)
from kube_actors.components.controllers.replicaset.status import (
    calculate_status,
    seconds_until_next_available,
    status_changed,
)
from kube_actors.components.informing import ADDED, DELETED, Change, Informer, JsonObject, object_key
from kube_actors.runtime import ActorRef, AskTimeoutError

REPLICA_SETS = "replicasets.apps"
MAX_FLIGHTS = 200


class ReplicaSetController(FlightController):
    name = "replicaset"

    def __init__(self, api: ActorRef, *, max_flights: int = MAX_FLIGHTS) -> None:
        super().__init__(api, max_flights=max_flights)
        self.expectations = Expectations()
        self.events = EventRecorder("replicaset-controller")
        self.replica_sets: Informer
        self.pods: Informer

    async def on_start(self) -> None:
        self.replica_sets = await self.inform(REPLICA_SETS)
        index_owners(self.replica_sets)
        self.replica_sets.add_index("owner", lambda rs: [_owner_key(rs)])
        self.pods = await self.inform("pods")
        index_owned(self.pods)

    # The view the core reads.

    def candidates(self, replica_set: JsonObject) -> Sequence[JsonObject]:
        return owned_or_orphaned(self.pods, replica_set)

    def related(self, replica_set: JsonObject) -> Sequence[JsonObject]:
        siblings = self.replica_sets.by_index("owner", _owner_key(replica_set))
        return [pod for rs in siblings for pod in self.pods.by_index(CONTROLLER, rs["metadata"]["uid"])]

    # Changes in, keys out.

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        if informer is self.replica_sets:
            for change in changes:
                key = object_key(change.object)
                if change.type == DELETED:
                    self.expectations.forget(key)
                    self.events.forget(change.object["metadata"]["uid"])
                self.enqueue(key)
            return
        for change in changes:
            self._pod_changed(change)

    def _pod_changed(self, change: Change) -> None:
        pod, old = change.object, change.old
        if change.type == DELETED or pod["metadata"].get("deletionTimestamp"):
            self._deletion_seen(pod)
            if old is not None and old["metadata"].get("labels") != pod["metadata"].get("labels"):
                self._deletion_seen(old)
            return
        owner = owner_of(self.replica_sets, pod)
        if change.type == ADDED:
            if owner is not None:
                self.expectations.creation_observed(object_key(owner))
                self.enqueue(owner)
            else:
                for replica_set in selecting(self.replica_sets, pod):
                    self.enqueue(replica_set)
            return
        assert old is not None
        for concerned in concerned_by_update(self.replica_sets, pod, old):
            self.enqueue(concerned)

    def _deletion_seen(self, pod: JsonObject) -> None:
        owner = owner_of(self.replica_sets, pod)
        if owner is not None:
            key = object_key(owner)
            self.expectations.deletion_observed(key, object_key(pod))
            self.enqueue(key)

    # Reconciling: decide now, write in a flight.

    def decide(self, key: str) -> Writes | None:
        replica_set = self.replica_sets.get_key(key)
        if replica_set is None:
            self.expectations.forget(key)
            return None
        now = self.clock.now()
        sync = plan_sync(replica_set, self, expectations_met=self.expectations.satisfied(key, now), now=now)
        return self._carry_out(key, sync)

    async def _carry_out(self, key: str, sync: ReplicaSetSync) -> Landing:
        """Send one sync's writes; the status is written last, with any failure in it."""
        replica_set = sync.replica_set
        namespace = replica_set["metadata"].get("namespace", "")
        failure = await self._settle_ownership(replica_set, sync)
        if failure is None and sync.create:
            failure = await self._create_pods(key, replica_set, sync.create)
        if failure is None and sync.delete:
            failure = await self._delete_pods(key, replica_set, sync.delete)
        now = self.clock.now()
        new_status = calculate_status(replica_set, sync.pods, now, failure)
        if status_changed(replica_set, new_status):
            body = {"metadata": {"name": replica_set["metadata"]["name"]}, "status": new_status}
            try:
                await self.api.ask(
                    m.ReplaceObject(REPLICA_SETS, namespace, body["metadata"]["name"], body, "status")
                )
            except status.ApiError as error:
                if error.code != 404:
                    failure = failure or str(error)
        await write_events(self.api, self.events, now)
        if failure is not None:
            raise SyncFailed(failure)
        return Landing(seconds_until_next_available(replica_set, sync.pods, now))

    async def _settle_ownership(self, replica_set: JsonObject, sync: ReplicaSetSync) -> str | None:
        namespace = replica_set["metadata"].get("namespace", "")
        if sync.adopt:
            # Kubernetes checks with a fresh read that the set is not being deleted before it
            # adopts anything (the cache may not show it yet).
            try:
                fresh = await self.api.ask(
                    m.GetObject(REPLICA_SETS, namespace, replica_set["metadata"]["name"])
                )
            except status.ApiError as error:
                return str(error)
            if fresh["metadata"]["uid"] != replica_set["metadata"]["uid"] or fresh["metadata"].get(
                "deletionTimestamp"
            ):
                return f"replica set {object_key(replica_set)} is being deleted: it adopts nothing"
        writes: list[Awaitable[Any]] = []
        for pod in sync.adopt:
            writes.append(self._patch_pod(namespace, pod, adopt_patch(pod, replica_set)))
        for pod in sync.release:
            patch = release_patch(pod, replica_set)
            if patch is not None:
                writes.append(self._patch_pod(namespace, pod, patch))
        errors = await _gathered(writes, ignore_codes=(404,))
        return errors[0] if errors else None

    def _patch_pod(self, namespace: str, pod: JsonObject, patch: Any) -> Awaitable[Any]:
        name = pod["metadata"]["name"]
        return self.api.request(m.PatchObject("pods", namespace, name, patch, JSON_PATCH))

    async def _create_pods(self, key: str, replica_set: JsonObject, count: int) -> str | None:
        namespace = replica_set["metadata"].get("namespace", "")
        self.expectations.expect_creations(key, count, self.clock.now())
        made = 0
        for batch in slow_start_batches(count):
            outcomes = await asyncio.gather(
                *(
                    self.api.request(m.CreateObject("pods", namespace, pod_template(replica_set)))
                    for _ in range(batch)
                ),
                return_exceptions=True,
            )
            errors = []
            for outcome in outcomes:
                if isinstance(outcome, dict):
                    self._record(
                        replica_set,
                        "Normal",
                        "SuccessfulCreate",
                        f"Created pod: {outcome['metadata']['name']}",
                    )
                else:
                    errors.append(_reason(outcome))
                    self.expectations.creation_observed(key)  # this one will never be seen
                    self._record(replica_set, "Warning", "FailedCreate", f"Error creating: {errors[-1]}")
            made += batch
            if errors:
                self.expectations.creation_observed(key, count - made)  # nor will those not tried
                return errors[0]
        return None

    async def _delete_pods(self, key: str, replica_set: JsonObject, pods: list[JsonObject]) -> str | None:
        namespace = replica_set["metadata"].get("namespace", "")
        pod_keys = [object_key(pod) for pod in pods]
        self.expectations.expect_deletions(key, pod_keys, self.clock.now())
        outcomes = await asyncio.gather(
            *(self.api.request(m.DeleteObject("pods", namespace, pod["metadata"]["name"])) for pod in pods),
            return_exceptions=True,
        )
        first_error = None
        for pod, pod_key, outcome in zip(pods, pod_keys, outcomes, strict=True):
            name = pod["metadata"]["name"]
            if isinstance(outcome, dict):
                self._record(replica_set, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
                continue
            self.expectations.deletion_observed(key, pod_key)
            if isinstance(outcome, status.ApiError) and outcome.code == 404:
                continue
            first_error = first_error or _reason(outcome)
            self._record(replica_set, "Warning", "FailedDelete", f"Error deleting: {_reason(outcome)}")
        return first_error

    def _record(self, about: JsonObject, type_: str, reason: str, text: str) -> None:
        self.events.record(about, type_, reason, text, self.clock.now())


async def _gathered(writes: Iterable[Awaitable[Any]], ignore_codes: tuple[int, ...]) -> list[str]:
    """Await ``writes`` together; the reasons of those that failed (other than ``ignore_codes``)."""
    outcomes = await asyncio.gather(*writes, return_exceptions=True)
    return [
        _reason(outcome)
        for outcome in outcomes
        if isinstance(outcome, BaseException)
        and not (isinstance(outcome, status.ApiError) and outcome.code in ignore_codes)
    ]


def _reason(outcome: Any) -> str:
    if isinstance(outcome, (status.ApiError, AskTimeoutError)):
        return str(outcome)
    if isinstance(outcome, BaseException):
        raise outcome  # a bug, not an outcome: let the actor fail
    return ""


def _owner_key(replica_set: JsonObject) -> Hashable:
    """What makes sets siblings: the uid of their controller (a Deployment), else their own."""
    return controller_uid(replica_set) or ("self", replica_set["metadata"]["uid"])
