"""NodeResourcesFit (filter, and scores under LeastAllocated, MostAllocated and
RequestedToCapacityRatio) and NodeResourcesBalancedAllocation, with the integer arithmetic of
Kubernetes' ``noderesources`` plugins; the expected numbers follow its tests and its
resource bin-packing documentation."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.scheduling import bin_packing_profile, requested_to_capacity_ratio_profile
from kube_actors.scheduling.plugins.node_resources_fit import ScoringStrategy
from kube_actors.scheduling.plugins.resource_allocation import ResourceWeight, UtilizationShapePoint
from tests.scheduling_strategies import container, evaluation, node, pod, scores, verdicts

Json = dict[str, Any]


def _node(name: str, cpu: str, memory: str, pods: int = 110, **allocatable: str) -> Json:
    return node(name, cpu=cpu, memory=memory, pods=pods, allocatable=allocatable)


# Kubernetes' fit_test.go: a node with 10 CPU / 20 bytes allocatable, 32 pods.
@pytest.mark.parametrize(
    ("wanted", "used", "reasons"),
    [
        ({"cpu": "0", "memory": "0"}, {"cpu": "10", "memory": "20"}, ""),
        ({"cpu": "1", "memory": "1"}, {"cpu": "5", "memory": "5"}, ""),
        ({"cpu": "1", "memory": "1"}, {"cpu": "10", "memory": "20"}, "Insufficient cpu, Insufficient memory"),
        ({"cpu": "1", "memory": "1"}, {"cpu": "9", "memory": "20"}, "Insufficient memory"),
        ({"cpu": "2", "memory": "1"}, {"cpu": "9", "memory": "5"}, "Insufficient cpu"),
        ({"example.com/gpu": "1"}, {}, "Insufficient example.com/gpu"),
        ({"ephemeral-storage": "2"}, {"ephemeral-storage": "9"}, "Insufficient ephemeral-storage"),
        # A resource the pod does not request never fails, even on an overcommitted node.
        ({"memory": "1"}, {"cpu": "12", "memory": "5"}, ""),
    ],
)
def test_fit_filter(wanted: dict[str, str], used: dict[str, str], reasons: str) -> None:
    nodes = [_node("n1", "10", "20", 32, **{"ephemeral-storage": "10"})]
    placed = [pod("used", node_name="n1", containers=[container(requests=used)])]
    assert verdicts(evaluation(nodes, pod("p", containers=[container(requests=wanted)]), placed)) == {
        "n1": reasons
    }


def test_fit_counts_init_containers_as_kubernetes_does() -> None:
    """The larger of the app (3 CPU) and the largest init container (4 CPU) must fit."""
    nodes = [_node("small", "3", "1Gi"), _node("big", "4", "1Gi")]
    wanted = pod(
        "p",
        containers=[container("a", cpu="1"), container("b", cpu="2")],
        init_containers=[container("init", cpu="4")],
    )
    assert verdicts(evaluation(nodes, wanted)) == {"big": "", "small": "Insufficient cpu"}


def test_fit_too_many_pods_comes_first_and_alone_for_empty_requests() -> None:
    nodes = [_node("full", "1", "1Gi", pods=1)]
    placed = [pod("there", node_name="full", cpu="1")]
    assert verdicts(evaluation(nodes, pod("empty"), placed)) == {"full": "Too many pods"}
    assert verdicts(evaluation(nodes, pod("p", cpu="1"), placed)) == {
        "full": "Too many pods, Insufficient cpu"
    }


# (pod containers, nodes (cpu, memory in bytes), placed pods' requests, LeastAllocated, MostAllocated)
CPU_AND_MEMORY = [container("a", cpu="1", memory="2000"), container("b", cpu="2", memory="3000")]
SCORES = [
    (
        "nothing requested: all free",
        [container()],
        [("n1", "4", "10000"), ("n2", "4", "10000")],
        [],
        # Non-zero defaults (100m, 200Mi) exceed 10000 bytes of memory: memory scores 0 / 100.
        {"n1": 48, "n2": 48},
        {"n1": 51, "n2": 51},
    ),
    (
        "differently sized nodes",
        CPU_AND_MEMORY,
        [("n1", "4", "10000"), ("n2", "6", "10000")],
        [],
        # n1: cpu (4000-3000)*100/4000 = 25, memory (10000-5000)*100/10000 = 50 -> 37
        # n2: cpu 50, memory 50 -> 50
        {"n1": 37, "n2": 50},
        # n1: cpu 75, memory 50 -> 62; n2: cpu 50, memory 50 -> 50
        {"n1": 62, "n2": 50},
    ),
    (
        "pods already placed count with their non-zero requests",
        CPU_AND_MEMORY,
        [("n1", "10", "20000"), ("n2", "10", "20000")],
        [("n1", {"cpu": "3", "memory": "0"}), ("n2", {"cpu": "3", "memory": "5000"})],
        # n1: cpu (10000-6000)*100/10000 = 40, memory (20000-5000)*100/20000 = 75 -> 57
        # n2: cpu 40, memory (20000-10000)*100/20000 = 50 -> 45
        {"n1": 57, "n2": 45},
        # n1: cpu 60, memory 25 -> 42; n2: cpu 60, memory 50 -> 55
        {"n1": 42, "n2": 55},
    ),
    (
        "non-zero requests beyond capacity score 0 (least) or full (most)",
        [container(cpu="1", memory="1000")],
        [("n1", "2", "10000")],
        [("n1", {})],
        # cpu (100m + 1000m of 2000m): least 45, most 55; memory 200Mi + 1000 > 10000: 0 / 100
        {"n1": 22},
        {"n1": 77},
    ),
]


@pytest.mark.parametrize(
    ("containers", "nodes", "placed", "least", "most"),
    [case[1:] for case in SCORES],
    ids=[c[0] for c in SCORES],
)
def test_fit_scores(
    containers: list[Json],
    nodes: list[tuple[str, str, str]],
    placed: list[tuple[str, dict[str, str]]],
    least: dict[str, int],
    most: dict[str, int],
) -> None:
    node_objects = [_node(*spec) for spec in nodes]
    placed_pods = [
        pod(f"placed-{i}", node_name=where, containers=[container(requests=requests)])
        for i, (where, requests) in enumerate(placed)
    ]
    wanted = pod("p", containers=containers)
    assert scores(evaluation(node_objects, wanted, placed_pods), "NodeResourcesFit") == least
    result = evaluation(node_objects, wanted, placed_pods, profile=bin_packing_profile())
    assert scores(result, "NodeResourcesFit") == most


def test_balanced_allocation() -> None:
    """Real requests, not the non-zero defaults: n1 75% CPU and 50% memory, std 0.125 -> 87;
    n2 50% and 50% -> 100."""
    nodes = [_node("n1", "4", "10000"), _node("n2", "6", "10000")]
    assert scores(
        evaluation(nodes, pod("p", containers=CPU_AND_MEMORY)), "NodeResourcesBalancedAllocation"
    ) == {
        "n1": 87,
        "n2": 100,
    }


def test_balanced_allocation_caps_fractions_at_one() -> None:
    """On a node overcommitted by a pod bound to it directly: cpu 3000/2000 capped to 1,
    memory 5000/10000: std 0.25 -> 75."""
    nodes = [_node("n1", "2", "10000")]
    placed = [pod("bound", node_name="n1", cpu="3")]
    result = evaluation(nodes, pod("p", containers=[container(cpu="0", memory="5000")]), placed)
    assert scores(result, "NodeResourcesBalancedAllocation") == {"n1": 75}


def test_requested_to_capacity_ratio_as_in_kubernetes_bin_packing_docs() -> None:
    """The docs' example: foo weight 5, memory 1, cpu 3, shape (0, 0) to (100, 10).
    Node 1: foo (2+1)/4 = 75, memory (256+256)/1024 = 50, cpu (2+1)/8 = 37;
            (75*5 + 50*1 + 37*3) / 9 = 59.56 -> 60.
    Node 2: foo (2+2)/8 = 50, memory (256+512)/1024 = 75, cpu (2+3)/8 = 62;
            (50*5 + 75*1 + 62*3) / 9 = 56.78 -> 57."""
    profile = requested_to_capacity_ratio_profile(
        "custom",
        [UtilizationShapePoint(0, 0), UtilizationShapePoint(100, 10)],
        [ResourceWeight("intel.com/foo", 5), ResourceWeight("memory", 1), ResourceWeight("cpu", 3)],
    )
    nodes = [
        _node("n1", "8", "1024Mi", **{"intel.com/foo": "4"}),
        _node("n2", "8", "1024Mi", **{"intel.com/foo": "8"}),
    ]
    placed = [
        pod(
            "u1",
            node_name="n1",
            containers=[container(requests={"intel.com/foo": "1", "memory": "256Mi", "cpu": "1"})],
        ),
        pod(
            "u2",
            node_name="n2",
            containers=[container(requests={"intel.com/foo": "2", "memory": "512Mi", "cpu": "3"})],
        ),
    ]
    wanted = pod("p", containers=[container(requests={"intel.com/foo": "2", "memory": "256Mi", "cpu": "2"})])
    assert scores(evaluation(nodes, wanted, placed, profile=profile), "NodeResourcesFit") == {
        "n1": 60,
        "n2": 57,
    }


def test_requested_to_capacity_ratio_decreasing_shape_truncates_toward_zero() -> None:
    """A shape falling from (0, 10) to (70, 0): cpu at 33% scores 100 + (-3300 / 70) = 100 - 47
    = 53 (Go truncates toward zero; flooring would give 52), memory at 0% scores 100; the mean
    76.5 rounds half away from zero to 77."""
    shape = [UtilizationShapePoint(0, 10), UtilizationShapePoint(70, 0)]
    profile = requested_to_capacity_ratio_profile("spread", shape)
    result = evaluation(
        [_node("n1", "3", "1Gi")], pod("p", containers=[container(cpu="1", memory="0")]), profile=profile
    )
    assert scores(result, "NodeResourcesFit") == {"n1": 77}


def test_extended_resources_not_requested_are_left_out_of_the_score() -> None:
    strategy_resources = [ResourceWeight("cpu"), ResourceWeight("example.com/gpu", 3)]
    profile = requested_to_capacity_ratio_profile(
        "gpu", [UtilizationShapePoint(0, 0), UtilizationShapePoint(100, 10)], strategy_resources
    )
    nodes = [_node("n1", "4", "1Gi", **{"example.com/gpu": "4"})]
    # Only cpu counts: 1000*100/4000 = 25.
    assert scores(evaluation(nodes, pod("p", cpu="1"), profile=profile), "NodeResourcesFit") == {"n1": 25}
    wanted = pod("g", containers=[container(requests={"cpu": "1", "example.com/gpu": "2"})])
    # cpu 25 (weight 1), gpu 50 (weight 3): 175 / 4 = 43.75 -> 44.
    assert scores(evaluation(nodes, wanted, profile=profile), "NodeResourcesFit") == {"n1": 44}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"type": "Fastest"}, "not supported"),
        ({"resources": ()}, "must be listed"),
        ({"resources": (ResourceWeight("cpu", 0),)}, "weight of at least 1"),
        ({"type": "RequestedToCapacityRatio"}, "at least one point"),
        (
            {
                "type": "RequestedToCapacityRatio",
                "shape": (UtilizationShapePoint(50, 1), UtilizationShapePoint(50, 2)),
            },
            "strictly increasing",
        ),
        (
            {"type": "RequestedToCapacityRatio", "shape": (UtilizationShapePoint(0, 11),)},
            "score must be within",
        ),
        (
            {"type": "RequestedToCapacityRatio", "shape": (UtilizationShapePoint(101, 1),)},
            "utilization must be within",
        ),
    ],
)
def test_scoring_strategy_validation(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScoringStrategy(**arguments)
