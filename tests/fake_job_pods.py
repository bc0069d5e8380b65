"""TEST-ONLY stand-in for the scheduler and kubelets, for the Job integration tests until the
real ones run in an in-process cluster.

``FakeJobPods`` runs the pods of Jobs: it puts each new one on ``node-1``, marks it Running and
Ready, and after the run time its script gives (simulated seconds, on the actor's clock) marks
it Succeeded or Failed, with its container's exit code and ``finishedAt``. A pod marked for
deletion is stopped (Failed, exit code 137) and its deletion confirmed, as a kubelet does.
Nothing else: no resources, no probes, no restarts in place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from kube_actors.api import status
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver import messages as m
from kube_actors.components.informing import Change, Informer, InformingActor
from kube_actors.runtime import ActorRef, message

JsonObject = dict[str, Any]
Script = Callable[[JsonObject], tuple[str, float]]
"""A pod's outcome ("Succeeded" or "Failed") and how many seconds it runs before it."""
NODE = "node-1"


@message("test.FinishJobPod")
class FinishJobPod:
    namespace: str
    name: str
    phase: str


class FakeJobPods(InformingActor):
    def __init__(self, api: ActorRef, script: Script) -> None:
        super().__init__(api)
        self.script = script
        self.pods: Informer

    async def on_start(self) -> None:
        self.pods = await self.inform("pods", label_selector="batch.kubernetes.io/job-name")

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        for change in changes:
            if change.type != "DELETED":
                await self._tend(change.object)

    async def handle(self, message: Any) -> Any:
        if isinstance(message, FinishJobPod):
            pod = self.pods.get(message.namespace, message.name)
            if pod is not None and not pod["metadata"].get("deletionTimestamp"):
                await self._finish(pod, message.phase, exit_code=0 if message.phase == "Succeeded" else 1)
        return None

    async def _tend(self, pod: JsonObject) -> None:
        metadata = pod["metadata"]
        namespace, name = metadata.get("namespace", ""), metadata["name"]
        phase = (pod.get("status") or {}).get("phase")
        with contextlib.suppress(status.NotFound, status.Conflict):
            if metadata.get("deletionTimestamp"):
                if phase not in ("Succeeded", "Failed"):
                    await self._finish(pod, "Failed", exit_code=137)
                await self.api.ask(m.DeleteObject("pods", namespace, name, grace_period=0))
            elif not (pod.get("spec") or {}).get("nodeName"):
                await self.api.ask(m.BindPod(namespace, name, NODE))
            elif phase == "Pending":
                now = timestamp(self.clock.now())
                running = {
                    "phase": "Running",
                    "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}],
                    "containerStatuses": [
                        {
                            "name": "main",
                            "ready": True,
                            "restartCount": 0,
                            "state": {"running": {"startedAt": now}},
                        }
                    ],
                }
                await self.api.ask(
                    m.PatchObject("pods", namespace, name, {"status": running}, subresource="status")
                )
                outcome, seconds = self.script(pod)
                self.clock.call_later(seconds, self.ref.tell, FinishJobPod(namespace, name, outcome))

    async def _finish(self, pod: JsonObject, phase: str, *, exit_code: int) -> None:
        metadata = pod["metadata"]
        now = timestamp(self.clock.now())
        reason = "Completed" if phase == "Succeeded" else "Error"
        finished = {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": now}],
            "containerStatuses": [
                {
                    "name": "main",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": exit_code, "reason": reason, "finishedAt": now}},
                }
            ],
        }
        with contextlib.suppress(status.NotFound):
            await self.api.ask(
                m.PatchObject(
                    "pods",
                    metadata.get("namespace", ""),
                    metadata["name"],
                    {"status": finished},
                    subresource="status",
                )
            )
