"""Why: what the kubelet writes to ``pods/status`` is derived, never stored: from a
``PodRecord`` come the container statuses (state, lastState, restartCount, ready, started), the
phase by Kubernetes' rules (``getPhase``), the conditions (PodReadyToStartContainers,
Initialized, ContainersReady, Ready) and the pod's IPs. Pure: the pod worker calls ``render``
after a sync and writes the result only if it differs from what it last wrote.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api.times import timestamp
from kube_actors.components.kubelet.pod_records import ContainerRecord, Ended, PodRecord
from kube_actors.components.kubelet.resources import qos_class

JsonObject = dict[str, Any]
PENDING, RUNNING, SUCCEEDED, FAILED = "Pending", "Running", "Succeeded", "Failed"
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready")
UNKNOWN_AT_TERMINATION = "The container could not be located when the pod was terminated"


def _terminated(ended: Ended, scheme: str) -> JsonObject:
    state: JsonObject = {
        "exitCode": ended.exit_code,
        "reason": ended.reason,
        "startedAt": timestamp(ended.started_at) if ended.started_at is not None else None,
        "finishedAt": timestamp(ended.finished_at),
        "containerID": f"{scheme}://{ended.container_id}",
    }
    if ended.message:
        state["message"] = ended.message
    return state


def container_status(record: ContainerRecord, *, scheme: str, terminal: bool) -> JsonObject:
    """One entry of ``containerStatuses`` (or ``initContainerStatuses``)."""
    status: JsonObject = {
        "name": record.name,
        "image": record.image,
        "imageID": record.image_id,
        "restartCount": record.restart_count,
        "ready": record.ready,
        "started": record.started,
    }
    if record.container_id and record.running_since is not None:
        state: JsonObject = {"running": {"startedAt": timestamp(record.running_since)}}
        status["containerID"] = f"{scheme}://{record.container_id}"
    elif record.ended is not None:
        state = {"terminated": _terminated(record.ended, scheme)}
        status["containerID"] = f"{scheme}://{record.ended.container_id}"
    elif terminal:
        state = {
            "terminated": {
                "exitCode": 137,
                "reason": "ContainerStatusUnknown",
                "message": UNKNOWN_AT_TERMINATION,
                "startedAt": None,
                "finishedAt": None,
            }
        }
    else:
        waiting: JsonObject = {"reason": record.waiting_reason or "ContainerCreating"}
        if record.waiting_message:
            waiting["message"] = record.waiting_message
        state = {"waiting": waiting}
    status["state"] = state
    status["lastState"] = {"terminated": _terminated(record.last_ended, scheme)} if record.last_ended else {}
    return status


def pod_phase(
    restart_policy: str, inits: list[JsonObject], apps: list[JsonObject], *, terminal: bool = False
) -> str:
    """The phase container statuses add up to, by the kubelet's ``getPhase``.

    >>> crashed = {"state": {"waiting": {}}, "lastState": {"terminated": {"exitCode": 1}}}
    >>> failed = {"state": {"terminated": {"exitCode": 1}}}
    >>> pod_phase("Always", [], [crashed]), pod_phase("Never", [], [failed])
    ('Running', 'Failed')
    """
    pending_init = failed_init = 0
    for status in inits:
        state, last = status["state"], status.get("lastState") or {}
        if "terminated" in state:
            failed_init += state["terminated"]["exitCode"] != 0
        elif "waiting" in state and "terminated" in last:
            failed_init += last["terminated"]["exitCode"] != 0
        else:
            pending_init += 1
    if failed_init and restart_policy == "Never":
        return FAILED
    running = waiting = stopped = succeeded = 0
    for status in apps:
        state, last = status["state"], status.get("lastState") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"]["exitCode"] == 0
        elif "terminated" in last:
            stopped += 1
        else:
            waiting += 1
    if pending_init or waiting:
        return FAILED if terminal else PENDING
    if running:
        return RUNNING
    if stopped:
        if terminal:
            return SUCCEEDED if stopped == succeeded else FAILED
        if restart_policy == "Always":
            return RUNNING
        if stopped == succeeded:
            return SUCCEEDED
        return FAILED if restart_policy == "Never" else RUNNING
    return PENDING


def _condition(
    record: PodRecord, kind: str, ok: bool, now: float, reason: str = "", message: str = ""
) -> JsonObject:
    status = "True" if ok else "False"
    condition: JsonObject = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": timestamp(record.condition_since(kind, status, now)),
    }
    if reason and not ok:
        condition["reason"] = reason
    if message and not ok:
        condition["message"] = message
    return condition


def _unready(names: list[str]) -> str:
    return f"[{' '.join(names)}]"


def conditions(record: PodRecord, phase: str, now: float) -> list[JsonObject]:
    """The kubelet's four conditions, then the ones others own (PodScheduled, gates, ...)."""
    not_initialized = [c.name for c in record.inits if not c.succeeded]
    unready = [c.name for c in record.apps if not c.ready]
    completed = phase == SUCCEEDED
    ready_reason = "PodCompleted" if completed else "ContainersNotReady"
    ready_message = "" if completed else f"containers with unready status: {_unready(unready)}"
    current = {c.get("type"): c for c in record.pod.get("status", {}).get("conditions") or []}
    gates = [g.get("conditionType") for g in record.pod.get("spec", {}).get("readinessGates") or []]
    gates_open = [g for g in gates if current.get(g, {}).get("status") != "True"]
    result = [
        _condition(record, "PodReadyToStartContainers", record.sandbox is not None, now),
        _condition(
            record,
            "Initialized",
            not not_initialized or completed,
            now,
            "ContainersNotInitialized",
            f"containers with incomplete status: {_unready(not_initialized)}",
        ),
        _condition(record, "ContainersReady", not unready, now, ready_reason, ready_message),
    ]
    if unready or not gates_open:
        result.append(_condition(record, "Ready", not unready, now, ready_reason, ready_message))
    else:
        message = f'corresponding condition of pod readiness gate "{gates_open[0]}" does not exist.'
        result.append(_condition(record, "Ready", False, now, "ReadinessGatesNotReady", message))
    if record.evicted:
        result.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": timestamp(record.condition_since("DisruptionTarget", "True", now)),
                "reason": "TerminationByKubelet",
                "message": record.failure[1] if record.failure else "",
            }
        )
    owned = {*KUBELET_CONDITIONS, *(["DisruptionTarget"] if record.evicted else [])}
    result.extend(c for kind, c in current.items() if kind not in owned)
    return result


def render(record: PodRecord, *, host_ip: str, scheme: str, now: float) -> JsonObject:
    """The pod's status as the kubelet reports it."""
    terminal = record.terminal
    inits = [container_status(c, scheme=scheme, terminal=terminal) for c in record.inits]
    apps = [container_status(c, scheme=scheme, terminal=terminal) for c in record.apps]
    phase = (
        FAILED
        if record.failure is not None
        else pod_phase(record.restart_policy, inits, apps, terminal=terminal)
    )
    status: JsonObject = {
        "phase": phase,
        "conditions": conditions(record, phase, now),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": timestamp(record.start_time),
        "qosClass": qos_class(record.pod),
        "containerStatuses": apps,
    }
    if record.pod_ip:
        status["podIP"], status["podIPs"] = record.pod_ip, [{"ip": record.pod_ip}]
    if inits:
        status["initContainerStatuses"] = inits
    if record.failure is not None:
        status["reason"], status["message"] = record.failure
    return status
