"""PodTopologySpread: hard constraints filter by skew against the global minimum (with
``minDomains``, node inclusion policies and ``matchLabelKeys``); soft ones score by
log-weighted counts per domain, normalised so the emptiest domain gets 100."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scheduling_strategies import HOSTNAME, ZONE, evaluation, node, pod, scores, taint, verdicts

Json = dict[str, Any]

SKEWED = "node(s) didn't match pod topology spread constraints"
NO_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
WEB = {"matchLabels": {"app": "web"}}


def _zoned(name: str, zone: str | None, **extra: Any) -> Json:
    labels = {HOSTNAME: name}
    if zone:
        labels[ZONE] = zone
    return node(name, labels=labels, **extra)


NODES = [_zoned("a1", "a"), _zoned("a2", "a"), _zoned("b1", "b"), _zoned("b2", "b")]


def _web(name: str, where: str, **extra: Any) -> Json:
    return pod(name, labels={"app": "web", **extra.pop("labels", {})}, node_name=where, **extra)


def _constraint(
    key: str = ZONE, skew: int = 1, when: str = "DoNotSchedule", selector: Json | None = WEB, **extra: Any
) -> Json:
    return {
        "maxSkew": skew,
        "topologyKey": key,
        "whenUnsatisfiable": when,
        "labelSelector": selector,
        **extra,
    }


def _incoming(*constraints: Json, labels: dict[str, str] | None = None, **spec: Any) -> Json:
    return pod(
        "incoming", labels=labels or {"app": "web"}, topologySpreadConstraints=list(constraints), **spec
    )


HARD_CASES = [
    ("pods in a: only b keeps the skew", [_web("w1", "a1")], _incoming(_constraint()), {"b1", "b2"}),
    (
        "a pod its selector does not match adds no skew",
        [_web("w1", "a1")],
        _incoming(_constraint(), labels={"app": "db"}),
        {"a1", "a2", "b1", "b2"},
    ),
    (
        "maxSkew 2 allows one more",
        [_web("w1", "a1")],
        _incoming(_constraint(skew=2)),
        {"a1", "a2", "b1", "b2"},
    ),
    (
        "balanced domains accept either",
        [_web("w1", "a1"), _web("w2", "b2")],
        _incoming(_constraint()),
        {"a1", "a2", "b1", "b2"},
    ),
    (
        "fewer domains than minDomains: the minimum counts as 0",
        [_web("w1", "a1"), _web("w2", "b2")],
        _incoming(_constraint(minDomains=3)),
        set(),
    ),
    (
        "terminating pods and other namespaces do not count",
        [_web("w1", "a1", terminating=True), _web("w2", "a2", namespace="other")],
        _incoming(_constraint()),
        {"a1", "a2", "b1", "b2"},
    ),
    (
        "an empty selector counts nothing",
        [_web("w1", "a1"), _web("w2", "a2")],
        _incoming(_constraint(selector={})),
        {"a1", "a2", "b1", "b2"},
    ),
    (
        "matchLabelKeys narrow the selector to the pod's own values",
        [_web("w1", "a1", labels={"tier": "front"})],
        _incoming(_constraint(matchLabelKeys=["tier"]), labels={"app": "web", "tier": "back"}),
        {"a1", "a2", "b1", "b2"},
    ),
    (
        "hostname and zone together",
        [_web("w1", "a1"), _web("w2", "b1")],
        _incoming(_constraint(), _constraint(HOSTNAME)),
        {"a2", "b2"},
    ),
]


@pytest.mark.parametrize(
    ("placed", "incoming", "fits"), [case[1:] for case in HARD_CASES], ids=[case[0] for case in HARD_CASES]
)
def test_hard_constraints(placed: list[Json], incoming: Json, fits: set[str]) -> None:
    result = verdicts(evaluation(NODES, incoming, placed))
    assert result == {n: "" if n in fits else SKEWED for n in ("a1", "a2", "b1", "b2")}


def test_a_node_without_the_key_is_unresolvable_and_does_not_count() -> None:
    nodes = [*NODES, _zoned("bare", None)]
    placed = [_web("w1", "bare"), _web("w2", "bare")]
    result = verdicts(evaluation(nodes, _incoming(_constraint()), placed))
    assert result == {"a1": "", "a2": "", "b1": "", "b2": "", "bare": NO_LABEL}


@pytest.mark.parametrize(("policy", "fits"), [("Honor", {"b1", "b2"}), ("Ignore", set())])
def test_node_affinity_policy(policy: str, fits: set[str]) -> None:
    """The pod may only go to zone b, which already has two of its pods. Honoring its node
    affinity, only zone b is a domain (minimum 2); ignoring it, zone a's 0 is the minimum."""
    placed = [_web("w1", "b1"), _web("w2", "b2")]
    incoming = _incoming(_constraint(nodeAffinityPolicy=policy), nodeSelector={ZONE: "b"})
    result = verdicts(evaluation(NODES, incoming, placed))
    assert {n for n, reason in result.items() if not reason} == fits


@pytest.mark.parametrize(("policy", "reason"), [("Ignore", SKEWED), ("Honor", "")])
def test_node_taints_policy(policy: str, reason: str) -> None:
    """Zone c's only node is tainted. Ignoring taints, its 0 pods make the minimum 0 and zones a
    and b (1 pod each) are full; honoring them, zone c is no domain and the minimum is 1."""
    nodes = [*NODES, _zoned("c1", "c", taints=[taint("dedicated", "gpu")])]
    placed = [_web("w1", "a1"), _web("w2", "b1")]
    result = verdicts(evaluation(nodes, _incoming(_constraint(nodeTaintsPolicy=policy)), placed))
    assert result == {
        "a1": reason,
        "a2": reason,
        "b1": reason,
        "b2": reason,
        "c1": "node(s) had untolerated taint {dedicated: gpu}",
    }


def _hosts(count: int) -> list[Json]:
    return [node(f"n{i}", labels={HOSTNAME: f"n{i}", ZONE: "a" if i < 2 else "b"}) for i in range(count)]


def test_soft_hostname_spread_scores() -> None:
    """Matching pods 1, 2, 0, 3 on four hosts, weight log(4 + 2): raw 2, 4, 0, 5, normalised
    100 * (5 + 0 - raw) / 5."""
    placed = [_web(f"w{i}", f"n{host}") for i, host in enumerate([0, 1, 1, 3, 3, 3])]
    result = evaluation(_hosts(4), _incoming(_constraint(HOSTNAME, when="ScheduleAnyway")), placed)
    assert scores(result, "PodTopologySpread") == {"n0": 60, "n1": 20, "n2": 100, "n3": 0}


@pytest.mark.parametrize(
    ("skew", "expected"),
    [(1, {"n0": 0, "n1": 0, "n2": 100, "n3": 100}), (3, {"n0": 33, "n1": 33, "n2": 100, "n3": 100})],
)
def test_soft_zone_spread_scores(skew: int, expected: dict[str, int]) -> None:
    """Zone a holds 3 matching pods, zone b none; weight log(2 + 2). maxSkew - 1 is added to
    every raw score, which softens the difference: raw 4 and 0, or 6 and 2."""
    placed = [_web("w0", "n0"), _web("w1", "n1"), _web("w2", "n1")]
    result = evaluation(_hosts(4), _incoming(_constraint(skew=skew, when="ScheduleAnyway")), placed)
    assert scores(result, "PodTopologySpread") == expected


def test_soft_spread_ignores_nodes_without_the_key() -> None:
    nodes = [*_hosts(2), node("bare", labels={HOSTNAME: "bare"})]
    placed = [_web("w0", "n0"), _web("w1", "bare")]
    result = evaluation(nodes, _incoming(_constraint(when="ScheduleAnyway")), placed)
    assert scores(result, "PodTopologySpread") == {"bare": 0, "n0": 100, "n1": 100}


def test_soft_spread_with_nothing_matching_scores_all_100() -> None:
    result = evaluation(_hosts(3), _incoming(_constraint(when="ScheduleAnyway")))
    assert scores(result, "PodTopologySpread") == {"n0": 100, "n1": 100, "n2": 100}


def test_no_soft_constraints_no_score() -> None:
    assert "PodTopologySpread" not in evaluation(_hosts(2), _incoming(_constraint())).plugin_scores
