"""Why: the report tells what happened over time, not just the verdicts: pods by phase, each
node's readiness, each node's CPU and memory allocation, every pod's scheduling and start-up
latency, the cluster's Events and the timeline's actions. ``Recording`` keeps those figures as
the watch stream goes by (sans-IO: fed each event and the end of each instant, it keeps
series that change only when something changed), for the expectations and the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.quantity import QuantityError, parse_quantity
from kube_actors.api.selectors import label_selector
from kube_actors.components.kubelet.resources import pod_requests
from kube_actors.scenario.view import (
    EVENTS,
    NODES,
    PODS,
    JsonObject,
    is_node_ready,
    is_terminating,
    node_of,
    phase_of,
    uid_of,
)

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Terminating")
FINISHED = ("Succeeded", "Failed")
MAX_EVENTS = 5000


@dataclass
class PodLife:
    """When the watch stream first saw a pod created, bound to a node, and running."""

    name: str
    namespace: str
    labels: dict[str, str]
    created: float
    scheduled: float | None = None
    started: float | None = None
    node: str = ""

    def latency(self, kind: str) -> float | None:
        moment = self.scheduled if kind == "scheduling" else self.started
        return None if moment is None else max(moment - self.created, 0.0)


@dataclass
class Recording:
    """Figures over the run; times are seconds since its start."""

    phases: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    node_states: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    allocation: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    """Per node: (time, cpu requested / allocatable, memory requested / allocatable)."""
    pods: dict[str, PodLife] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    _phase_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PHASES, 0))
    _requested: dict[str, list[int]] = field(default_factory=dict)
    _allocatable: dict[str, tuple[int, int]] = field(default_factory=dict)
    _dirty_nodes: set[str] = field(default_factory=set)

    def apply(self, resource: str, old: JsonObject | None, new: JsonObject | None, now: float) -> None:
        """One event's change of an object (``new`` None: deleted)."""
        if resource == PODS:
            self._pod_changed(old, new, now)
        elif resource == NODES:
            self._node_changed(old, new, now)
        elif resource == EVENTS and new is not None and old is None and len(self.events) < MAX_EVENTS:
            involved = new.get("involvedObject") or {}
            self.events.append(
                {
                    "at": round(now, 3),
                    "type": new.get("type", "Normal"),
                    "reason": new.get("reason", ""),
                    "object": f"{involved.get('kind', '')}/{involved.get('name', '')}",
                    "message": new.get("message", ""),
                }
            )

    def instant_closed(self, instant: float) -> None:
        """Sample what changed during ``instant``."""
        counts = dict(self._phase_counts)
        if not self.phases or self.phases[-1][1] != counts:
            self.phases.append((instant, counts))
        for node in sorted(self._dirty_nodes):
            cpu, memory = self._requested.get(node, [0, 0])
            alloc_cpu, alloc_memory = self._allocatable.get(node, (0, 0))
            point = (instant, _share(cpu, alloc_cpu), _share(memory, alloc_memory))
            series = self.allocation.setdefault(node, [])
            if not series or series[-1][1:] != point[1:]:
                series.append(point)
        self._dirty_nodes.clear()

    def action(self, now: float, description: str, *, error: str = "") -> None:
        self.actions.append({"at": round(now, 3), "action": description, "error": error})

    def latencies(self, kind: str, selector: str = "", namespace: str | None = None) -> list[float]:
        """``kind`` is ``scheduling`` or ``startup``; pods not yet there are left out."""
        matches = label_selector(selector) if selector else None
        found = []
        for life in self.pods.values():
            if namespace is not None and life.namespace != namespace:
                continue
            if matches is not None and not matches({"metadata": {"labels": life.labels}}):
                continue
            latency = life.latency(kind)
            if latency is not None:
                found.append(latency)
        return sorted(found)

    def _pod_changed(self, old: JsonObject | None, new: JsonObject | None, now: float) -> None:
        if old is not None:
            self._phase_counts[_bucket(old)] -= 1
            self._count_requests(old, -1)
        if new is None:
            return
        self._phase_counts[_bucket(new)] += 1
        self._count_requests(new, +1)
        metadata = new["metadata"]
        life = self.pods.get(uid_of(new))
        if life is None:
            life = self.pods[uid_of(new)] = PodLife(
                metadata.get("name", ""),
                metadata.get("namespace", ""),
                dict(metadata.get("labels") or {}),
                now,
            )
        if life.scheduled is None and node_of(new):
            life.scheduled, life.node = now, node_of(new)
        if life.started is None and phase_of(new) == "Running":
            life.started = now

    def _count_requests(self, pod: JsonObject, sign: int) -> None:
        node = node_of(pod)
        if not node or phase_of(pod) in FINISHED:
            return
        try:
            requests = pod_requests(pod)
        except QuantityError:
            return
        totals = self._requested.setdefault(node, [0, 0])
        totals[0] += sign * requests.get("cpu", 0)
        totals[1] += sign * requests.get("memory", 0)
        self._dirty_nodes.add(node)

    def _node_changed(self, old: JsonObject | None, new: JsonObject | None, now: float) -> None:
        name = str((new or old or {}).get("metadata", {}).get("name", ""))
        state = "Absent" if new is None else ("Ready" if is_node_ready(new) else "NotReady")
        if new is not None and new.get("spec", {}).get("unschedulable"):
            state += ",SchedulingDisabled"
        series = self.node_states.setdefault(name, [])
        if not series or series[-1][1] != state:
            series.append((now, state))
        if new is not None:
            allocatable = new.get("status", {}).get("allocatable") or {}
            self._allocatable[name] = (
                _amount(allocatable.get("cpu"), milli=True),
                _amount(allocatable.get("memory")),
            )
            self._dirty_nodes.add(name)


def _bucket(pod: JsonObject) -> str:
    phase = phase_of(pod)
    if is_terminating(pod) and phase not in FINISHED:
        return "Terminating"
    return phase if phase in PHASES else "Pending"


def _amount(text: Any, *, milli: bool = False) -> int:
    if text is None:
        return 0
    try:
        quantity = parse_quantity(text)
    except QuantityError:
        return 0
    return quantity.milli_value() if milli else quantity.value()


def _share(used: int, available: int) -> float:
    return round(used / available, 4) if available > 0 else 0.0


def percentile(values: list[float], rank: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (``rank`` in (0, 100]).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)
    (2.0, 4.0)
    """
    index = max(math.ceil(rank / 100 * len(values)) - 1, 0)
    return values[min(index, len(values) - 1)]
