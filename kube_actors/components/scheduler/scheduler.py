"""Why: the kube-scheduler actor. It keeps informers on what placement reads (nodes, pods,
namespaces, volume claims and volumes), queues the pending pods of its profiles
(``queue.py``), hands them in batches to the placement worker thread (``worker.py``) and binds
each placed pod through the apiserver's ``binding`` subresource. A pod no node can take gets
Kubernetes' ``PodScheduled=False`` condition and a ``FailedScheduling`` event, and waits for a
change in the cluster. A binding that fails (the pod went, or was bound meanwhile, or the
apiserver is down) is taken back from the worker's view and, if the pod still waits, retried.

Only scheduling-relevant changes to a node (labels, taints, allocatable, images,
unschedulable) rebuild the worker's view: the kubelets' periodic status updates do not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from kube_actors.api import status
from kube_actors.api.times import timestamp, unix_seconds
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import STRATEGIC_MERGE
from kube_actors.components.events import event_body
from kube_actors.components.informing import DELETED, Change, Informer, InformingActor, JsonObject, object_key
from kube_actors.components.scheduler.queue import SchedulingQueue
from kube_actors.components.scheduler.worker import (
    Forget,
    Place,
    PlacementWorker,
    PodGone,
    PodPlaced,
    Rebuild,
)
from kube_actors.components.wakeup import Wakeup
from kube_actors.runtime import ActorRef
from kube_actors.runtime.blocking import BlockingRef
from kube_actors.runtime.errors import UNREACHABLE
from kube_actors.runtime.message import message
from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.framework import Code
from kube_actors.scheduling.pods import DEFAULT_SCHEDULER, claim_names
from kube_actors.scheduling.profiles import SHIPPED_PROFILES, Profile
from kube_actors.scheduling.snapshot import TERMINAL_PHASES
from kube_actors.scheduling.volumes import SELECTED_NODE_ANNOTATION

COMPONENT = "default-scheduler"
BATCH_SIZE = 500
PLACE_TIMEOUT = 600.0


@message("scheduler.ScheduleBatch")
class ScheduleBatch:
    """The scheduler's note to itself: place the pods that are due."""


class Scheduler(InformingActor):
    def __init__(
        self,
        api: ActorRef,
        profiles: Mapping[str, Profile] = SHIPPED_PROFILES,
        *,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        super().__init__(api)
        self.profiles = profiles
        self.batch_size = batch_size
        self.queue = SchedulingQueue()
        self.worker: BlockingRef[PlacementWorker] | None = None
        self.informers: dict[str, Informer] = {}
        self._stale = True  # the worker's view must be rebuilt before the next placement
        self._told = False
        self._wakeup: Wakeup | None = None
        self._reported: dict[str, str] = {}  # pod key -> the unschedulable message last written

    async def on_start(self) -> None:
        self._wakeup = Wakeup(self.clock, self._schedule_now)
        self.worker = BlockingRef.start(PlacementWorker, self.profiles, clock=self.clock)
        for resource in (
            "nodes",
            "namespaces",
            "persistentvolumeclaims",
            "persistentvolumes",
            "storageclasses.storage.k8s.io",
            "pods",
        ):
            self.informers[resource] = await self.inform(resource)
        self.log.info("scheduler_started", profiles=sorted(self.profiles), nodes=len(self.informers["nodes"]))

    async def on_stop(self) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
        if self.worker is not None:
            await self.worker.stop()
        await super().on_stop()

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        if informer.resource == "pods":
            for change in changes:
                self._pod_changed(change)
        elif informer.resource != "nodes" or any(_matters_to_placement(c) for c in changes):
            self._stale = True
            self.queue.cluster_changed(self.clock.now())
        self._kick()

    async def handle(self, message: Any) -> Any:
        if isinstance(message, ScheduleBatch):
            self._told = False
            await self._schedule_batch()
        return None

    def _pod_changed(self, change: Change) -> None:
        pod, key = change.object, object_key(change.object)
        node = pod.get("spec", {}).get("nodeName", "")
        was_on = (change.old or {}).get("spec", {}).get("nodeName", "")
        finished = pod.get("status", {}).get("phase") in TERMINAL_PHASES
        if change.type == DELETED or (node and finished):
            self.queue.remove(key)
            self._reported.pop(key, None)
            if node:
                self._tell_worker(PodGone(pod))
                self.queue.cluster_changed(self.clock.now())  # its room is free
        elif node:
            self.queue.remove(key)
            self._reported.pop(key, None)
            if not was_on:
                self._tell_worker(PodPlaced(pod))
        elif pod["metadata"].get("deletionTimestamp"):
            self.queue.remove(key)
        elif pod.get("spec", {}).get("schedulerName", DEFAULT_SCHEDULER) in self.profiles:
            self.queue.add(key, priority=pod["spec"].get("priority") or 0, created=_created(pod))

    async def _schedule_batch(self) -> None:
        assert self.worker is not None and self._wakeup is not None
        pods = []
        if "pods" in self.informers:  # else still starting: the queue waits
            keys = self.queue.pop(self.clock.now(), self.batch_size)
            pods = [pod for key in keys if (pod := self.informers["pods"].get_key(key)) is not None]
        if pods:
            if self._stale:
                await self.worker.ask(self._rebuild(), timeout=PLACE_TIMEOUT)
                self._stale = False
            decisions: list[Decision] = await self.worker.ask(Place(pods), timeout=PLACE_TIMEOUT)
            await asyncio.gather(*(self._carry_out(pod, d) for pod, d in zip(pods, decisions, strict=True)))
        self._kick()

    async def _carry_out(self, pod: JsonObject, decision: Decision) -> None:
        key = object_key(pod)
        if decision.node_name is None:
            self.queue.failed(key, self.clock.now(), unschedulable=decision.code is not Code.ERROR)
            await self._report_unschedulable(pod, decision)
            return
        try:
            await self._select_node_for_claims(pod, decision.node_name)
            await self.api.ask(m.BindPod(decision.namespace, decision.pod_name, decision.node_name))
        except (status.ApiError, *UNREACHABLE) as failed:
            self._tell_worker(Forget(key))
            if isinstance(failed, status.ApiError) and failed.code in (404, 409):
                return  # deleted, or bound by someone else: the watch tells the rest
            self.queue.failed(key, self.clock.now(), unschedulable=False)
            self.log.info("bind_failed", pod=key, node=decision.node_name, reason=str(failed))
            return
        await self._record_event(pod, "Normal", "Scheduled", _assigned(pod, decision.node_name))

    async def _select_node_for_claims(self, pod: JsonObject, node: str) -> None:
        """Kubernetes' VolumeBinding PreBind for dynamic provisioning: an unbound claim of a
        ``WaitForFirstConsumer`` class learns the chosen node (the provisioner makes its volume
        where the pod will run)."""
        namespace = pod["metadata"]["namespace"]
        for claim_name in claim_names(pod):
            claim = self.informers["persistentvolumeclaims"].get(namespace, claim_name)
            if claim is None or claim.get("spec", {}).get("volumeName"):
                continue
            if claim["metadata"].get("annotations", {}).get(SELECTED_NODE_ANNOTATION) == node:
                continue
            class_name = claim.get("spec", {}).get("storageClassName") or ""
            storage_class = self.informers["storageclasses.storage.k8s.io"].get("", class_name)
            if storage_class is None or storage_class.get("volumeBindingMode") != "WaitForFirstConsumer":
                continue
            patch = {"metadata": {"annotations": {SELECTED_NODE_ANNOTATION: node}}}
            await self.api.ask(m.PatchObject("persistentvolumeclaims", namespace, claim_name, patch))

    async def _report_unschedulable(self, pod: JsonObject, decision: Decision) -> None:
        key = object_key(pod)
        if self._reported.get(key) == decision.message:
            return  # said already; Kubernetes does not rewrite an unchanged condition either
        self._reported[key] = decision.message
        reason = "SchedulerError" if decision.code is Code.ERROR else "Unschedulable"
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": reason,
            "message": decision.message,
            "lastTransitionTime": timestamp(self.clock.now()),
        }
        patch = {"status": {"conditions": [condition]}}
        metadata = pod["metadata"]
        try:
            await self.api.ask(
                m.PatchObject(
                    "pods", metadata["namespace"], metadata["name"], patch, STRATEGIC_MERGE, "status"
                )
            )
        except (status.ApiError, *UNREACHABLE) as failed:
            self.log.info("pod_condition_not_written", pod=key, reason=str(failed))
            return
        await self._record_event(pod, "Warning", "FailedScheduling", decision.message)

    async def _record_event(self, pod: JsonObject, type_: str, reason: str, text: str) -> None:
        metadata = pod["metadata"]
        event = event_body(pod, type_, reason, text, COMPONENT, self.clock.now())
        try:
            await self.api.ask(m.CreateObject("events", metadata["namespace"], event))
        except (status.ApiError, *UNREACHABLE) as failed:
            self.log.debug("event_not_written", pod=object_key(pod), reason=str(failed))

    def _rebuild(self) -> Rebuild:
        informers = self.informers
        return Rebuild(
            informers["nodes"].items(),
            informers["pods"].items(),
            informers["namespaces"].items(),
            informers["persistentvolumeclaims"].items(),
            informers["persistentvolumes"].items(),
        )

    def _tell_worker(self, message: Any) -> None:
        if self.worker is not None:
            self.worker.tell(message)

    def _kick(self) -> None:
        """Place what is due now, and wake up when the next waiting pod is due."""
        if len(self.queue):
            self._schedule_now()
        if self._wakeup is not None:
            self._wakeup.at(self.queue.next_due())

    def _schedule_now(self) -> None:
        if not self._told:
            self._told = True
            self.ref.tell(ScheduleBatch())


def _matters_to_placement(change: Change) -> bool:
    """Whether a node change can change a placement (a status heartbeat cannot)."""
    if change.old is None or change.type == DELETED:
        return True
    new, old = change.object, change.old
    return (
        new["metadata"].get("labels") != old["metadata"].get("labels")
        or new.get("spec") != old.get("spec")
        or new.get("status", {}).get("allocatable") != old.get("status", {}).get("allocatable")
        or new.get("status", {}).get("images") != old.get("status", {}).get("images")
    )


def _created(pod: JsonObject) -> float:
    return unix_seconds(pod["metadata"].get("creationTimestamp")) or 0.0


def _assigned(pod: JsonObject, node: str) -> str:
    return f"Successfully assigned {pod['metadata']['namespace']}/{pod['metadata']['name']} to {node}"
