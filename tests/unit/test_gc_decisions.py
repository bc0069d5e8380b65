"""The garbage collector's decision for one object, case by case as Kubernetes decides it."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.garbage_collector.deciding import Decision, Delete, Patch, decide
from kube_actors.components.controllers.garbage_collector.graph import OwnershipGraph
from kube_actors.components.controllers.garbage_collector.ownership import FOREGROUND, ORPHAN, owner_links
from tests.unit.gc_objects import graph_of, identity, obj

FG, ORPH = (FOREGROUND,), (ORPHAN,)


def links(name: str, *owners: str) -> Any:
    return owner_links(obj(name, *owners))


def without_refs(name: str, *indexes: int) -> Patch:
    operations: list[dict[str, Any]] = [{"op": "test", "path": "/metadata/uid", "value": name}]
    for index, uid in indexes_and_uids(indexes):
        at = f"/metadata/ownerReferences/{index}"
        operations += [{"op": "test", "path": f"{at}/uid", "value": uid}, {"op": "remove", "path": at}]
    return Patch(identity(name), operations)


def indexes_and_uids(pairs: tuple[Any, ...]) -> list[tuple[int, str]]:
    return [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]


def without_finalizer(name: str, index: int, finalizer: str) -> Patch:
    at = f"/metadata/finalizers/{index}"
    return Patch(
        identity(name),
        [
            {"op": "test", "path": "/metadata/uid", "value": name},
            {"op": "test", "path": at, "value": finalizer},
            {"op": "remove", "path": at},
        ],
    )


CASES: list[tuple[str, OwnershipGraph, str, Decision]] = [
    ("live owner: nothing to do", graph_of(obj("rs"), obj("pod", "rs")), "pod", Decision()),
    (
        "owner gone: deleted in the background",
        graph_of(obj("pod", "rs"), gone=("rs",)),
        "pod",
        Decision(actions=(Delete(identity("pod"), "Background"),)),
    ),
    (
        "owner never seen: verify it first",
        graph_of(obj("pod", "rs")),
        "pod",
        Decision(verify=links("pod", "rs")),
    ),
    (
        "one owner live, one gone: only the dangling reference goes",
        graph_of(obj("a"), obj("pod", "gone", "a"), gone=("gone",)),
        "pod",
        Decision(actions=(without_refs("pod", 0, "gone"),)),
    ),
    (
        "one owner live, one deleted in the foreground: the object is released from it",
        graph_of(obj("a"), obj("fg", deleting=True, finalizers=FG), obj("pod", "a", "fg")),
        "pod",
        Decision(actions=(without_refs("pod", 1, "fg"),)),
    ),
    (
        "owner deleted in the foreground, dependent without dependents: background",
        graph_of(obj("rs", deleting=True, finalizers=FG), obj("pod", "rs")),
        "pod",
        Decision(actions=(Delete(identity("pod"), "Background"),)),
    ),
    (
        "owner deleted in the foreground, dependent with dependents: foreground too",
        graph_of(obj("deploy", deleting=True, finalizers=FG), obj("rs", "deploy"), obj("pod", "rs")),
        "rs",
        Decision(actions=(Delete(identity("rs"), "Foreground"),)),
    ),
    (
        "a dependent of the dependent waits on it too: unblock the owner, then delete",
        graph_of(
            obj("deploy", deleting=True, finalizers=FG),
            obj("rs", "deploy"),
            obj("pod", "rs", deleting=True, finalizers=FG),
        ),
        "rs",
        Decision(
            actions=(
                Patch(
                    identity("rs"),
                    [
                        {"op": "test", "path": "/metadata/uid", "value": "rs"},
                        {"op": "test", "path": "/metadata/ownerReferences/0/uid", "value": "deploy"},
                        {
                            "op": "replace",
                            "path": "/metadata/ownerReferences/0/blockOwnerDeletion",
                            "value": False,
                        },
                    ],
                ),
                Delete(identity("rs"), "Foreground"),
            )
        ),
    ),
    (
        "ownerless object asking to orphan its own dependents",
        graph_of(obj("rs", "deploy", finalizers=ORPH), gone=("deploy",)),
        "rs",
        Decision(actions=(Delete(identity("rs"), "Orphan"),)),
    ),
    (
        "foreground owner with a blocking dependent still there: look at it again",
        graph_of(obj("rs", deleting=True, finalizers=FG), obj("pod", "rs")),
        "rs",
        Decision(recheck=("pod",)),
    ),
    (
        "foreground owner whose blocking dependent is on its way: just wait",
        graph_of(obj("rs", deleting=True, finalizers=FG), obj("pod", "rs", deleting=True)),
        "rs",
        Decision(),
    ),
    (
        "foreground owner with only non-blocking dependents: finalizer removed",
        graph_of(obj("rs", deleting=True, finalizers=("keep", FOREGROUND)), obj("pod", ("rs", False))),
        "rs",
        Decision(actions=(without_finalizer("rs", 1, FOREGROUND),)),
    ),
    (
        "orphaning owner: references removed from each dependent, then the finalizer",
        graph_of(
            obj("rs", deleting=True, finalizers=ORPH), obj("p1", "other", "rs"), obj("p2", "rs"), gone=()
        ),
        "rs",
        Decision(
            actions=(
                without_refs("p1", 1, "rs"),
                without_refs("p2", 0, "rs"),
                without_finalizer("rs", 0, ORPHAN),
            )
        ),
    ),
    (
        "being deleted already: nothing",
        graph_of(obj("pod", "rs", deleting=True), gone=("rs",)),
        "pod",
        Decision(),
    ),
    ("not in the graph (deleted meanwhile): nothing", graph_of(), "pod", Decision()),
]


@pytest.mark.parametrize(
    ("graph", "uid", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_decision(graph: OwnershipGraph, uid: str, expected: Decision) -> None:
    assert decide(graph, uid) == expected


def test_a_verified_owner_decides_the_object() -> None:
    graph = graph_of(obj("kept", "rs-1"), obj("lost", "rs-2"))
    graph.record_verified("rs-1", True)
    graph.record_verified("rs-2", False)
    assert decide(graph, "kept") == Decision()
    assert decide(graph, "lost") == Decision(actions=(Delete(identity("lost"), "Background"),))
    # What a watch later shows wins over what was verified: rs-1's deletion makes kept dangling.
    graph.forget("rs-1")
    assert decide(graph, "kept") == Decision(actions=(Delete(identity("kept"), "Background"),))
