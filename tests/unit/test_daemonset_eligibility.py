"""Which nodes a DaemonSet's pods should run on: node selectors, node affinity, taints and the
tolerations every daemon pod gets."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.daemonset.eligibility import should_run


def node(
    name: str = "node-1", labels: dict[str, str] | None = None, taints: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}


def daemon_set(**pod_spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "agent"},
        "spec": {"template": {"spec": {"containers": [{"name": "a"}], **pod_spec}}},
    }


def affinity(*terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
    }


def expression(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": key, "operator": operator, "values": list(values)}]}


GPU = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
EVICTING = {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[bool, bool]]] = [
    ("a plain set runs everywhere", daemon_set(), node(), (True, True)),
    (
        "node selector matches",
        daemon_set(nodeSelector={"disk": "ssd"}),
        node(labels={"disk": "ssd"}),
        (True, True),
    ),
    (
        "node selector does not match",
        daemon_set(nodeSelector={"disk": "ssd"}),
        node(labels={"disk": "hdd"}),
        (False, False),
    ),
    ("template nodeName elsewhere", daemon_set(nodeName="node-2"), node(), (False, False)),
    (
        "affinity In",
        daemon_set(affinity=affinity(expression("zone", "In", "a", "b"))),
        node(labels={"zone": "b"}),
        (True, True),
    ),
    (
        "affinity NotIn on a missing label",
        daemon_set(affinity=affinity(expression("zone", "NotIn", "a"))),
        node(),
        (True, True),
    ),
    (
        "affinity terms are ORed",
        daemon_set(affinity=affinity(expression("zone", "In", "a"), expression("gpu", "Exists"))),
        node(labels={"gpu": "1"}),
        (True, True),
    ),
    (
        "affinity Gt",
        daemon_set(affinity=affinity(expression("cores", "Gt", "8"))),
        node(labels={"cores": "4"}),
        (False, False),
    ),
    (
        "affinity on the node's name",
        daemon_set(
            affinity=affinity(
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}
            )
        ),
        node(),
        (True, True),
    ),
    ("an empty term matches nothing", daemon_set(affinity=affinity({})), node(), (False, False)),
    (
        "an untolerated NoSchedule taint: not started, but may stay",
        daemon_set(),
        node(taints=[GPU]),
        (False, True),
    ),
    (
        "an untolerated NoExecute taint: not there at all",
        daemon_set(),
        node(taints=[EVICTING]),
        (False, False),
    ),
    (
        "a tolerated taint",
        daemon_set(tolerations=[{"key": "dedicated", "operator": "Exists"}]),
        node(taints=[GPU, EVICTING]),
        (True, True),
    ),
    (
        "PreferNoSchedule does not keep it away",
        daemon_set(),
        node(taints=[{"key": "x", "effect": "PreferNoSchedule"}]),
        (True, True),
    ),
    (
        "daemon pods tolerate a cordoned, not-ready node",
        daemon_set(),
        node(
            taints=[
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
                {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
            ]
        ),
        (True, True),
    ),
    (
        "network-unavailable is tolerated only with host networking",
        daemon_set(),
        node(taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]),
        (False, True),
    ),
    (
        "... as it is with it",
        daemon_set(hostNetwork=True),
        node(taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]),
        (True, True),
    ),
]


@pytest.mark.parametrize(("ds", "on", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_should_run(ds: dict[str, Any], on: dict[str, Any], expected: tuple[bool, bool]) -> None:
    assert should_run(ds, on) == expected
