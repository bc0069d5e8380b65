"""Why: the kubelet as an actor, one per node at ``kubelet/<node>``: the thin shell around the
pure ``KubeletCore``. It registers the Node, renews the node's Lease (the heartbeat), posts
the node status when it changed, watches only the pods bound to its node, executes the core's
actions against the container runtime and the apiserver, and answers ``ReadLogs`` and the
faults scenarios inject (``faults.py``).

Runtime calls that answer at once (the simulated runtime mostly does) are fed straight back to
the core; those that must wait (an image pull, a slow start) come back as a note to self
(``messages.py``), as do apiserver replies, so the core only ever changes inside a message.
Stopping the actor is the node going dark: nothing is written on the way out.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from kube_actors.api import status
from kube_actors.api.times import unix_seconds
from kube_actors.components.apiserver import messages as api
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.informing import DELETED, Change, Informer, InformingActor
from kube_actors.components.kubelet import messages as m
from kube_actors.components.kubelet.actions import (
    Action,
    DeletePod,
    WriteStatus,
)
from kube_actors.components.kubelet.base import ContainerExit, ContainerRuntime, PullOutcome, Refused, Sandbox
from kube_actors.components.kubelet.config import KubeletConfig
from kube_actors.components.kubelet.core import KubeletCore
from kube_actors.components.kubelet.faults import inject
from kube_actors.components.kubelet.logs import LogQuery, read_lines
from kube_actors.components.kubelet.node_status import (
    LEASE_NAMESPACE,
    LEASES,
    Fingerprint,
    NodeConditions,
    StatusReports,
    lease_object,
    node_object,
    node_status,
)
from kube_actors.components.kubelet.pod_events import PodEventLog
from kube_actors.components.kubelet.runtime_calls import RuntimeCalls
from kube_actors.components.kubelet.simulated import SimulatedRuntime
from kube_actors.components.wakeup import Wakeup
from kube_actors.runtime import ActorRef
from kube_actors.runtime.clock import Clock, Timer

JsonObject = dict[str, Any]
RuntimeFactory = Callable[[Clock, KubeletConfig], ContainerRuntime]
API_TIMEOUT = 30.0
RETRY_AFTER = 1.0
GONE = (404, 422)  # the pod is gone, or a new one has its name (the uid test failed)


def simulated_runtime(clock: Clock, config: KubeletConfig) -> ContainerRuntime:
    return SimulatedRuntime(
        clock,
        defaults=config.runtime,
        pod_cidr=config.pod_cidr,
        cpu=config.capacity.get("cpu", "1"),
        images=config.images,
    )


class Kubelet(InformingActor):
    def __init__(
        self, api_ref: ActorRef, config: KubeletConfig, *, runtime: RuntimeFactory | None = None
    ) -> None:
        super().__init__(api_ref)
        self.config = config
        self._make_runtime = runtime or simulated_runtime
        self._timers: dict[str, Timer] = {}
        self._wakeup: Wakeup | None = None  # for the core's earliest timer
        self._lease_exists = False
        self._node_uid = ""
        self._boot_id = str(uuid.uuid4())
        self._conditions = NodeConditions()
        self._reports = StatusReports(config.status_report_period)
        self._posting: Fingerprint | None = None
        self._statuses: dict[str, JsonObject] = {}  # pod uid -> status being written
        self._to_retry: dict[str, bool] = {}  # pod uid -> a deletion (True) or a status write
        self._pods: Informer | None = None

    # Lifecycle.

    async def on_start(self) -> None:
        self.runtime = self._make_runtime(self.clock, self.config)
        self.calls = RuntimeCalls(self.runtime, self.ref.tell, self.log)
        present = {
            image: info.image_ref
            for image in self.config.images
            if (info := self.runtime.image_status(image))
        }
        scheme = self.runtime.version().split("://", 1)[0]
        self.core = KubeletCore(self.config, images=present, runtime_scheme=scheme)
        self._wakeup = Wakeup(self.clock, lambda: self.ref.tell(m.Wake()))
        self.pod_events = PodEventLog(self.config.name)
        await self._register()
        self._renew_lease()
        self._pods = await self.inform("pods", field_selector=f"spec.nodeName={self.config.name}")
        spread = random.Random(self.config.name)  # heartbeats of many nodes do not all land at once
        first = self.clock.now() + spread.uniform(0, self.config.lease_renew_interval)
        self._next_renewal = self._next_status = first
        self._timer("heartbeat", first - self.clock.now(), m.Heartbeat())
        self.log.info("kubelet_started", node=self.config.name, pods=len(self._pods))

    async def on_stop(self) -> None:
        self._go_dark()
        await super().on_stop()

    async def on_failure(self, error: BaseException) -> None:
        self._go_dark()

    def _go_dark(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._wakeup is not None:
            self._wakeup.cancel()
        if hasattr(self, "calls"):
            self.calls.close()

    async def _register(self) -> None:
        """Create the Node (or adopt the one a previous kubelet made), then post its status."""
        node = node_object(
            self.config, runtime_version=self.runtime.version(), kubelet_address=str(self.ref.address)
        )
        try:
            stored = await self.api.ask(api.CreateObject("nodes", "", node))
        except status.AlreadyExists:
            metadata = {"labels": node["metadata"]["labels"], "annotations": node["metadata"]["annotations"]}
            stored = await self.api.ask(
                api.PatchObject("nodes", "", self.config.name, {"metadata": metadata})
            )
        self._node_uid = stored["metadata"]["uid"]
        fingerprint = self._fingerprint()
        await self.api.ask(self._status_patch())
        self._reports.posted(fingerprint, self.clock.now())

    # Messages.

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        now = self.clock.now()
        actions: list[Action] = []
        for change in changes:
            if change.type == DELETED:
                actions.extend(self.core.pod_removed(change.object, now))
            else:
                actions.extend(self.core.pod_changed(change.object, now))
        self._run(actions)

    async def handle(self, message: Any) -> Any:
        now = self.clock.now()
        match message:
            case m.ReadLogs():
                return self._read_logs(message)
            case m.Describe():
                return self.core.summary()
            case m.CrashContainer() | m.SetUsage():
                inject(message, self.core, self.runtime)
                self.log.info(
                    "fault_injected",
                    fault=type(message).__name__,
                    pod=message.pod,
                    container=message.container,
                )
            case m.Wake():
                self._run(self.core.tick(now))
            case m.Heartbeat():
                self._heartbeat(now)
            case m.LeaseRenewed(created, code):
                self._lease_renewed(created, code)
            case m.NodeStatusPosted(posted):
                if posted and self._posting is not None:
                    self._reports.posted(self._posting, now)
                elif not posted:
                    self._reports.forget()
                self._posting = None
            case m.StatusWritten(uid, 0):
                self._run(self.core.status_written(uid, self._statuses.pop(uid, None), now))
            case m.StatusWritten(uid, code) if code in GONE:
                self._statuses.pop(uid, None)  # the informer will tell of the pod's end; write no more
            case m.StatusWritten(uid) | m.DeleteFailed(uid):
                self._statuses.pop(uid, None)
                self._retry(uid, deleting=isinstance(message, m.DeleteFailed))
            case m.RetryWrites():
                self._retry_writes(now)
            case _:
                self._run(self._outcome(message, now))
        return None

    def _outcome(self, note: Any, now: float) -> list[Action]:
        """Feed a runtime call's outcome to the core."""
        self._record(self.pod_events.on_note(note, now))
        core = self.core
        match note:
            case m.SandboxMade(uid, sandbox_id, ip, reason, text):
                made: Sandbox | Refused = Refused(reason, text) if reason else Sandbox(sandbox_id, ip)
                return core.sandbox_made(uid, made, now)
            case m.ImagePulled(uid, image, image_ref, error):
                return core.image_pulled(uid, PullOutcome(image, image_ref, error), now)
            case m.ContainerStarted(uid, name, container_id, reason, text):
                return core.container_started(
                    uid, name, Refused(reason, text) if reason else container_id, now
                )
            case m.ContainerExited(container_id, code, reason, finished_at, started_at, text):
                return core.container_exited(
                    ContainerExit(container_id, code, reason, finished_at, started_at, text), now
                )
            case m.ProbeAnswered(uid, name, container_id, kind, passed):
                return core.probed(uid, name, container_id, kind, passed, now)
            case None:
                return []
        raise status.BadRequest(f"a kubelet does not handle {type(note).__name__}")

    # Executing the core's actions.

    def _run(self, actions: list[Action]) -> None:
        """Execute actions; those whose runtime call answers at once lead to more, at once."""
        queue = deque(actions)
        while queue:
            action = queue.popleft()
            if isinstance(action, WriteStatus):
                self._write_status(action)
            elif isinstance(action, DeletePod):
                self._delete_pod(action)
            else:
                self._record(self.pod_events.on_action(action, self.clock.now()))
                queue.extend(self._outcome(self.calls.execute(action), self.clock.now()))
        assert self._wakeup is not None
        self._wakeup.at(self.core.next_wake())

    # The apiserver.

    def _record(self, events: list[JsonObject]) -> None:
        for event in events:  # fire and forget, as Kubernetes' event broadcaster drops what fails
            self.api.tell(api.CreateObject("events", event["metadata"]["namespace"], event))

    def _request(self, message: Any, on_reply: Callable[[Any], Any], on_error: Callable[[int], Any]) -> None:
        """Send ``message`` to the apiserver; its reply, or its error's code, comes back as the
        note ``on_reply`` or ``on_error`` makes."""
        future = self.api.request(message, timeout=API_TIMEOUT)

        def done(answer: asyncio.Future[Any]) -> None:
            if answer.cancelled():
                return
            error = answer.exception()
            if error is None:
                note = on_reply(answer.result())
            else:
                code = error.code if isinstance(error, status.ApiError) else 503
                if code not in (404, 409, 422):
                    self.log.warning("api_request_failed", request=type(message).__name__, error=str(error))
                note = on_error(code)
            if note is not None:
                self.ref.tell(note)

        future.add_done_callback(done)

    def _write_status(self, action: WriteStatus) -> None:
        """A JSON patch that first tests the uid, so a pod recreated under the same name is
        never given the old one's status; it adds each of our fields and keeps others'."""
        self._statuses[action.uid] = action.status
        patch = [{"op": "test", "path": "/metadata/uid", "value": action.uid}]
        patch.extend(
            {"op": "add", "path": f"/status/{key}", "value": value} for key, value in action.status.items()
        )
        self._request(
            api.PatchObject(
                "pods",
                action.namespace,
                action.name,
                patch,
                JSON_PATCH,
                subresource="status",
            ),
            lambda _: m.StatusWritten(action.uid),
            lambda code: m.StatusWritten(action.uid, code),
        )

    def _delete_pod(self, action: DeletePod) -> None:
        current = self._pods.get(action.namespace, action.name) if self._pods is not None else None
        if current is None or current["metadata"].get("uid") != action.uid:
            return  # gone already, or a new pod under the old name
        self._request(
            api.DeleteObject("pods", action.namespace, action.name, grace_period=0),
            lambda _: None,
            lambda code: None if code == 404 else m.DeleteFailed(action.uid),
        )

    def _heartbeat(self, now: float) -> None:
        """Renew the Lease and look at the node (memory, status) when each is due; one timer
        serves both, so a quiet node costs one message per period."""
        if now >= self._next_renewal:
            self._renew_lease()
            self._next_renewal = now + self.config.lease_renew_interval
        if now >= self._next_status:
            self._run(self.core.housekeeping(self.runtime.stats(), now))
            self._post_node_status()
            self._next_status = now + self.config.status_update_period
        self._timer("heartbeat", min(self._next_renewal, self._next_status) - now, m.Heartbeat())

    def _retry(self, uid: str, *, deleting: bool) -> None:
        """A write failed for a passing reason (a conflict, an apiserver away): try again in a
        second, not at once, so an apiserver that is down is not hammered."""
        self._to_retry[uid] = deleting
        if "retry" not in self._timers:
            self._timer("retry", RETRY_AFTER, m.RetryWrites())

    def _retry_writes(self, now: float) -> None:
        self._timers.pop("retry", None)
        retrying, self._to_retry = self._to_retry, {}
        for uid, deleting in retrying.items():
            self._run(
                self.core.delete_failed(uid, now) if deleting else self.core.status_written(uid, None, now)
            )

    def _renew_lease(self) -> None:
        """Write the Lease with a new renewTime. The write is unconditional (no resourceVersion),
        as only this kubelet writes its Lease, so a renewal needs no reply: only a failure
        comes back as a note."""
        lease = lease_object(self.config, self.clock.now(), node_uid=self._node_uid)
        if self._lease_exists:
            request: Any = api.ReplaceObject(LEASES, LEASE_NAMESPACE, self.config.name, lease)
            on_reply = None
        else:
            request = api.CreateObject(LEASES, LEASE_NAMESPACE, lease)
            on_reply = m.LeaseRenewed(created=True)
        self._request(
            request, lambda _: on_reply, lambda code: m.LeaseRenewed(created=False, error_code=code)
        )

    def _lease_renewed(self, created: bool, code: int) -> None:
        if created or code == 409:  # made now, or someone (a kubelet before us) made it
            self._lease_exists = True
            return
        self._reports.forget()  # a missed heartbeat: the controller may have marked us; say we are fine
        if code == 404:
            self._lease_exists = False

    def _status_patch(self) -> api.PatchObject:
        """The node's status as it is now, as a patch of ``nodes/status``."""
        conditions = self._conditions.render(memory_pressure=self.core.memory_pressure, now=self.clock.now())
        report = node_status(
            self.config,
            conditions,
            self.runtime.images(),
            runtime_version=self.runtime.version(),
            boot_id=self._boot_id,
        )
        return api.PatchObject("nodes", "", self.config.name, {"status": report}, subresource="status")

    def _fingerprint(self) -> Fingerprint:
        return (self.core.memory_pressure, len(self.runtime.images()))

    def _post_node_status(self) -> None:
        fingerprint = self._fingerprint()
        if self._posting is not None or not self._reports.due(fingerprint, self.clock.now()):
            return
        self._posting = fingerprint
        self._request(
            self._status_patch(),
            lambda _: m.NodeStatusPosted(True),
            lambda _: m.NodeStatusPosted(False),
        )

    # Logs.

    def _read_logs(self, request: m.ReadLogs) -> m.PodLogs:
        container_id, running = self.core.log_source(
            request.namespace, request.pod, request.container, request.previous
        )
        lines = self.runtime.logs(container_id) or []
        since = unix_seconds(request.since_time)
        if request.since_seconds is not None:
            since = self.clock.now() - request.since_seconds
        query = LogQuery(
            request.after_line, request.tail_lines, since, request.timestamps, request.limit_bytes
        )
        text, next_line = read_lines(lines, query)
        return m.PodLogs(text, next_line, running)

    # Timers.

    def _timer(self, name: str, delay: float, note: Any) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        self._timers[name] = self.clock.call_later(max(delay, 0.0), self.ref.tell, note)
