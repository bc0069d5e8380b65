"""Why: a pod's READY, STATUS and RESTARTS are not fields of the pod but reasoned from its
containers, init containers and sidecars, the way kubectl's pod printer does; that reasoning is
the largest part of the Tables and is kept apart here.

Registers the Pod printer with ``columns``; reads objects through ``fields`` and times through
``durations``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kube_actors.api.times import unix_seconds
from kube_actors.components.apiserver.tables.columns import Cells, prints
from kube_actors.components.apiserver.tables.durations import human_duration
from kube_actors.components.apiserver.tables.fields import (
    JsonObject,
    condition_true,
    meta,
    name_age,
    part,
)


@dataclass
class _Restarts:
    """Container restarts, and when the last one happened, for a pod's RESTARTS cell."""

    count: int = 0
    last: float | None = None

    def add(self, container: JsonObject) -> None:
        self.count += int(container.get("restartCount") or 0)
        finished = unix_seconds(part(part(container, "lastState"), "terminated").get("finishedAt"))
        if finished is not None and (self.last is None or finished > self.last):
            self.last = finished

    def cell(self, now: float) -> str:
        if self.count and self.last is not None:
            return f"{self.count} ({human_duration(now - self.last)} ago)"
        return str(self.count)


def _ended(terminated: JsonObject) -> str:
    if terminated.get("reason"):
        return str(terminated["reason"])
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _pod_state(pod: JsonObject, now: float) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, reasoned as kubectl's pod printer does."""
    spec, state = part(pod, "spec"), part(pod, "status")
    phase = state.get("phase") or "Pending"  # what Kubernetes sets on create
    reason = state.get("reason") or phase
    conditions = state.get("conditions") or []
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated" for c in conditions):
        reason = "SchedulingGated"
    init_containers = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_containers if c.get("restartPolicy") == "Always"}
    total, ready = len(spec.get("containers") or []) + len(sidecars), 0
    restarts, sidecar_restarts, initializing = _Restarts(), _Restarts(), False
    for index, container in enumerate(state.get("initContainerStatuses") or []):
        restarts.add(container)
        sidecar = container.get("name") in sidecars
        if sidecar:
            sidecar_restarts.add(container)
        terminated, waiting = (
            part(container, "state").get("terminated"),
            part(container, "state").get("waiting"),
        )
        if terminated is not None and not terminated.get("exitCode"):
            continue
        if sidecar and container.get("started"):
            ready += bool(container.get("ready"))
            continue
        initializing = True
        if terminated is not None:
            reason = "Init:" + _ended(terminated)
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_containers)}"
        break
    if not initializing or condition_true(conditions, "Initialized"):
        restarts, running = sidecar_restarts, False
        for container in reversed(state.get("containerStatuses") or []):
            restarts.add(container)
            current = part(container, "state")
            waiting, terminated = current.get("waiting") or {}, current.get("terminated")
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _ended(terminated)
            elif container.get("ready") and current.get("running") is not None:
                running, ready = True, ready + 1
        if reason == "Completed" and running:  # a container still serving keeps the pod up
            reason = "Running" if condition_true(conditions, "Ready") else "NotReady"
    if meta(pod).get("deletionTimestamp"):
        if state.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return f"{ready}/{total}", reason, restarts.cell(now)


@prints(
    "Pod",
    ("Name", "Ready", "Status", "Restarts", "Age"),
    wide=("IP", "Node", "Nominated Node", "Readiness Gates"),
)
def _pod(pod: JsonObject, now: float) -> Cells:
    spec, state = part(pod, "spec"), part(pod, "status")
    name, age = name_age(pod, now)
    ready, reason, restarts = _pod_state(pod, now)
    ips = state.get("podIPs") or []
    ip = (ips[0].get("ip") if ips else state.get("podIP")) or "<none>"
    gates = spec.get("readinessGates") or []
    met = sum(condition_true(state.get("conditions") or [], gate.get("conditionType")) for gate in gates)
    nodes = [spec.get("nodeName") or "<none>", state.get("nominatedNodeName") or "<none>"]
    return [name, ready, reason, restarts, age, ip, *nodes, f"{met}/{len(gates)}" if gates else "<none>"]
