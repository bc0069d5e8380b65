"""The namespace controller's plan for a terminating namespace: what to delete, the conditions
Kubernetes shows while content remains, and when to let the namespace go."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api.times import timestamp
from kube_actors.components.controllers.namespaces.cleanup import CleanupPlan, plan_cleanup

NOW = 1_767_225_600.0


def namespace(
    *, deleting: bool = True, finalizers: tuple[str, ...] = ("kubernetes",), conditions: Any = None
) -> dict[str, Any]:
    ns: dict[str, Any] = {
        "metadata": {"name": "team", "uid": "ns-uid"},
        "spec": {"finalizers": list(finalizers)},
        "status": {"phase": "Terminating" if deleting else "Active"},
    }
    if deleting:
        ns["metadata"]["deletionTimestamp"] = timestamp(NOW - 5)
    if conditions is not None:
        ns["status"]["conditions"] = conditions
    return ns


def thing(
    name: str, *, marked_at: float | None = None, grace: int = 0, finalizers: tuple[str, ...] = ()
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "team"}
    if marked_at is not None:
        metadata["deletionTimestamp"] = timestamp(marked_at)
        metadata["deletionGracePeriodSeconds"] = grace
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    return {"metadata": metadata}


def conditions_of(plan: CleanupPlan) -> dict[str, tuple[str, str, str]]:
    assert plan.conditions is not None
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in plan.conditions}


FINALIZE = [
    {"op": "test", "path": "/metadata/uid", "value": "ns-uid"},
    {"op": "test", "path": "/spec/finalizers/0", "value": "kubernetes"},
    {"op": "remove", "path": "/spec/finalizers/0"},
]


def test_an_active_namespace_is_left_alone() -> None:
    assert plan_cleanup(namespace(deleting=False), {"pods": [thing("a")]}, NOW) == CleanupPlan()


def test_a_finalized_namespace_is_left_alone() -> None:
    assert plan_cleanup(namespace(finalizers=()), {"pods": [thing("a")]}, NOW) == CleanupPlan()


def test_content_not_yet_marked_is_deleted_and_holds_the_namespace() -> None:
    contents = {"pods": [thing("a"), thing("b", marked_at=NOW - 1, grace=30)], "configmaps": [thing("c")]}
    plan = plan_cleanup(namespace(), contents, NOW)
    assert plan.delete == (("configmaps", "c"), ("pods", "a"))
    assert plan.finalize is None
    assert plan.look_again_after == pytest.approx(29)  # pod b's grace period ends then
    assert conditions_of(plan)["NamespaceContentRemaining"] == (
        "True",
        "SomeResourcesRemain",
        "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances",
    )


def test_finalizers_on_content_are_named() -> None:
    contents = {"replicasets.apps": [thing("rs", marked_at=NOW, finalizers=("foregroundDeletion",))]}
    plan = plan_cleanup(namespace(), contents, NOW)
    assert plan.delete == ()
    found = conditions_of(plan)
    assert found["NamespaceFinalizersRemaining"] == (
        "True",
        "SomeFinalizersRemain",
        "Some content in the namespace has finalizers remaining: foregroundDeletion in 1 resource instances",
    )
    assert (
        found["NamespaceContentRemaining"][2]
        == "Some resources are remaining: replicasets.apps has 1 resource instances"
    )


@pytest.mark.parametrize(("passes", "delay"), [(0, 0.005), (3, 0.04), (20, 60.0)])
def test_content_nothing_promises_to_remove_is_looked_at_with_a_backoff(passes: int, delay: float) -> None:
    contents = {"configmaps": [thing("c", marked_at=NOW, finalizers=("example.com/hold",))]}
    assert plan_cleanup(namespace(), contents, NOW, passes=passes).look_again_after == pytest.approx(delay)


def test_an_empty_namespace_is_finalized_with_all_conditions_healthy() -> None:
    plan = plan_cleanup(namespace(), {"pods": [], "configmaps": []}, NOW)
    assert plan.finalize == FINALIZE and plan.delete == () and plan.look_again_after is None
    assert {kind: value[0] for kind, value in conditions_of(plan).items()} == {
        "NamespaceDeletionDiscoveryFailure": "False",
        "NamespaceDeletionGroupVersionParsingFailure": "False",
        "NamespaceDeletionContentFailure": "False",
        "NamespaceContentRemaining": "False",
        "NamespaceFinalizersRemaining": "False",
    }
    assert conditions_of(plan)["NamespaceContentRemaining"] == (
        "False",
        "ContentRemoved",
        "All content successfully removed",
    )


def test_failures_are_reported_and_hold_the_namespace() -> None:
    plan = plan_cleanup(
        namespace(), {"pods": []}, NOW, failures={"widgets.example.com": "the server is unavailable"}
    )
    assert plan.finalize is None
    assert conditions_of(plan)["NamespaceDeletionContentFailure"] == (
        "True",
        "ContentDeletionFailed",
        "Failed to delete all resource types, 1 remaining: widgets.example.com: the server is unavailable",
    )


def test_unchanged_conditions_are_not_rewritten_and_keep_their_transition_time() -> None:
    first = plan_cleanup(namespace(), {"pods": [thing("a", marked_at=NOW, grace=30)]}, NOW)
    assert first.conditions is not None
    again = plan_cleanup(
        namespace(conditions=first.conditions), {"pods": [thing("a", marked_at=NOW, grace=30)]}, NOW + 10
    )
    assert again.conditions is None
    emptied = plan_cleanup(namespace(conditions=first.conditions), {"pods": []}, NOW + 30)
    assert emptied.conditions is not None
    by_type = {c["type"]: c for c in emptied.conditions}
    assert by_type["NamespaceContentRemaining"]["lastTransitionTime"] == timestamp(NOW + 30)
    assert by_type["NamespaceDeletionDiscoveryFailure"]["lastTransitionTime"] == timestamp(NOW)
