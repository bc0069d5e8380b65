"""The placement kernel on hand-made clusters: the reference's tie-break, its "0/N nodes are
available" messages and codes, batches of equivalent pods evaluated once, a state kept across
batches while pods are bound and removed elsewhere, and profiles it leaves to the reference."""

from __future__ import annotations

from typing import Any

from kube_actors.placement import PlacementState, place_batch
from kube_actors.scheduling import (
    SHIPPED_PROFILES,
    Code,
    Decision,
    Profile,
    Snapshot,
    parse_pod,
    profiles_by_name,
    schedule_batch,
)
from kube_actors.scheduling.pods import PodInfo
from kube_actors.scheduling.profiles import default_plugins
from tests.scheduling_strategies import HOSTNAME, ZONE, claim, container, node, persistent_volume, pod, taint
from tests.unit.test_scheduling_reference import Gate

Json = dict[str, Any]


def both(
    nodes: list[Json], pending: list[Json], placed: list[Json] = (), **objects: Any
) -> tuple[list[Decision], list[Decision]]:
    """(reference, kernel) decisions for ``pending`` on two copies of one cluster."""
    profiles = objects.pop("profiles", SHIPPED_PROFILES)
    pods = [parse_pod(p) for p in pending]
    reference = schedule_batch(Snapshot.from_objects(nodes, placed, **objects), pods, profiles)
    kernel = place_batch(Snapshot.from_objects(nodes, placed, **objects), pods, profiles)
    return reference, kernel


def test_ties_go_to_the_first_node_in_name_order_as_in_the_reference() -> None:
    nodes = [node("n3"), node("n1"), node("n2")]
    reference, kernel = both(nodes, [pod(f"p{i}", cpu="1") for i in range(4)])
    assert kernel == reference
    # n1 wins the first tie; the next replicas go to the emptiest nodes, ties again by name.
    assert [d.node_name for d in kernel] == ["n1", "n2", "n3", "n1"]


def test_bin_packing_fills_the_first_node_first() -> None:
    nodes = [node(f"n{i}") for i in range(3)]
    pending = [pod(f"p{i}", cpu="1", memory="1Gi", schedulerName="bin-packing") for i in range(5)]
    reference, kernel = both(nodes, pending)
    assert kernel == reference
    assert [d.node_name for d in kernel] == ["n0", "n0", "n0", "n0", "n1"]


def test_an_unschedulable_pod_gets_the_reference_message_reasons_and_plugins() -> None:
    nodes = [node(f"c{i:02}", cpu="1") for i in range(10)]
    nodes += [node(f"t{i}", taints=[taint("dedicated", "gpu")]) for i in range(2)]
    nodes += [node("full", cpu="1", memory="1Gi", pods=0)]
    reference, kernel = both(nodes, [pod("p", cpu="2", memory="2Gi")])
    assert kernel == reference
    assert kernel[0].message == (
        "0/13 nodes are available: 1 Insufficient memory, 1 Too many pods, 11 Insufficient cpu, "
        "2 node(s) had untolerated taint {dedicated: gpu}."
    )
    assert kernel[0].code is Code.UNSCHEDULABLE
    assert kernel[0].rejected_by == ("NodeResourcesFit", "TaintToleration")


def test_only_unresolvable_rejections_make_an_unresolvable_decision() -> None:
    nodes = [node("n1", taints=[taint("dedicated", "gpu")]), node("n2", unschedulable=True)]
    reference, kernel = both(nodes, [pod("p")])
    assert kernel == reference
    assert kernel[0].code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_a_pod_pinned_to_a_node_by_name_or_by_affinity() -> None:
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
    pending = [
        pod("daemon", cpu="2", affinity=pinned),
        pod("static", cpu="1", nodeName="n3"),
        pod("lost", nodeName="gone"),
    ]
    reference, kernel = both(nodes, pending)
    assert kernel == reference
    assert kernel[0].message == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )
    assert kernel[0].rejected_by == ("NodeAffinity", "NodeResourcesFit")
    assert kernel[1].node_name == "n3"
    assert kernel[2].message == "0/3 nodes are available: 3 node(s) didn't match the requested node name."


def test_pods_rejected_before_any_node_is_looked_at() -> None:
    conflict = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchFields": [
                            {"key": "metadata.name", "operator": "In", "values": ["n1"]},
                            {"key": "metadata.name", "operator": "In", "values": ["n2"]},
                        ]
                    }
                ]
            }
        }
    }
    volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "missing"}}]
    pending = [
        pod("conflicted", affinity=conflict),
        pod("claimless", volumes=volumes),
        pod("other", schedulerName="x"),
    ]
    reference, kernel = both([node("n1"), node("n2")], pending)
    assert kernel == reference
    assert [d.message for d in kernel] == [
        "0/2 nodes are available: pod affinity terms conflict.",
        '0/2 nodes are available: persistentvolumeclaim "missing" not found.',
        'profile not found for scheduler name "x"',
    ]
    assert [d.code for d in kernel] == [Code.UNSCHEDULABLE_AND_UNRESOLVABLE] * 2 + [Code.ERROR]


def test_no_nodes_at_all() -> None:
    reference, kernel = both([], [pod("p")])
    assert kernel == reference
    assert kernel[0].message == "no nodes available to schedule pods"


def test_zonal_volumes_match_nodes_by_the_ga_or_beta_zone_label() -> None:
    nodes = [
        node("beta-a", labels={"failure-domain.beta.kubernetes.io/zone": "a"}),
        node("ga-b", labels={ZONE: "b"}),
        node("ga-a", labels={ZONE: "a"}),
        node("unlabelled", labels={}, cpu="1"),
    ]
    objects: dict[str, Any] = {
        "persistent_volume_claims": [claim("data", "pv-a"), claim("beta", "pv-beta")],
        "persistent_volumes": [
            persistent_volume("pv-a", {ZONE: "a"}),
            persistent_volume("pv-beta", {"failure-domain.beta.kubernetes.io/zone": "a"}),
        ],
    }
    pending = [
        pod(f"p{i}-{name}", cpu="1", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": name}}])
        for i in range(4)
        for name in ("data", "beta")
    ]
    reference, kernel = both(nodes, pending, **objects)
    assert kernel == reference
    assert {d.node_name for d in kernel} >= {"ga-a", "unlabelled"}


def test_one_replica_per_host_and_zone_spreading_as_in_the_reference() -> None:
    nodes = [
        node(f"{zone}{i}", labels={ZONE: zone, HOSTNAME: f"{zone}{i}"}) for zone in "abc" for i in (1, 2)
    ]
    one_per_host = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": HOSTNAME}
            ]
        }
    }
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": ZONE,
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
    ]
    pending = [pod(f"db-{i}", labels={"app": "db"}, affinity=one_per_host) for i in range(7)]
    pending += [pod(f"web-{i}", labels={"app": "web"}, topologySpreadConstraints=spread) for i in range(7)]
    reference, kernel = both(nodes, pending)
    assert kernel == reference
    assert len({d.node_name for d in kernel[:6]}) == 6
    assert kernel[6].message == "0/6 nodes are available: 6 node(s) didn't match pod anti-affinity rules."


def test_replicas_share_one_evaluation_and_are_placed_as_the_reference_places_them() -> None:
    template = parse_pod(pod("web", cpu="500m", memory="1Gi", labels={"app": "web"}))
    replicas = [PodInfo(f"web-{i}", template.requirements) for i in range(60)]
    nodes = [node(f"n{i}", cpu="2", memory="4Gi") for i in range(12)]
    state = PlacementState(Snapshot.from_objects(nodes))
    decisions = place_batch(state, replicas)
    assert decisions == schedule_batch(Snapshot.from_objects(nodes), replicas)
    assert len(state.classes) == 1
    assert sum(d.scheduled for d in decisions) == 12 * 4
    # The cluster is full: the rest are unschedulable, with one reason per node.
    assert decisions[-1].message == "0/12 nodes are available: 12 Insufficient cpu, 12 Insufficient memory."


def test_a_kept_state_follows_pods_bound_removed_and_forgotten_between_batches() -> None:
    nodes = [node(f"n{i}", cpu="2") for i in range(3)]
    reference = Snapshot.from_objects(nodes)
    state = PlacementState(Snapshot.from_objects(nodes))
    first = [parse_pod(pod(f"a{i}", cpu="1")) for i in range(3)]
    assert place_batch(state, first) == schedule_batch(reference, first)
    # Someone else binds a pod; a binding fails; a pod is deleted.
    bound = parse_pod(pod("elsewhere", cpu="1", node_name="n2"))
    for snapshot in (reference, state):
        snapshot.add_pod(bound, "n2")
        assert snapshot.forget(first[0], "n0")
        assert snapshot.remove_pod(first[1], "n1")
    assert not state.remove_pod(first[1], "n1")  # already gone
    second = [parse_pod(pod(f"b{i}", cpu="1")) for i in range(5)]
    assert place_batch(state, second) == schedule_batch(reference, second)
    assert [[p.name for p in info.pods] for info in state.snapshot.nodes] == [
        [p.name for p in info.pods] for info in reference.nodes
    ]


def test_a_profile_with_a_plugin_the_kernel_does_not_know_is_left_to_the_reference() -> None:
    gate = Gate(capacity=2)
    profiles = profiles_by_name(Profile("default-scheduler", (*default_plugins(), gate)))
    nodes = [node("n1", cpu="2"), node("n2", cpu="2")]
    pending = [pod(f"p{i}", cpu="1") for i in range(3)] + [
        pod("packed", cpu="1", schedulerName="bin-packing")
    ]
    reference_profiles = profiles_by_name(
        Profile("default-scheduler", (*default_plugins(), Gate(capacity=2))), SHIPPED_PROFILES["bin-packing"]
    )
    kernel_profiles = profiles_by_name(profiles["default-scheduler"], SHIPPED_PROFILES["bin-packing"])
    pods = [parse_pod(p) for p in pending]
    reference = schedule_batch(Snapshot.from_objects(nodes), pods, reference_profiles)
    state = PlacementState(Snapshot.from_objects(nodes))
    assert place_batch(state, pods, kernel_profiles) == reference
    assert reference[2].message == "0/1 nodes are available: 1 gate closed."
    # The pods the reference placed count for the kernel's next decisions.
    assert state.usage.pods.tolist() == [2, 1]


def test_a_host_port_claimed_on_all_addresses_blocks_the_port_on_the_node() -> None:
    nodes = [node("n1"), node("n2")]
    pending = [pod(f"p{i}", containers=[container(host_ports=[80])]) for i in range(3)]
    pending.append(pod("dns", containers=[container(host_ports=[(53, "UDP", "10.0.0.1")])]))
    reference, kernel = both(nodes, pending)
    assert kernel == reference
    assert kernel[2].message == (
        "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports."
    )


def test_soft_spreading_over_zones_and_hosts_and_affinity_to_two_groups() -> None:
    nodes = [
        node(f"{zone}{i}", labels={ZONE: zone, HOSTNAME: f"{zone}{i}"}) for zone in "ab" for i in (1, 2, 3)
    ]
    nodes.append(node("nozone", labels={HOSTNAME: "nozone"}))
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
        for key in (ZONE, HOSTNAME)
    ]
    near_both = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": ZONE},
                {
                    "labelSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
                    "topologyKey": ZONE,
                },
            ]
        }
    }
    pending = [
        pod(f"web-{i}", labels={"app": "web", "tier": "front"}, topologySpreadConstraints=spread)
        for i in range(9)
    ]
    pending += [pod(f"cache-{i}", labels={"app": "cache"}, affinity=near_both) for i in range(3)]
    reference, kernel = both(nodes, pending)
    assert kernel == reference
    assert all(d.scheduled for d in kernel)
