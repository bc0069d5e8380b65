"""Why: the Job controller as an actor: informers on Jobs and pods feed its queue, the core
(``syncing.py``) decides, and this shell writes: the status first (so every outcome is recorded
before its pod is let go), then finalizer releases, deletions and creations, then Events.

What the core cannot see is kept here. ``Expectations`` (the ReplicaSet controller's) hold a
Job back while pods it created or deleted have not reached the cache yet; the status this
controller last wrote stands in for the cached Job until the watch catches up, so a success
just recorded is never mistaken for one still to come; and a finalizer removal is sent once.
As in Kubernetes, a Job looks at its pods' changes in batches, a second after the first.
Pods still held by the ``job-tracking`` finalizer whose Job is gone are released (keys
``pod:<namespace>/<name>``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.garbage_collector.ownership import (
    controller_uid,
    remove_finalizer_patch,
)
from kube_actors.components.controllers.job.pods import TRACKING_FINALIZER, is_tracked
from kube_actors.components.controllers.job.syncing import JobSync, sync_job
from kube_actors.components.controllers.owners import (
    CONTROLLER,
    UID,
    index_owned,
    index_owners,
    namespace_of,
    owned_or_orphaned,
)
from kube_actors.components.controllers.pod_control import PodControl, pod_seen, raise_unexpected, settle
from kube_actors.components.controllers.replicaset.expectations import Expectations
from kube_actors.components.controllers.replicaset.ownership import adopt_patch, claim
from kube_actors.components.informing import DELETED, Change, Informer, JsonObject, object_key, split_key
from kube_actors.runtime import ActorRef

JOBS = "jobs.batch"
ORPHAN_POD = "pod:"
POD_UPDATE_BATCH = 1.0  # Kubernetes' syncJobBatchPeriod: a Job looks at its pods' changes together


class JobController(Controller):
    name = "job"

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.expectations = Expectations()
        self.events = EventRecorder("job-controller")
        self._written: dict[str, JsonObject] = {}  # the Job as last written, until the cache has it
        self._batched: set[str] = set()  # Jobs due for a look at their pods' changes
        self._releasing: set[str] = set()  # uids of pods whose finalizer removal is on its way
        self.pod_control: PodControl
        self.jobs: Informer
        self.pods: Informer

    async def on_start(self) -> None:
        self.pod_control = PodControl(self.api, self.clock, self.expectations, self.events)
        self.jobs = await self.inform(JOBS)
        index_owners(self.jobs)
        self.pods = await self.inform("pods")
        index_owned(self.pods)

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        if informer.resource == JOBS:  # not by identity: listed objects come before ``inform`` returns
            for change in changes:
                key = object_key(change.object)
                if change.type == DELETED:
                    self.expectations.forget(key)
                    self.events.forget(change.object["metadata"]["uid"])
                    self._written.pop(key, None)
                    for pod in self.pods.by_index(CONTROLLER, change.object["metadata"]["uid"]):
                        self.enqueue(ORPHAN_POD + object_key(pod))
                else:
                    self.enqueue(key)
            return
        for change in changes:
            self._pod_changed(change)

    def _pod_changed(self, change: Change) -> None:
        pod = change.object
        if change.type == DELETED or not is_tracked(pod):
            self._releasing.discard(pod["metadata"]["uid"])
        owners = self._jobs_of(pod)
        if change.old is not None:
            owners += [job for job in self._jobs_of(change.old) if job not in owners]
        for job in owners:
            key = object_key(job)
            pod_seen(self.expectations, key, change)
            if key not in self._batched:
                self._batched.add(key)
                self.enqueue(key, after=POD_UPDATE_BATCH)
        if not owners and change.type != DELETED:
            if controller_uid(pod) and is_tracked(pod):
                self.enqueue(ORPHAN_POD + object_key(pod))  # its Job is gone: let the pod go
            elif not controller_uid(pod):
                self._enqueue_selecting(pod)

    def _jobs_of(self, pod: JsonObject) -> list[JsonObject]:
        uid = controller_uid(pod)
        return self.jobs.by_index(UID, uid) if uid else []

    def _enqueue_selecting(self, pod: JsonObject) -> None:
        for job in self.jobs.items(namespace_of(pod)):
            if claim(job, [pod]).adopt:
                self.enqueue(job)

    async def reconcile(self, key: str) -> float | None:
        if key.startswith(ORPHAN_POD):
            await self._release_orphan(key.removeprefix(ORPHAN_POD))
            return None
        self._batched.discard(key)
        job = self._current(key)
        if job is None:
            self.expectations.forget(key)
            return None
        namespace = namespace_of(job)
        candidates = owned_or_orphaned(self.pods, job)
        claims = claim(job, candidates)
        await settle(
            [
                self._patch_pod(namespace, pod["metadata"]["name"], adopt_patch(pod, job))
                for pod in claims.adopt
            ]
        )
        now = self.clock.now()
        sync = sync_job(job, claims.owned, now, expectations_met=self.expectations.satisfied(key, now))
        await self._carry_out(key, job, sync)
        await write_events(self.api, self.events, self.clock.now())
        return sync.look_again_after

    def _current(self, key: str) -> JsonObject | None:
        """The cached Job, or the one this controller wrote last if the cache is behind it."""
        cached = self.jobs.get_key(key)
        written = self._written.get(key)
        if cached is None or written is None:
            return cached
        if written["metadata"]["uid"] != cached["metadata"]["uid"] or _version(cached) >= _version(written):
            del self._written[key]
            return cached
        return written

    async def _carry_out(self, key: str, job: JsonObject, sync: JobSync) -> None:
        namespace, name = namespace_of(job), job["metadata"]["name"]
        if sync.status is not None:
            body = {
                "metadata": {"name": name, "resourceVersion": job["metadata"]["resourceVersion"]},
                "status": sync.status,
            }
            self._written[key] = await self.api.ask(m.ReplaceObject(JOBS, namespace, name, body, "status"))
        for event_type, reason, message in sync.events:
            self.events.record(job, event_type, reason, message, self.clock.now())
        await self._release(namespace, sync.release)
        if sync.delete:
            await self.pod_control.delete(key, job, sync.delete)
        if sync.create:
            await self.pod_control.create(key, job, sync.create)
        if sync.delete_job:
            self.log.info("job_ttl_expired", namespace=namespace, job=name)
            await settle([self.api.ask(m.DeleteObject(JOBS, namespace, name, propagation="Foreground"))])

    async def _release(self, namespace: str, names: tuple[str, ...]) -> None:
        """Remove the tracking finalizer of each pod, once: its watch event is on the way. A
        removal that failed (a 409 after a concurrent status write) is sent again next time."""
        uids, writes = [], []
        for name in names:
            pod = self.pods.get(namespace, name)
            if pod is None or pod["metadata"]["uid"] in self._releasing:
                continue
            patch = remove_finalizer_patch(pod, TRACKING_FINALIZER)
            if patch is not None:
                uids.append(pod["metadata"]["uid"])
                writes.append(self._patch_pod(namespace, name, patch))
        self._releasing.update(uids)
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
        for uid, outcome in zip(uids, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                self._releasing.discard(uid)
        raise_unexpected(outcomes)

    async def _release_orphan(self, pod_key: str) -> None:
        """Remove the tracking finalizer of a pod whose Job is gone (checked with the apiserver:
        the Job's own watch may be behind the pod's)."""
        namespace, name = split_key(pod_key)
        pod = self.pods.get(namespace, name)
        if pod is None or not is_tracked(pod) or self._jobs_of(pod):
            return
        owner = next(ref for ref in pod["metadata"]["ownerReferences"] if ref.get("controller") is True)
        try:
            job = await self.api.ask(m.GetObject(JOBS, namespace, owner["name"]))
        except status.NotFound:
            job = None
        if job is not None and job["metadata"]["uid"] == owner["uid"]:
            return
        patch = remove_finalizer_patch(pod, TRACKING_FINALIZER)
        if patch is not None:
            await settle([self._patch_pod(namespace, name, patch)])

    def _patch_pod(self, namespace: str, name: str, patch: list[JsonObject]) -> Awaitable[Any]:
        return self.api.ask(m.PatchObject("pods", namespace, name, patch, JSON_PATCH))


def _version(obj: JsonObject) -> int:
    return int(obj["metadata"].get("resourceVersion") or 0)
