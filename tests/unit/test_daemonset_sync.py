"""The DaemonSet controller's reconcile core: pods placed per node, failed and extra pods
removed, rolling updates within maxUnavailable and maxSurge, and the status kubectl shows."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api.times import timestamp
from kube_actors.components.controllers.daemonset.pods import (
    GENERATION_LABEL,
    REVISION_LABEL,
    pinned_affinity,
    revision_hash,
    target_node,
)
from kube_actors.components.controllers.daemonset.syncing import (
    DaemonSetSync,
    FailedPodBackoff,
    sync_daemon_set,
)

NOW = 1_767_225_600.0


def daemon_set(
    strategy: str = "RollingUpdate", surge: Any = 0, unavailable: Any = 1, **spec: Any
) -> dict[str, Any]:
    rolling = {"type": strategy}
    if strategy == "RollingUpdate":
        rolling["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "kube-system", "uid": "ds-uid", "generation": 2},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "a", "image": "agent:2"}]},
            },
            "updateStrategy": rolling,
            **spec,
        },
    }


CURRENT = revision_hash(daemon_set())


def node(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}, "spec": {}}


def pod(
    name: str,
    on: str,
    *,
    revision: str = CURRENT,
    ready: bool = True,
    phase: str = "Running",
    deleting: bool = False,
    bound: bool = True,
    created: float = NOW - 100,
    ready_since: float = NOW - 100,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": "kube-system",
        "uid": f"uid-{name}",
        "creationTimestamp": timestamp(created),
        "labels": {"app": "agent", REVISION_LABEL: revision},
    }
    if deleting:
        metadata["deletionTimestamp"] = timestamp(NOW)
    spec: dict[str, Any] = {"affinity": pinned_affinity(None, on)}
    if bound:
        spec["nodeName"] = on
    conditions = [
        {
            "type": "Ready",
            "status": "True" if ready else "False",
            "lastTransitionTime": timestamp(ready_since),
        }
    ]
    return {"metadata": metadata, "spec": spec, "status": {"phase": phase, "conditions": conditions}}


NODES = [node("n1"), node("n2"), node("n3")]


def created_on(sync: DaemonSetSync) -> list[str]:
    return [target_node(p) for p in sync.create]


# (case, set, nodes, pods, expected: created on, deleted)
CASES: list[
    tuple[str, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], tuple[list[str], tuple[str, ...]]]
] = [
    ("a pod for every node", daemon_set(), NODES, [], (["n1", "n2", "n3"], ())),
    (
        "a pod only where one is missing",
        daemon_set(),
        NODES,
        [pod("a", "n1"), pod("b", "n2", bound=False)],
        (["n3"], ()),
    ),
    (
        "pods only on selected nodes; one elsewhere goes",
        daemon_set(
            template={"metadata": {"labels": {"app": "agent"}}, "spec": {"nodeSelector": {"disk": "ssd"}}}
        ),
        [node("n1", disk="ssd"), node("n2")],
        [
            pod(
                "a",
                "n2",
                revision=revision_hash(
                    daemon_set(
                        template={
                            "metadata": {"labels": {"app": "agent"}},
                            "spec": {"nodeSelector": {"disk": "ssd"}},
                        }
                    )
                ),
            )
        ],
        (["n1"], ("a",)),
    ),
    (
        "a second pod on a node goes, the oldest stays",
        daemon_set(),
        NODES[:1],
        [pod("new", "n1", created=NOW - 5), pod("old", "n1")],
        ([], ("new",)),
    ),
    ("a pod being deleted is waited for", daemon_set(), NODES[:1], [pod("a", "n1", deleting=True)], ([], ())),
    (
        "a pod pinned to a node that is gone goes",
        daemon_set(),
        NODES[:1],
        [pod("a", "n1"), pod("b", "n9", bound=False)],
        ([], ("b",)),
    ),
    (
        "rolling update: one old pod at a time with maxUnavailable 1",
        daemon_set(),
        NODES,
        [pod("a", "n1", revision="old"), pod("b", "n2", revision="old"), pod("c", "n3", revision="old")],
        ([], ("a",)),
    ),
    (
        "rolling update waits while a new pod is not available",
        daemon_set(),
        NODES,
        [pod("a", "n1", ready=False), pod("b", "n2", revision="old"), pod("c", "n3", revision="old")],
        ([], ()),
    ),
    (
        "old pods that are not available are replaced whatever the budget",
        daemon_set(),
        NODES,
        [
            pod("a", "n1", ready=False),
            pod("b", "n2", revision="old", ready=False),
            pod("c", "n3", revision="old"),
        ],
        ([], ("b",)),
    ),
    (
        "maxUnavailable as a percentage, rounded up",
        daemon_set(unavailable="50%"),
        NODES,
        [pod("a", "n1", revision="old"), pod("b", "n2", revision="old"), pod("c", "n3", revision="old")],
        ([], ("a", "b")),
    ),
    (
        "OnDelete: old pods stay, a new one only where none is",
        daemon_set(strategy="OnDelete"),
        NODES,
        [pod("a", "n1", revision="old"), pod("b", "n2", revision="old")],
        (["n3"], ()),
    ),
    (
        "surge: a new pod starts beside an old one, maxSurge nodes at a time",
        daemon_set(surge=1, unavailable=0),
        NODES[:2],
        [pod("a", "n1", revision="old"), pod("b", "n2", revision="old")],
        (["n1"], ()),
    ),
    (
        "surge: the old pod goes once the new one beside it is available",
        daemon_set(surge=1, unavailable=0),
        NODES[:2],
        [pod("a", "n1", revision="old"), pod("a2", "n1", created=NOW - 10), pod("b", "n2", revision="old")],
        (["n2"], ("a",)),
    ),
    (
        "surge: the old pod stays while the new one is not ready",
        daemon_set(surge=1, unavailable=0),
        NODES[:1],
        [pod("a", "n1", revision="old"), pod("a2", "n1", ready=False, created=NOW - 10)],
        ([], ()),
    ),
]


@pytest.mark.parametrize(
    ("ds", "nodes", "pods", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_sync(
    ds: dict[str, Any],
    nodes: list[dict[str, Any]],
    pods: list[dict[str, Any]],
    expected: tuple[list[str], tuple[str, ...]],
) -> None:
    sync = sync_daemon_set(ds, nodes, pods, NOW, FailedPodBackoff())
    assert (created_on(sync), sync.delete) == expected


def test_pods_are_pinned_owned_tolerant_and_labelled() -> None:
    made = sync_daemon_set(daemon_set(), [node("n1")], [], NOW, FailedPodBackoff()).create[0]
    assert made["metadata"]["generateName"] == "agent-"
    assert made["metadata"]["labels"] == {"app": "agent", REVISION_LABEL: CURRENT, GENERATION_LABEL: "2"}
    assert (
        made["metadata"]["ownerReferences"][0]["uid"] == "ds-uid"
        and made["metadata"]["ownerReferences"][0]["controller"]
    )
    assert made["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]
    }
    assert "nodeName" not in made["spec"]  # the scheduler binds it
    tolerated = {(t["key"], t["effect"]) for t in made["spec"]["tolerations"]}
    assert ("node.kubernetes.io/unschedulable", "NoSchedule") in tolerated
    assert ("node.kubernetes.io/unreachable", "NoExecute") in tolerated


def test_nothing_is_made_or_deleted_while_expectations_are_pending() -> None:
    sync = sync_daemon_set(
        daemon_set(), NODES, [pod("a", "n1"), pod("b", "n1")], NOW, FailedPodBackoff(), expectations_met=False
    )
    assert sync.create == () and sync.delete == ()


def test_a_failed_pod_is_killed_with_a_backoff_per_node() -> None:
    backoff = FailedPodBackoff()
    failed = [pod("a", "n1", phase="Failed", ready=False)]
    first = sync_daemon_set(daemon_set(), NODES[:1], failed, NOW, backoff)
    assert first.delete == ("a",)
    assert first.events == (
        (
            "Warning",
            "FailedDaemonPod",
            "Found failed daemon pod kube-system/a on node n1, will try to kill it",
        ),
    )
    again = sync_daemon_set(
        daemon_set(), NODES[:1], [pod("b", "n1", phase="Failed", ready=False)], NOW + 0.5, backoff
    )
    assert again.delete == () and again.look_again_after == pytest.approx(0.5)
    later = sync_daemon_set(
        daemon_set(), NODES[:1], [pod("b", "n1", phase="Failed", ready=False)], NOW + 1, backoff
    )
    assert later.delete == ("b",)
    assert backoff.remaining("ds-uid/n1", NOW + 1) == pytest.approx(2.0)  # doubled


def test_status_counts_nodes_as_kubernetes_does() -> None:
    ds = daemon_set(
        minReadySeconds=30,
        template={"metadata": {"labels": {"app": "agent"}}, "spec": {"nodeSelector": {"role": "worker"}}},
    )
    revision = revision_hash(ds)
    nodes = [node("n1", role="worker"), node("n2", role="worker"), node("n3", role="worker"), node("n4")]
    pods = [
        pod("a", "n1", revision=revision),
        pod("b", "n2", revision=revision, ready_since=NOW - 10),  # ready, not yet available
        pod("c", "n4", revision="old"),  # misscheduled
    ]
    sync = sync_daemon_set(ds, nodes, pods, NOW, FailedPodBackoff())
    assert sync.status == {
        "currentNumberScheduled": 2,
        "desiredNumberScheduled": 3,
        "numberMisscheduled": 1,
        "numberReady": 2,
        "numberAvailable": 1,
        "numberUnavailable": 2,
        "updatedNumberScheduled": 2,
        "observedGeneration": 2,
    }
    assert sync.look_again_after == pytest.approx(20.001)  # when b becomes available


def test_an_unchanged_status_is_not_rewritten() -> None:
    sync = sync_daemon_set(daemon_set(), NODES[:1], [pod("a", "n1")], NOW, FailedPodBackoff())
    assert sync.status is not None
    ds = {**daemon_set(), "status": sync.status}
    assert sync_daemon_set(ds, NODES[:1], [pod("a", "n1")], NOW, FailedPodBackoff()).status is None
