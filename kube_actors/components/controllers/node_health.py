"""Why: the node lifecycle controller's judgement of nodes, sans-IO. A node whose kubelet
neither renewed its Lease nor posted a Ready heartbeat within ``node-monitor-grace-period``
(40 s; 60 s for a node that never reported) has its conditions set to Unknown; a node that is
not Ready gets ``NoExecute`` taints (``not-ready`` when the kubelet says so, ``unreachable``
when it says nothing), which ``taint_eviction.py`` turns into pod deletions; a node that is
Ready again loses them. Conditions also map to ``NoSchedule`` taints (not-ready, unreachable,
memory/disk/pid pressure, unschedulable), as TaintNodesByCondition has it.

Adding ``NoExecute`` taints is rate-limited per zone, as Kubernetes does, so a network
partition does not empty a cluster at once: ``node-eviction-rate`` (0.1 nodes/s) in a healthy
zone, ``secondary-node-eviction-rate`` (0.01/s) in a zone where at least 55 % of more than two
nodes are down (0 in zones of at most 50 nodes), and nothing at all while every zone is down,
when the controller assumes it is itself cut off and takes its taints back.

Times are the controller's own clock: a heartbeat counts when the controller *sees* it change,
so clock skew between nodes and control plane does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.admission.tolerations import NOT_READY_TAINT, UNREACHABLE_TAINT
from kube_actors.api.times import timestamp

JsonObject = dict[str, Any]
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
HEALTH_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
NO_SCHEDULE_BY_CONDITION = {
    ("Ready", "False"): NOT_READY_TAINT,
    ("Ready", "Unknown"): UNREACHABLE_TAINT,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
}
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
CONTROLLER_TAINTS = {*NO_SCHEDULE_BY_CONDITION.values(), UNSCHEDULABLE_TAINT}


@dataclass(frozen=True)
class NodeLifecycleConfig:
    """The kube-controller-manager flags of the node lifecycle controller."""

    node_monitor_grace_period: float = 40.0
    node_startup_grace_period: float = 60.0
    node_monitor_period: float = 5.0
    node_eviction_rate: float = 0.1
    secondary_node_eviction_rate: float = 0.01
    unhealthy_zone_threshold: float = 0.55
    large_cluster_size_threshold: int = 50


@dataclass(frozen=True, slots=True)
class NodeDecision:
    """What to do about one node now; None fields mean "leave as is"."""

    conditions: list[JsonObject] | None = None
    """The node's conditions with the stale ones set to Unknown (written to ``nodes/status``)."""
    taints: list[JsonObject] | None = None
    """The node's new taints (written to the Node)."""
    mark_pods_not_ready: bool = False
    """The node just stopped being Ready: its pods are not Ready either."""
    recheck_after: float | None = None


@dataclass(slots=True)
class _Health:
    probed_at: float
    heartbeat: str = ""
    transition: str = ""
    lease_renewed: str = ""
    ready: str = "Unknown"
    zone: str = ""


@dataclass(slots=True)
class _TokenBucket:
    """One token at most, refilled at ``rate`` per second (client-go's bucket with burst 1)."""

    rate: float
    tokens: float = 1.0
    filled_at: float = 0.0

    def take(self, now: float) -> float | None:
        """0 if a token was taken, else seconds until one is due (None: never, rate 0)."""
        if self.rate <= 0:
            return None
        self.tokens = min(1.0, self.tokens + (now - self.filled_at) * self.rate)
        self.filled_at = now
        if self.tokens >= 1.0 - 1e-9:  # ten tenths are a whole token
            self.tokens = max(self.tokens - 1.0, 0.0)
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass(slots=True)
class _Zone:
    ready: int = 0
    not_ready: int = 0
    bucket: _TokenBucket | None = None


def condition(node: JsonObject, kind: str) -> JsonObject | None:
    for found in node.get("status", {}).get("conditions") or []:
        if found.get("type") == kind:
            return found  # type: ignore[no-any-return]
    return None


def zone_of(node: JsonObject) -> str:
    labels = node.get("metadata", {}).get("labels") or {}
    return f"{labels.get(REGION_LABEL, '')}:{labels.get(ZONE_LABEL, '')}"


@dataclass
class NodeHealth:
    """Every node's health as the controller last judged it, and the zones' states."""

    config: NodeLifecycleConfig = field(default_factory=NodeLifecycleConfig)
    _nodes: dict[str, _Health] = field(default_factory=dict)
    _zones: dict[str, _Zone] = field(default_factory=dict)

    def judge(self, node: JsonObject, lease: JsonObject | None, now: float) -> NodeDecision:
        """Look at one node (and its Lease) at ``now``."""
        name = node["metadata"]["name"]
        ready = condition(node, "Ready")
        health = self._nodes.get(name)
        if health is None:
            health = self._nodes[name] = _Health(probed_at=now, zone=zone_of(node))
            self._count(health.zone, health.ready, +1)
        if zone_of(node) != health.zone:
            self._count(health.zone, health.ready, -1)
            health.zone = zone_of(node)
            self._count(health.zone, health.ready, +1)
        if ready is not None and (
            ready.get("lastHeartbeatTime", "") != health.heartbeat
            or ready.get("lastTransitionTime", "") != health.transition
        ):
            health.heartbeat = ready.get("lastHeartbeatTime", "")
            health.transition = ready.get("lastTransitionTime", "")
            health.probed_at = now
        renewed = (lease or {}).get("spec", {}).get("renewTime") or ""
        if renewed and renewed != health.lease_renewed:
            health.lease_renewed, health.probed_at = renewed, now
        grace = (
            self.config.node_monitor_grace_period
            if ready is not None
            else self.config.node_startup_grace_period
        )
        stale = now > health.probed_at + grace
        conditions = self._unknown_conditions(node, now) if stale else None
        observed = (
            node
            if conditions is None
            else {**node, "status": {**node.get("status", {}), "conditions": conditions}}
        )
        observed_ready = (condition(observed, "Ready") or {}).get("status", "Unknown")
        was_ready = health.ready == "True"
        self._set_ready(health, observed_ready)
        taints, waiting = self._taints(observed, health, now)
        recheck = None if stale else health.probed_at + grace - now
        if waiting is not None:
            recheck = waiting if recheck is None else min(recheck, waiting)
        return NodeDecision(
            conditions=conditions,
            taints=taints,
            mark_pods_not_ready=was_ready and observed_ready != "True",
            recheck_after=max(recheck, 0.001) if recheck is not None else None,
        )

    def forget(self, name: str) -> None:
        health = self._nodes.pop(name, None)
        if health is not None:
            self._count(health.zone, health.ready, -1)

    def zone_state(self, zone: str) -> str:
        """``Normal``, ``PartialDisruption`` or ``FullDisruption``."""
        counts = self._zones.get(zone) or _Zone()
        if counts.ready == 0 and counts.not_ready > 0:
            return "FullDisruption"
        total = counts.ready + counts.not_ready
        if counts.not_ready > 2 and counts.not_ready / total >= self.config.unhealthy_zone_threshold:
            return "PartialDisruption"
        return "Normal"

    def all_zones_down(self) -> bool:
        zones = [z for z, c in self._zones.items() if c.ready + c.not_ready > 0]
        return bool(zones) and all(self.zone_state(z) == "FullDisruption" for z in zones)

    # Internals.

    def _unknown_conditions(self, node: JsonObject, now: float) -> list[JsonObject] | None:
        """The node's conditions with the health ones set to Unknown; None if they already are."""
        current = [dict(c) for c in node.get("status", {}).get("conditions") or []]
        by_type = {c.get("type"): c for c in current}
        changed = False
        for kind in HEALTH_CONDITIONS:
            found = by_type.get(kind)
            if found is None:
                created = node["metadata"].get("creationTimestamp") or timestamp(now)
                current.append(
                    {
                        "type": kind,
                        "status": "Unknown",
                        "reason": "NodeStatusNeverUpdated",
                        "message": "Kubelet never posted node status.",
                        "lastHeartbeatTime": created,
                        "lastTransitionTime": timestamp(now),
                    }
                )
                changed = True
            elif found.get("status") != "Unknown":
                found.update(
                    status="Unknown",
                    reason="NodeStatusUnknown",
                    message="Kubelet stopped posting node status.",
                    lastTransitionTime=timestamp(now),
                )
                changed = True
        return current if changed else None

    def _set_ready(self, health: _Health, ready: str) -> None:
        if ready != health.ready:
            self._count(health.zone, health.ready, -1)
            health.ready = ready
            self._count(health.zone, health.ready, +1)

    def _count(self, zone: str, ready: str, delta: int) -> None:
        counts = self._zones.setdefault(zone, _Zone())
        if ready == "True":
            counts.ready += delta
        else:
            counts.not_ready += delta

    def _taints(
        self, node: JsonObject, health: _Health, now: float
    ) -> tuple[list[JsonObject] | None, float | None]:
        """The node's taints as they should be, None if unchanged; and when to look again if
        a NoExecute taint waits for the zone's rate limiter."""
        current = list(node.get("spec", {}).get("taints") or [])
        kept = [t for t in current if t.get("key") not in CONTROLLER_TAINTS]
        wanted = [{"key": key, "effect": "NoSchedule"} for key in self._no_schedule(node)]
        ready = health.ready
        execute_key = {"False": NOT_READY_TAINT, "Unknown": UNREACHABLE_TAINT}.get(ready)
        existing = {
            t.get("key"): t
            for t in current
            if t.get("effect") == "NoExecute" and t.get("key") in CONTROLLER_TAINTS
        }
        waiting = None
        if execute_key is not None and self.all_zones_down():
            waiting = self.config.node_monitor_period  # evictions wait until some zone is back
        elif execute_key is not None:
            if execute_key in existing:
                wanted.append(existing[execute_key])
            else:
                wait = self._bucket(health.zone).take(now)
                if wait == 0.0:
                    wanted.append({"key": execute_key, "effect": "NoExecute", "timeAdded": timestamp(now)})
                else:
                    waiting = wait if wait is not None else self.config.node_monitor_period
        result = kept + wanted
        same = _taint_keys(result) == _taint_keys(current)
        return (None if same else result), waiting

    def _no_schedule(self, node: JsonObject) -> list[str]:
        keys = []
        for found in node.get("status", {}).get("conditions") or []:
            key = NO_SCHEDULE_BY_CONDITION.get((found.get("type"), found.get("status")))
            if key is not None:
                keys.append(key)
        if node.get("spec", {}).get("unschedulable"):
            keys.append(UNSCHEDULABLE_TAINT)
        return keys

    def _bucket(self, zone: str) -> _TokenBucket:
        counts = self._zones.setdefault(zone, _Zone())
        state = self.zone_state(zone)
        rate = self.config.node_eviction_rate
        if state == "PartialDisruption":
            size = counts.ready + counts.not_ready
            large = size > self.config.large_cluster_size_threshold
            rate = self.config.secondary_node_eviction_rate if large else 0.0
        if counts.bucket is None:
            counts.bucket = _TokenBucket(rate)
        counts.bucket.rate = rate  # the zone's state sets the pace; tokens already earned stay
        return counts.bucket


def _taint_keys(taints: list[JsonObject]) -> list[tuple[str, str]]:
    return sorted((str(t.get("key")), str(t.get("effect"))) for t in taints)
