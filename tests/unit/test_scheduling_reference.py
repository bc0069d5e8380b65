"""The reference scheduler as a whole: batches in which each pod sees the ones before it, the
deterministic tie-break, Kubernetes' "0/N nodes are available" messages, profiles chosen by
``schedulerName``, and the Reserve extension point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from kube_actors.scheduling import (
    SHIPPED_PROFILES,
    Code,
    Profile,
    Snapshot,
    parse_pod,
    profiles_by_name,
    requested_to_capacity_ratio_profile,
    schedule_batch,
    schedule_one,
)
from kube_actors.scheduling.framework import SUCCESS, CycleState, Status, error, unschedulable
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.plugins.node_resources_fit import NodeResourcesFit
from kube_actors.scheduling.plugins.resource_allocation import UtilizationShapePoint
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.profiles import default_plugins
from tests.scheduling_strategies import ZONE, node, pod, taint

Json = dict[str, Any]


def _schedule(
    nodes: list[Json], pods: list[Json], placed: list[Json] = (), **kwargs: Any
) -> list[tuple[str, str | None]]:
    snapshot = Snapshot.from_objects(nodes, placed)
    return [
        (d.pod_name, d.node_name) for d in schedule_batch(snapshot, [parse_pod(p) for p in pods], **kwargs)
    ]


def test_each_pod_in_a_batch_sees_the_ones_before_it() -> None:
    snapshot = Snapshot.from_objects([node("n1", cpu="1"), node("n2", cpu="1")])
    decisions = schedule_batch(snapshot, [parse_pod(pod(f"p{i}", cpu="1")) for i in range(3)])
    assert [d.node_name for d in decisions] == ["n1", "n2", None]
    assert decisions[2].message == "0/2 nodes are available: 2 Insufficient cpu."
    assert decisions[2].code is Code.UNSCHEDULABLE
    assert decisions[2].reasons == (("Insufficient cpu", 2),)
    assert decisions[2].rejected_by == ("NodeResourcesFit",)
    assert [len(info.pods) for info in snapshot.nodes] == [1, 1]


def test_ties_go_to_the_first_node_in_name_order_whatever_the_input_order() -> None:
    nodes = [node("n3"), node("n1"), node("n2")]
    assert _schedule(nodes, [pod("p", cpu="1")]) == [("p", "n1")]
    assert _schedule(list(reversed(nodes)), [pod("p", cpu="1")]) == [("p", "n1")]


def test_the_highest_total_wins_and_is_reported() -> None:
    snapshot = Snapshot.from_objects([node("n1", cpu="2"), node("n2", cpu="8")])
    decision = schedule_one(snapshot, parse_pod(pod("p", cpu="1", memory="1Gi")))
    assert decision.node_name == "n2"
    assert decision.scheduled
    assert decision.code is Code.SUCCESS
    # TaintToleration 3*100, NodeResourcesFit (87+87)/2=87 (least allocated: cpu 87, memory 87),
    # BalancedAllocation 100 - |1/8 - 1/8| = 100, PodTopologySpread and NodeAffinity skip,
    # InterPodAffinity 0, ImageLocality 0.
    assert decision.score == 300 + 87 + 100


def test_default_spreads_and_bin_packing_packs() -> None:
    nodes = [node(f"n{i}", cpu="4", memory="8Gi") for i in range(3)]
    spread = _schedule(nodes, [pod(f"p{i}", cpu="1", memory="1Gi") for i in range(3)])
    packed = _schedule(
        nodes, [pod(f"p{i}", cpu="1", memory="1Gi", schedulerName="bin-packing") for i in range(3)]
    )
    assert [where for _, where in spread] == ["n0", "n1", "n2"]
    assert [where for _, where in packed] == ["n0", "n0", "n0"]


def test_a_custom_requested_to_capacity_ratio_profile_is_chosen_by_scheduler_name() -> None:
    packing = requested_to_capacity_ratio_profile(
        "packing", [UtilizationShapePoint(0, 0), UtilizationShapePoint(100, 10)]
    )
    profiles = profiles_by_name(*SHIPPED_PROFILES.values(), packing)
    nodes = [node(f"n{i}", cpu="4", memory="8Gi") for i in range(2)]
    pods = [pod(f"p{i}", cpu="1", memory="1Gi", schedulerName="packing") for i in range(2)]
    assert [where for _, where in _schedule(nodes, pods, profiles=profiles)] == ["n0", "n0"]


def test_an_unknown_scheduler_name_is_an_error() -> None:
    decision = schedule_one(Snapshot.from_objects([node("n1")]), parse_pod(pod("p", schedulerName="other")))
    assert decision.code is Code.ERROR
    assert decision.message == 'profile not found for scheduler name "other"'


def test_no_nodes_at_all() -> None:
    decision = schedule_one(Snapshot.from_objects([]), parse_pod(pod("p")))
    assert (decision.code, decision.message) == (
        Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
        "no nodes available to schedule pods",
    )


def test_message_counts_each_reason_and_sorts_as_text() -> None:
    """Ten nodes short of CPU come before two tainted ones: Kubernetes sorts "10 ..." < "2 ..."."""
    nodes = [node(f"c{i:02}", cpu="1") for i in range(10)]
    nodes += [node(f"t{i}", taints=[taint("dedicated", "gpu")]) for i in range(2)]
    nodes += [node("full", cpu="1", memory="1Gi", pods=0)]
    decision = schedule_one(Snapshot.from_objects(nodes), parse_pod(pod("p", cpu="2", memory="2Gi")))
    assert decision.message == (
        "0/13 nodes are available: 1 Insufficient memory, 1 Too many pods, 11 Insufficient cpu, "
        "2 node(s) had untolerated taint {dedicated: gpu}."
    )
    assert decision.code is Code.UNSCHEDULABLE
    assert decision.rejected_by == ("NodeResourcesFit", "TaintToleration")


def test_only_unresolvable_rejections_make_an_unresolvable_decision() -> None:
    nodes = [node("n1", taints=[taint("dedicated", "gpu")]), node("n2", unschedulable=True)]
    decision = schedule_one(Snapshot.from_objects(nodes), parse_pod(pod("p")))
    assert decision.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert decision.message == (
        "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        "1 node(s) were unschedulable."
    )


def test_a_pod_pinned_by_node_name_affinity_counts_the_other_nodes_as_not_satisfying_it() -> None:
    pinned = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}
                ]
            }
        }
    }
    nodes = [node("n1"), node("n2", cpu="1"), node("n3")]
    decision = schedule_one(Snapshot.from_objects(nodes), parse_pod(pod("daemon", cpu="2", affinity=pinned)))
    assert decision.message == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )
    assert decision.rejected_by == ("NodeAffinity", "NodeResourcesFit")


def test_decisions_see_placed_pods_spreading_and_affinity() -> None:
    nodes = [
        node(f"{zone}{i}", labels={ZONE: zone, "kubernetes.io/hostname": f"{zone}{i}"})
        for zone in "ab"
        for i in (1, 2)
    ]
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": ZONE,
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
    ]
    pods = [pod(f"web-{i}", labels={"app": "web"}, topologySpreadConstraints=spread) for i in range(4)]
    assert [where for _, where in _schedule(nodes, pods)] == ["a1", "b1", "a2", "b2"]


@dataclass(frozen=True)
class Gate:
    """A Reserve plugin that admits a fixed number of pods, recording what it was asked."""

    capacity: int
    calls: list[str] = field(default_factory=list)
    name: ClassVar[str] = "Gate"

    def reserve(self, state: CycleState, pod: PodInfo, node_name: str, snapshot: Snapshot) -> Status:
        info = snapshot.node(node_name)
        assert info is not None
        self.calls.append(f"reserve {pod.name} {node_name} ({len(info.pods)} there)")
        if sum(1 for call in self.calls if call.startswith("reserve")) > self.capacity:
            return unschedulable("gate closed")
        return SUCCESS

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str, snapshot: Snapshot) -> None:
        self.calls.append(f"unreserve {pod.name} {node_name}")


def test_reserve_rejection_unreserves_and_forgets_the_pod() -> None:
    gate = Gate(capacity=1)
    profiles = profiles_by_name(Profile("default-scheduler", (*default_plugins(), gate)))
    snapshot = Snapshot.from_objects([node("n1")])
    decisions = schedule_batch(snapshot, [parse_pod(pod("p1")), parse_pod(pod("p2"))], profiles)
    assert decisions[0].node_name == "n1"
    assert decisions[1].node_name is None
    assert decisions[1].message == "0/1 nodes are available: 1 gate closed."
    assert decisions[1].rejected_by == ("Gate",)
    # The pod is assumed before Reserve runs, and taken back off the node when it fails.
    assert gate.calls == ["reserve p1 n1 (1 there)", "reserve p2 n1 (2 there)", "unreserve p2 n1"]
    assert [p.name for p in snapshot.nodes[0].pods] == ["p1"]


@dataclass(frozen=True)
class Broken:
    name: ClassVar[str] = "Broken"

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        return error("disk on fire")


def test_a_filter_error_stops_the_cycle() -> None:
    profiles = profiles_by_name(Profile("default-scheduler", (Broken(), *default_plugins())))
    decision = schedule_one(Snapshot.from_objects([node("n1")]), parse_pod(pod("p")), profiles)
    assert (decision.code, decision.message, decision.rejected_by) == (
        Code.ERROR,
        "disk on fire",
        ("Broken",),
    )


def test_profiles_derive_extension_points_and_weights() -> None:
    profile = SHIPPED_PROFILES["default-scheduler"]
    assert [p.name for p in profile.filters] == [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "VolumeBinding",
        "VolumeZone",
        "PodTopologySpread",
        "InterPodAffinity",
    ]
    assert {s.plugin.name: s.weight for s in profile.scores} == {
        "TaintToleration": 3,
        "NodeAffinity": 2,
        "NodeResourcesFit": 1,
        "PodTopologySpread": 2,
        "InterPodAffinity": 2,
        "NodeResourcesBalancedAllocation": 1,
        "ImageLocality": 1,
    }
    fit = SHIPPED_PROFILES["bin-packing"].plugin("NodeResourcesFit")
    assert isinstance(fit, NodeResourcesFit)
    assert fit.strategy.type == "MostAllocated"
    with pytest.raises(ValueError, match="twice"):
        Profile("x", (*default_plugins(), *default_plugins()))
