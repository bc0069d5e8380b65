"""The ownership graph: which objects each change sends the garbage collector to look at."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kube_actors.components.controllers.garbage_collector import graph as graph_module
from kube_actors.components.controllers.garbage_collector.graph import OwnershipGraph
from kube_actors.components.controllers.garbage_collector.ownership import FOREGROUND, ORPHAN
from tests.unit.gc_objects import graph_of, obj

Step = Callable[[OwnershipGraph], list[str]]


def seen(o: dict[str, Any]) -> Step:
    return lambda graph: graph.observe("pods", o)


def deleted(o: dict[str, Any]) -> Step:
    return lambda graph: graph.forget(o["metadata"]["uid"])


CASES: list[tuple[str, tuple[dict[str, Any], ...], Step, list[str]]] = [
    ("a dependent of a live owner needs nothing", (obj("rs"),), seen(obj("pod", "rs")), []),
    ("a dependent of an owner never seen is looked at", (), seen(obj("pod", "rs")), ["pod"]),
    (
        "an owner's deletion sends its dependents",
        (obj("rs"), obj("a", "rs"), obj("b", "rs")),
        deleted(obj("rs")),
        ["a", "b"],
    ),
    (
        "a foreground deletion sends the owner and its dependents",
        (obj("rs"), obj("a", "rs"), obj("b", "rs")),
        seen(obj("rs", deleting=True, finalizers=(FOREGROUND,))),
        ["rs", "a", "b"],
    ),
    (
        "an orphaning deletion sends the owner",
        (obj("rs"), obj("a", "rs")),
        seen(obj("rs", deleting=True, finalizers=(ORPHAN,))),
        ["rs"],
    ),
    (
        "a dependent gone from a foreground owner sends the owner",
        (obj("rs", deleting=True, finalizers=(FOREGROUND,)), obj("a", "rs")),
        deleted(obj("a", "rs")),
        ["rs"],
    ),
    (
        "a dependent dropping its reference to a foreground owner sends the owner",
        (obj("rs", deleting=True, finalizers=(FOREGROUND,)), obj("other"), obj("a", "rs", "other")),
        seen(obj("a", "other")),
        ["rs"],
    ),
    (
        "a dependent no longer blocking a foreground owner sends the owner",
        (obj("rs", deleting=True, finalizers=(FOREGROUND,)), obj("a", "rs")),
        seen(obj("a", ("rs", False))),
        ["rs", "a"],
    ),
    ("a status change of an owned pod needs nothing", (obj("rs"), obj("a", "rs")), seen(obj("a", "rs")), []),
]


@pytest.mark.parametrize(("before", "step", "work"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_work_from_changes(before: tuple[dict[str, Any], ...], step: Step, work: list[str]) -> None:
    assert step(graph_of(*before)) == work


def test_dependents_are_linked_both_ways_and_unlinked_on_deletion() -> None:
    graph = graph_of(obj("rs"), obj("a", "rs"), obj("b", "rs"))
    assert [d.identity.name for d in graph.dependents("rs")] == ["a", "b"]
    graph.forget("a")
    assert [d.identity.name for d in graph.dependents("rs")] == ["b"]
    assert graph.is_absent("a") and len(graph) == 2


def test_absent_owners_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_module, "ABSENT_MEMORY", 3)
    graph = OwnershipGraph()
    for uid in ["u1", "u2", "u3", "u4"]:
        graph.record_absent(uid)
    assert [graph.is_absent(uid) for uid in ["u1", "u2", "u3", "u4"]] == [False, True, True, True]
