"""The node lifecycle controller's judgement of nodes: grace periods, Unknown conditions,
taints, zone disruption and the eviction rate limit."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api.times import micro_timestamp, timestamp
from kube_actors.components.controllers.node_health import NodeHealth, NodeLifecycleConfig

JsonObject = dict[str, Any]
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


def node(
    name: str, *, ready: str | None = "True", zone: str = "a", heartbeat: float = 0.0, **spec: Any
) -> JsonObject:
    conditions = []
    if ready is not None:
        conditions.append(
            {
                "type": "Ready",
                "status": ready,
                "lastHeartbeatTime": timestamp(heartbeat),
                "lastTransitionTime": timestamp(0),
            }
        )
    for kind in ("MemoryPressure", "DiskPressure", "PIDPressure"):
        conditions.append({"type": kind, "status": spec.pop(kind, "False")})
    return {
        "metadata": {
            "name": name,
            "labels": {"topology.kubernetes.io/zone": zone},
            "creationTimestamp": timestamp(0),
            "resourceVersion": "1",
        },
        "spec": spec,
        "status": {"conditions": conditions},
    }


def lease(renewed: float) -> JsonObject:
    return {"spec": {"renewTime": micro_timestamp(renewed)}}


def keys(taints: list[JsonObject] | None) -> list[str]:
    return sorted(f"{t['key'].rsplit('/', 1)[-1]}:{t['effect']}" for t in taints or [])


def with_taints(obj: JsonObject, taints: list[JsonObject] | None) -> JsonObject:
    return {**obj, "spec": {**obj["spec"], "taints": taints or []}}


def test_a_healthy_node_is_left_alone_and_looked_at_when_its_grace_runs_out() -> None:
    health = NodeHealth()
    decision = health.judge(node("n1"), lease(0), now=0)
    assert decision.conditions is None and decision.taints is None and not decision.mark_pods_not_ready
    assert decision.recheck_after == 40


def test_lease_renewals_keep_a_node_healthy_without_status_posts() -> None:
    health = NodeHealth()
    health.judge(node("n1"), lease(0), now=0)
    for second in range(10, 200, 10):
        decision = health.judge(node("n1"), lease(second), now=second)
        assert decision.conditions is None, second


def test_a_silent_node_goes_unknown_after_the_grace_period_and_is_tainted() -> None:
    health = NodeHealth()
    health.judge(node("n1"), lease(0), now=0)
    health.judge(node("n2"), lease(0), now=0)  # a healthy neighbour: the zone is not fully down
    assert health.judge(node("n1"), lease(0), now=40).conditions is None
    decision = health.judge(node("n1"), lease(0), now=41)
    assert decision.conditions is not None
    by_type = {c["type"]: c for c in decision.conditions}
    assert {c["status"] for c in by_type.values()} == {"Unknown"}
    assert by_type["Ready"]["reason"] == "NodeStatusUnknown"
    assert by_type["Ready"]["message"] == "Kubelet stopped posting node status."
    assert by_type["Ready"]["lastTransitionTime"] == timestamp(41)
    assert keys(decision.taints) == ["unreachable:NoExecute", "unreachable:NoSchedule"]
    assert decision.taints is not None
    assert next(t for t in decision.taints if t["effect"] == "NoExecute")["timeAdded"] == timestamp(41)
    assert decision.mark_pods_not_ready


def test_a_node_that_comes_back_loses_its_taints() -> None:
    health = NodeHealth()
    health.judge(node("n2"), lease(0), now=0)
    health.judge(node("n1"), lease(0), now=0)
    gone = health.judge(node("n1"), lease(0), now=50)
    down = with_taints(node("n1", ready="Unknown"), gone.taints)
    back = health.judge(with_taints(node("n1", heartbeat=60), gone.taints), lease(60), now=60)
    assert health.judge(down, lease(0), now=55).taints is None
    assert back.taints == [] and back.conditions is None


@pytest.mark.parametrize(
    ("ready", "extra", "expected"),
    [
        ("False", {}, ["not-ready:NoExecute", "not-ready:NoSchedule"]),
        ("True", {"MemoryPressure": "True"}, ["memory-pressure:NoSchedule"]),
        ("True", {"DiskPressure": "True"}, ["disk-pressure:NoSchedule"]),
        ("True", {"unschedulable": True}, ["unschedulable:NoSchedule"]),
    ],
)
def test_conditions_map_to_taints(ready: str, extra: dict[str, Any], expected: list[str]) -> None:
    health = NodeHealth()
    health.judge(node("other"), lease(0), now=0)
    assert keys(health.judge(node("n1", ready=ready, **extra), lease(0), now=0).taints) == expected


def test_taints_others_set_are_kept() -> None:
    health = NodeHealth()
    mine = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
    decision = health.judge(with_taints(node("n1", unschedulable=True), [mine]), lease(0), now=0)
    assert decision.taints is not None and mine in decision.taints


def test_a_node_that_never_reported_gets_the_startup_grace() -> None:
    health = NodeHealth()
    health.judge(node("other"), lease(0), now=0)
    assert health.judge(node("new", ready=None), None, now=0).recheck_after == 60
    assert health.judge(node("new", ready=None), None, now=59).conditions is None
    decision = health.judge(node("new", ready=None), None, now=61)
    assert decision.conditions is not None
    ready = next(c for c in decision.conditions if c["type"] == "Ready")
    assert ready["reason"] == "NodeStatusNeverUpdated"


def test_tainting_is_rate_limited_per_zone() -> None:
    health = NodeHealth()
    names = [f"n{i}" for i in range(10)]
    for name in names:
        health.judge(node(name), lease(0), now=0)
    failing = names[:3]
    tainted_at: dict[str, float] = {}
    now = 41.0
    while len(tainted_at) < 3 and now < 100:
        for name in failing:
            if name not in tainted_at:
                decision = health.judge(node(name, ready="Unknown"), lease(0), now=now)
                if "unreachable:NoExecute" in keys(decision.taints):
                    tainted_at[name] = now
        now += 1
    assert sorted(tainted_at.values()) == [41, 51, 61]  # one node every 10 s (0.1 nodes/s)


def test_a_largely_down_small_zone_stops_evictions_and_a_fully_down_cluster_too() -> None:
    health = NodeHealth()
    for name in ("a1", "a2", "a3", "a4"):
        health.judge(node(name, zone="a"), lease(0), now=0)
    health.judge(node("b1", zone="b"), lease(0), now=0)
    for name in ("a1", "a2", "a3"):
        health.judge(node(name, zone="a"), lease(0), now=50)
    assert health.zone_state(":a") == "PartialDisruption"
    decision = health.judge(node("a1", zone="a", ready="Unknown"), lease(0), now=60)
    assert "unreachable:NoExecute" not in keys(decision.taints)  # 3 of 4 down, zone of <= 50 nodes: rate 0
    health.judge(node("a4", zone="a"), lease(0), now=80)
    health.judge(node("b1", zone="b"), lease(0), now=80)
    assert health.all_zones_down()
    tainted = [{"key": UNREACHABLE, "effect": "NoExecute"}, {"key": UNREACHABLE, "effect": "NoSchedule"}]
    decision = health.judge(with_taints(node("b1", zone="b", ready="Unknown"), tainted), lease(0), now=90)
    assert keys(decision.taints) == ["unreachable:NoSchedule"], "the controller takes NoExecute taints back"


def test_big_zones_keep_evicting_slowly_when_partly_down() -> None:
    health = NodeHealth(NodeLifecycleConfig(large_cluster_size_threshold=5))
    names = [f"n{i}" for i in range(8)]
    for name in names:
        health.judge(node(name), lease(0), now=0)
    decisions = {name: health.judge(node(name), lease(0), now=50) for name in names[:6]}
    tainted = [name for name, d in decisions.items() if "unreachable:NoExecute" in keys(d.taints)]
    assert tainted == ["n0"]
    assert health.zone_state(":a") == "PartialDisruption"  # 6 of 8 down
    assert decisions["n5"].recheck_after == pytest.approx(100)  # 0.01 nodes/s in a big zone
    later = health.judge(node("n1", ready="Unknown"), lease(0), now=150)
    assert "unreachable:NoExecute" in keys(later.taints)
