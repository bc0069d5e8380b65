"""Taint-based eviction: which pods a NoExecute taint deletes, and when."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.taint_eviction import TaintEvictions, tolerates, toleration_seconds

JsonObject = dict[str, Any]
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
DEFAULT_TOLERATIONS = [  # what DefaultTolerationSeconds admission adds to every pod
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
]


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        (
            {"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute"},
            {"key": "k", "value": "v", "effect": "NoExecute"},
            True,
        ),
        ({"key": "k", "value": "v"}, {"key": "k", "value": "w", "effect": "NoExecute"}, False),
        ({"key": "k", "operator": "Exists"}, {"key": "k", "value": "w", "effect": "NoSchedule"}, True),
        (
            {"key": "k", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "k", "effect": "NoExecute"},
            False,
        ),
        ({"operator": "Exists"}, {"key": "anything", "effect": "NoExecute"}, True),
    ],
)
def test_toleration_matching(toleration: JsonObject, taint: JsonObject, expected: bool) -> None:
    assert tolerates(toleration, taint) is expected


@pytest.mark.parametrize(
    ("tolerations", "seconds"),
    [
        (DEFAULT_TOLERATIONS, 300.0),
        ([], 0.0),
        ([{"operator": "Exists"}], None),
        (
            [
                *DEFAULT_TOLERATIONS,
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 60},
            ],
            60.0,
        ),
        ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": -5}], 0.0),
    ],
)
def test_how_long_a_pod_may_stay(tolerations: list[JsonObject], seconds: float | None) -> None:
    assert toleration_seconds([UNREACHABLE], tolerations) == seconds


def pod(tolerations: list[JsonObject], **metadata: Any) -> JsonObject:
    return {"metadata": metadata, "spec": {"tolerations": tolerations}, "status": {"phase": "Running"}}


def test_a_tolerating_pod_goes_after_its_seconds_counted_from_when_it_was_first_seen() -> None:
    evictions = TaintEvictions()
    web = pod(DEFAULT_TOLERATIONS)
    assert evictions.delay("default/web", web, [UNREACHABLE], now=100) == 300
    assert evictions.delay("default/web", web, [UNREACHABLE], now=250) == 150
    assert evictions.delay("default/web", web, [UNREACHABLE], now=400) == 0


def test_an_intolerant_pod_goes_at_once_and_a_tolerant_one_never() -> None:
    evictions = TaintEvictions()
    assert evictions.delay("default/bare", pod([]), [UNREACHABLE], now=0) == 0
    assert evictions.delay("default/daemon", pod([{"operator": "Exists"}]), [UNREACHABLE], now=0) is None


def test_the_schedule_is_forgotten_when_the_taint_goes() -> None:
    evictions = TaintEvictions()
    web = pod(DEFAULT_TOLERATIONS)
    evictions.delay("default/web", web, [UNREACHABLE], now=0)
    assert evictions.delay("default/web", web, [{"key": "x", "effect": "NoSchedule"}], now=100) is None
    assert len(evictions) == 0
    assert evictions.delay("default/web", web, [UNREACHABLE], now=200) == 300  # a new outage counts anew


@pytest.mark.parametrize(
    "state",
    [{"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}}, {"status": {"phase": "Succeeded"}}],
)
def test_pods_already_going_or_done_are_left_alone(state: JsonObject) -> None:
    finished = {**pod([]), **state}
    assert TaintEvictions().delay("default/x", finished, [UNREACHABLE], now=0) is None
