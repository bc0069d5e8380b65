"""Why: the controllers' tests and benchmark need pods that get scheduled, start and stop, before
the scheduler and the kubelets exist. This stand-in does the least of both, and nothing more:
it binds every unbound pod to one of ``nodes`` fake node names in turn (``BindPod``, as the
scheduler would), marks every bound pod Running and Ready through the status subresource, and
finishes the deletion of every pod marked for deletion (``grace_period=0``, as a kubelet does
once its containers have stopped). It checks no resources and runs nothing: it is not a
kubelet, and goes once the real ones can take its place.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from typing import Any

from kube_actors.api import status
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import STRATEGIC_MERGE
from kube_actors.components.informing import DELETED, Change, Informer, InformingActor, JsonObject, object_key
from kube_actors.runtime import ActorRef
from kube_actors.runtime.clock import Timer


class FakeKubelet(InformingActor):
    """Binds, starts and finishes deleting every pod in the cluster (see the module's doc)."""

    def __init__(self, api: ActorRef, nodes: int = 10, start_seconds: float = 0.0) -> None:
        """``start_seconds``: how long a bound pod takes to become Running and Ready."""
        super().__init__(api)
        self.start_seconds = start_seconds
        self.node_names = [f"fake-node-{i}" for i in range(nodes)]
        self._next_node = itertools.cycle(self.node_names)
        self._pending: set[tuple[str, str]] = set()  # (pod key, step) written and not yet seen
        # Writes are futures with callbacks, not tasks: this stand-in shares the benchmark's
        # event loop with what it measures.
        self._replies: set[asyncio.Future[Any]] = set()
        self._timers: set[Timer] = set()
        self.pods: Informer

    async def on_start(self) -> None:
        self.pods = await self.inform("pods")

    async def on_stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for reply in list(self._replies):
            reply.cancel()
        await super().on_stop()

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        for change in changes:
            if change.type == DELETED:
                continue
            step = self._next_step(change.object)
            if step is None:
                continue
            key = object_key(change.object)
            if (key, step) in self._pending:
                continue
            self._pending.add((key, step))
            if step == "start" and self.start_seconds > 0:
                self._later(key, change.object)
            else:
                self._write(key, step, change.object)

    def _next_step(self, pod: JsonObject) -> str | None:
        if pod["metadata"].get("deletionTimestamp"):
            return "finish-deletion" if pod["spec"].get("nodeName") else None
        if not pod["spec"].get("nodeName"):
            return "bind"
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in _conditions(pod))
        return None if ready and pod.get("status", {}).get("phase") == "Running" else "start"

    def _later(self, key: str, pod: JsonObject) -> None:
        """Start the pod once its ``start_seconds`` have passed."""

        def due() -> None:
            self._timers.discard(timer)
            self._write(key, "start", pod)

        timer = self.clock.call_later(self.start_seconds, due)
        self._timers.add(timer)

    def _write(self, key: str, step: str, pod: JsonObject) -> None:
        namespace, name = pod["metadata"].get("namespace", ""), pod["metadata"]["name"]
        if step == "bind":
            message: Any = m.BindPod(namespace, name, next(self._next_node))
        elif step == "start":
            patch = {"status": running_status(pod, timestamp(self.clock.now()))}
            message = m.PatchObject("pods", namespace, name, patch, STRATEGIC_MERGE, "status")
        else:
            message = m.DeleteObject("pods", namespace, name, grace_period=0)
        reply = self.api.request(message)
        self._replies.add(reply)
        reply.add_done_callback(functools.partial(self._written, key, step))

    def _written(self, key: str, step: str, reply: asyncio.Future[Any]) -> None:
        self._replies.discard(reply)
        self._pending.discard((key, step))
        if reply.cancelled():
            return
        error = reply.exception()
        if error is None or (isinstance(error, status.ApiError) and error.code in (404, 409)):
            return  # done, or gone or moved on meanwhile
        self.log.warning("fake_kubelet_write_failed", pod=key, step=step, reason=str(error))


def _conditions(pod: JsonObject) -> list[JsonObject]:
    return [c for c in pod.get("status", {}).get("conditions") or () if isinstance(c, dict)]


def running_status(pod: JsonObject, now: str) -> JsonObject:
    """The status of a pod whose containers all started at ``now``."""
    containers = pod["spec"].get("containers") or []
    return {
        "phase": "Running",
        "startTime": now,
        "conditions": [
            {"type": kind, "status": "True", "lastTransitionTime": now}
            for kind in ("Initialized", "Ready", "ContainersReady")
        ],
        "containerStatuses": [
            {
                "name": container.get("name", ""),
                "image": container.get("image", ""),
                "ready": True,
                "started": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": now}},
            }
            for container in containers
        ],
    }
