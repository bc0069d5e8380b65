"""Why: the DaemonSet controller's reconcile, as Kubernetes' ``syncDaemonSet`` decides it: one
pod on every eligible node (``eligibility.py``), none elsewhere; a failed daemon pod killed and
replaced, backing off per node so a node that keeps rejecting it is not hammered; extra pods on
a node removed (the oldest stays); the rolling update (``rolling.py``) or, with ``OnDelete``,
new pods only where old ones were deleted; and the status ``kubectl get ds`` shows.

Pure: the shell passes the set, the nodes, the set's pods, the time and the backoff state
(``FailedPodBackoff``, which it keeps), and carries out the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.components.controllers.daemonset.eligibility import should_run
from kube_actors.components.controllers.daemonset.pods import (
    is_updated,
    new_daemon_pod,
    oldest_first,
    revision_hash,
    target_node,
)
from kube_actors.components.controllers.daemonset.rolling import limits, roll
from kube_actors.components.controllers.replicaset.pods import available_at, is_available, is_ready

JsonObject = dict[str, Any]
Event = tuple[str, str, str]  # type, reason, message
FIRST_BACKOFF = 1.0  # Kubernetes' failedPodsBackoff: 1 s, doubling ...
MAX_BACKOFF = 900.0  # ... up to 15 minutes
STATUS_COUNTS = (
    "currentNumberScheduled",
    "desiredNumberScheduled",
    "numberMisscheduled",
    "numberReady",
    "numberAvailable",
    "numberUnavailable",
    "updatedNumberScheduled",
    "observedGeneration",
)


class FailedPodBackoff:
    """Per set and node, how long to wait before killing the next failed daemon pod there
    (client-go's ``flowcontrol.Backoff``)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, float]] = {}  # key -> (delay, last attempt)

    def remaining(self, key: str, now: float) -> float:
        entry = self._entries.get(key)
        return 0.0 if entry is None else max(0.0, entry[1] + entry[0] - now)

    def step(self, key: str, now: float) -> None:
        delay, last = self._entries.get(key, (0.0, now))
        fresh = delay == 0.0 or now - last > 2 * MAX_BACKOFF  # never failed, or long ago
        self._entries[key] = (FIRST_BACKOFF if fresh else min(delay * 2, MAX_BACKOFF), now)

    def forget_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]


@dataclass(frozen=True, slots=True)
class DaemonSetSync:
    status: JsonObject | None = None
    create: tuple[JsonObject, ...] = ()
    delete: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    look_again_after: float | None = None


@dataclass(slots=True)
class _Plan:
    create_on: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)


def sync_daemon_set(
    daemon_set: JsonObject,
    nodes: list[JsonObject],
    pods: list[JsonObject],
    now: float,
    backoff: FailedPodBackoff,
    *,
    expectations_met: bool = True,
) -> DaemonSetSync:
    """What to do for ``daemon_set`` given every node and the pods it controls."""
    revision = revision_hash(daemon_set)
    by_node: dict[str, list[JsonObject]] = {}
    for pod in pods:
        if not (_terminal(pod) and pod["metadata"].get("deletionTimestamp")):  # gone but for a finalizer
            by_node.setdefault(target_node(pod), []).append(pod)
    verdicts = {node["metadata"]["name"]: should_run(daemon_set, node) for node in nodes}
    plan = _Plan()
    if expectations_met and not daemon_set["metadata"].get("deletionTimestamp"):
        _manage(daemon_set, verdicts, by_node, now, backoff, plan)
        strategy = (daemon_set["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy == "RollingUpdate":
            desired = sorted(name for name, (run, _) in verdicts.items() if run)
            step = roll(daemon_set, by_node, desired, revision, now)
            plan.delete += [name for name in step.delete if name not in plan.delete]
            plan.create_on += [node for node in step.create_on if node not in plan.create_on]
    counts = _status(daemon_set, verdicts, by_node, revision, now, plan)
    old_status = daemon_set.get("status") or {}
    status = {k: v for k, v in old_status.items() if k not in STATUS_COUNTS} | counts
    return DaemonSetSync(
        status if any(old_status.get(k, 0) != status.get(k, 0) for k in STATUS_COUNTS) else None,
        tuple(new_daemon_pod(daemon_set, node, revision) for node in plan.create_on),
        tuple(plan.delete),
        tuple(plan.events),
        min(plan.waits) if plan.waits else None,
    )


def _manage(
    daemon_set: JsonObject,
    verdicts: dict[str, tuple[bool, bool]],
    by_node: dict[str, list[JsonObject]],
    now: float,
    backoff: FailedPodBackoff,
    plan: _Plan,
) -> None:
    surge, _ = limits(daemon_set, 1)
    surging = (daemon_set["spec"].get("updateStrategy") or {}).get(
        "type", "RollingUpdate"
    ) == "RollingUpdate" and surge > 0
    uid = daemon_set["metadata"]["uid"]
    for node, (run, keep) in sorted(verdicts.items()):
        here = by_node.get(node, [])
        if run and not here:
            plan.create_on.append(node)
        elif keep and here:
            running = []
            for pod in here:
                if pod["metadata"].get("deletionTimestamp"):
                    continue
                if _terminal(pod):
                    wait = backoff.remaining(f"{uid}/{node}", now)
                    if wait > 0:
                        plan.waits.append(wait)
                        continue
                    backoff.step(f"{uid}/{node}", now)
                    name = pod["metadata"]["name"]
                    namespace = pod["metadata"].get("namespace", "")
                    message = (
                        f"Found failed daemon pod {namespace}/{name} on node {node}, will try to kill it"
                    )
                    plan.events.append(("Warning", "FailedDaemonPod", message))
                    plan.delete.append(name)
                else:
                    running.append(pod)
            plan.delete += _extra_pods(daemon_set, running, surging, now)
        elif not keep:
            plan.delete += [p["metadata"]["name"] for p in here if not p["metadata"].get("deletionTimestamp")]
    for node, here in by_node.items():
        if node not in verdicts:  # for a node that is gone: it can never be scheduled
            plan.delete += [p["metadata"]["name"] for p in here if not (p.get("spec") or {}).get("nodeName")]


def _extra_pods(daemon_set: JsonObject, running: list[JsonObject], surging: bool, now: float) -> list[str]:
    """Pods beyond the one a node should have: all but the oldest; while surging, an old and a
    new pod may run together until the new one is available (the old one goes then, or at once
    if it is not ready)."""
    if len(running) <= 1:
        return []
    ordered = oldest_first(running)
    if not surging:
        return [p["metadata"]["name"] for p in ordered[1:]]
    revision = revision_hash(daemon_set)
    generation = int(daemon_set["metadata"].get("generation", 1))
    extra, oldest_new, oldest_old = [], None, None
    for pod in ordered:
        if is_updated(pod, revision, generation):
            if oldest_new is None:
                oldest_new = pod
                continue
        elif oldest_old is None:
            oldest_old = pod
            continue
        extra.append(pod["metadata"]["name"])
    if oldest_new is not None and oldest_old is not None:
        min_ready = int(daemon_set["spec"].get("minReadySeconds") or 0)
        if not is_ready(oldest_old) or is_available(oldest_new, min_ready, now):
            extra.append(oldest_old["metadata"]["name"])
    return extra


def _status(
    daemon_set: JsonObject,
    verdicts: dict[str, tuple[bool, bool]],
    by_node: dict[str, list[JsonObject]],
    revision: str,
    now: float,
    plan: _Plan,
) -> JsonObject:
    min_ready = int(daemon_set["spec"].get("minReadySeconds") or 0)
    generation = int(daemon_set["metadata"].get("generation", 1))
    desired = current = ready = available = updated = misscheduled = 0
    for node, (run, _) in verdicts.items():
        here = [p for p in by_node.get(node, []) if not p["metadata"].get("deletionTimestamp")]
        if not run:
            misscheduled += 1 if here else 0
            continue
        desired += 1
        if not here:
            continue
        current += 1
        pod = oldest_first(here)[0]
        if is_ready(pod):
            ready += 1
            if is_available(pod, min_ready, now):
                available += 1
            else:
                moment = available_at(pod, min_ready)
                if moment is not None and moment != float("inf"):
                    plan.waits.append(max(moment - now, 0.0) + 0.001)
        if is_updated(pod, revision, generation):
            updated += 1
    status: JsonObject = {
        "currentNumberScheduled": current,
        "desiredNumberScheduled": desired,
        "numberMisscheduled": misscheduled,
        "numberReady": ready,
        "numberAvailable": available,
        "numberUnavailable": desired - available,
        "updatedNumberScheduled": updated,
        "observedGeneration": generation,
    }
    for omitted in ("numberAvailable", "numberUnavailable", "updatedNumberScheduled"):
        if status[omitted] == 0:
            del status[omitted]  # Kubernetes omits these when zero
    return status


def _terminal(pod: JsonObject) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
