"""The plugins that judge a node by what the Node object says: NodeUnschedulable, NodeName,
TaintToleration, NodeAffinity and NodePorts, with Kubernetes' reasons and score formulas
(cases after Kubernetes' own tables in ``pkg/scheduler/framework/plugins/*/..._test.go``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scheduling_strategies import container, evaluation, node, pod, scores, taint, verdicts

Json = dict[str, Any]

UNSCHEDULABLE = "node(s) were unschedulable"
WRONG_NAME = "node(s) didn't match the requested node name"
AFFINITY = "node(s) didn't match Pod's node affinity/selector"
PORTS = "node(s) didn't have free ports for the requested pod ports"


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        ([], UNSCHEDULABLE),
        ([{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}], ""),
        ([{"operator": "Exists"}], ""),
        (
            [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoExecute"}],
            UNSCHEDULABLE,
        ),
    ],
)
def test_node_unschedulable(tolerations: list[Json], expected: str) -> None:
    nodes = [node("cordoned", unschedulable=True), node("open")]
    assert verdicts(evaluation(nodes, pod("p", tolerations=tolerations))) == {
        "cordoned": expected,
        "open": "",
    }


def test_node_name() -> None:
    result = evaluation([node("n1"), node("n2")], pod("p", nodeName="n2"))
    assert verdicts(result) == {"n1": WRONG_NAME, "n2": ""}


NO_SCHEDULE = taint("dedicated", "gpu", "NoSchedule")
NO_EXECUTE = taint("maint", "", "NoExecute")
PREFER = taint("spot", "true", "PreferNoSchedule")


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        ([], "node(s) had untolerated taint {dedicated: gpu}"),
        (
            [{"key": "dedicated", "operator": "Equal", "value": "gpu"}],
            "node(s) had untolerated taint {maint: }",
        ),
        ([{"key": "dedicated", "value": "cpu"}], "node(s) had untolerated taint {dedicated: gpu}"),
        (
            [{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}],
            "node(s) had untolerated taint {dedicated: gpu}",
        ),
        ([{"key": "dedicated", "operator": "Exists"}, {"key": "maint", "operator": "Exists"}], ""),
        ([{"operator": "Exists"}], ""),
        ([{"operator": "Exists", "effect": "NoSchedule"}], "node(s) had untolerated taint {maint: }"),
    ],
)
def test_taint_toleration_filter_names_the_first_untolerated_taint(
    tolerations: list[Json], expected: str
) -> None:
    nodes = [node("tainted", taints=[PREFER, NO_SCHEDULE, NO_EXECUTE]), node("clean")]
    assert verdicts(evaluation(nodes, pod("p", tolerations=tolerations))) == {
        "tainted": expected,
        "clean": "",
    }


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        # Raw scores count untolerated PreferNoSchedule taints (0, 1, 2), normalised upside down.
        ([], {"none": 100, "one": 50, "two": 0}),
        (
            [{"key": "spot", "operator": "Exists", "effect": "PreferNoSchedule"}],
            {"none": 100, "one": 100, "two": 0},
        ),
        ([{"operator": "Exists"}], {"none": 100, "one": 100, "two": 100}),
        # A toleration for NoSchedule only does not count for PreferNoSchedule taints.
        ([{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}], {"none": 100, "one": 50, "two": 0}),
    ],
)
def test_taint_toleration_score(tolerations: list[Json], expected: dict[str, int]) -> None:
    nodes = [
        node("none"),
        node("one", taints=[PREFER]),
        node("two", taints=[PREFER, taint("cheap", "yes", "PreferNoSchedule")]),
    ]
    assert scores(evaluation(nodes, pod("p", tolerations=tolerations)), "TaintToleration") == expected


ZONED = [
    node("a1", labels={"zone": "a", "disk": "ssd", "cores": "8"}),
    node("a2", labels={"zone": "a", "cores": "2"}),
    node("b1", labels={"zone": "b", "disk": "hdd", "cores": "many"}),
]


def _required(*terms: Json) -> Json:
    return {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
    }


def _expr(key: str, operator: str, *values: str) -> Json:
    requirement: Json = {"key": key, "operator": operator}
    if values:
        requirement["values"] = list(values)
    return requirement


@pytest.mark.parametrize(
    ("spec", "fits"),
    [
        ({"nodeSelector": {"zone": "a"}}, {"a1", "a2"}),
        ({"nodeSelector": {"zone": "a", "disk": "ssd"}}, {"a1"}),
        ({"affinity": _required({"matchExpressions": [_expr("zone", "In", "b", "c")]})}, {"b1"}),
        ({"affinity": _required({"matchExpressions": [_expr("zone", "NotIn", "b")]})}, {"a1", "a2"}),
        ({"affinity": _required({"matchExpressions": [_expr("disk", "Exists")]})}, {"a1", "b1"}),
        ({"affinity": _required({"matchExpressions": [_expr("disk", "DoesNotExist")]})}, {"a2"}),
        # Gt and Lt compare integers; a label that is not one never matches.
        ({"affinity": _required({"matchExpressions": [_expr("cores", "Gt", "4")]})}, {"a1"}),
        ({"affinity": _required({"matchExpressions": [_expr("cores", "Lt", "4")]})}, {"a2"}),
        # Terms are ORed, requirements inside a term ANDed.
        (
            {
                "affinity": _required(
                    {"matchExpressions": [_expr("zone", "In", "a"), _expr("disk", "Exists")]}
                )
            },
            {"a1"},
        ),
        (
            {
                "affinity": _required(
                    {"matchExpressions": [_expr("zone", "In", "b")]},
                    {"matchExpressions": [_expr("cores", "Lt", "4")]},
                )
            },
            {"a2", "b1"},
        ),
        # nodeSelector and required affinity must both hold.
        (
            {
                "nodeSelector": {"zone": "a"},
                "affinity": _required({"matchExpressions": [_expr("disk", "Exists")]}),
            },
            {"a1"},
        ),
        # Terms Kubernetes cannot parse, and empty terms, match nothing.
        ({"affinity": _required({"matchExpressions": [_expr("zone", "In")]})}, set()),
        ({"affinity": _required({"matchExpressions": [_expr("cores", "Gt", "4", "5")]})}, set()),
        ({"affinity": _required({"matchExpressions": [_expr("zone", "Near", "a")]})}, set()),
        ({"affinity": _required({})}, set()),
        ({"affinity": _required({}, {"matchExpressions": [_expr("zone", "In", "b")]})}, {"b1"}),
        # matchFields: metadata.name only, with In or NotIn and one value.
        ({"affinity": _required({"matchFields": [_expr("metadata.name", "NotIn", "a1")]})}, {"a2", "b1"}),
    ],
)
def test_node_affinity_filter(spec: Json, fits: set[str]) -> None:
    result = verdicts(evaluation(ZONED, pod("p", **spec)))
    assert result == {name: "" if name in fits else AFFINITY for name in ("a1", "a2", "b1")}


def test_node_affinity_pins_to_named_nodes_before_filtering() -> None:
    """DaemonSet pods name their node with matchFields: the others are never filtered."""
    affinity = _required({"matchFields": [_expr("metadata.name", "In", "a2")]})
    result = verdicts(evaluation(ZONED, pod("p", cpu="64", affinity=affinity)))
    pinned = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
    assert result == {"a1": pinned, "a2": "Insufficient cpu", "b1": pinned}


def test_node_affinity_terms_pinning_to_no_node_conflict() -> None:
    term = {"matchFields": [_expr("metadata.name", "In", "a1"), _expr("metadata.name", "In", "b1")]}
    result = evaluation(ZONED, pod("p", affinity=_required(term)))
    assert result.stopped_by.message == "pod affinity terms conflict"
    assert result.stopped_by.plugin == "NodeAffinity"


def test_node_affinity_score() -> None:
    preferred = [
        {"weight": 2, "preference": {"matchExpressions": [_expr("zone", "In", "a")]}},
        {"weight": 4, "preference": {"matchExpressions": [_expr("disk", "In", "ssd")]}},
        {"weight": 5, "preference": {}},  # an empty preference never scores
        {"weight": 3, "preference": {"matchExpressions": [_expr("disk", "In", "hdd")]}},
    ]
    result = evaluation(
        ZONED,
        pod("p", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}}),
    )
    # Raw 6, 2, 3: scaled so the best is 100 (integer division).
    assert scores(result, "NodeAffinity") == {"a1": 100, "a2": 33, "b1": 50}


def test_node_affinity_without_preferences_does_not_score() -> None:
    assert "NodeAffinity" not in evaluation(ZONED, pod("p")).plugin_scores


def _ports(*ports: int | tuple[int, str, str]) -> list[Json]:
    return [container(host_ports=ports)]


@pytest.mark.parametrize(
    ("placed", "wanted", "fits"),
    [
        ([], [80], True),
        ([80], [80], False),
        ([80], [8080], True),
        ([(80, "UDP", "")], [80], True),
        ([(80, "TCP", "10.0.0.1")], [(80, "TCP", "10.0.0.2")], True),
        ([(80, "TCP", "10.0.0.1")], [(80, "TCP", "10.0.0.1")], False),
        # 0.0.0.0 (or no hostIP) clashes with the same port on any address, both ways.
        ([(80, "TCP", "10.0.0.1")], [80], False),
        ([80], [(80, "TCP", "10.0.0.2")], False),
        ([443, 80], [8080, 443], False),
    ],
)
def test_node_ports(placed: list[Any], wanted: list[Any], fits: bool) -> None:
    existing = [pod("existing", node_name="n1", containers=_ports(*placed))] if placed else []
    result = verdicts(evaluation([node("n1")], pod("p", containers=_ports(*wanted)), existing))
    assert result == {"n1": "" if fits else PORTS}
