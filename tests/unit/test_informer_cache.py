"""An informer's cache folds watch events and relists into changes, and keeps its indexes."""

from typing import Any

from kube_actors.components.informing import ADDED, DELETED, MODIFIED, Informer


def pod(name: str, version: int, node: str = "") -> dict[str, Any]:
    return {
        "metadata": {"namespace": "default", "name": name, "resourceVersion": str(version)},
        "spec": {"nodeName": node},
    }


def by_node(informer: Informer, node: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in informer.by_index("node", node))


def test_events_become_changes_and_move_the_version() -> None:
    informer = Informer("pods")
    informer.add_index("node", lambda p: [p["spec"]["nodeName"]])
    changes = informer.apply(
        [
            {"type": "ADDED", "object": pod("a", 2)},
            {"type": "MODIFIED", "object": pod("a", 3, node="n1")},
            {"type": "ADDED", "object": pod("b", 4, node="n1")},
            {"type": "DELETED", "object": pod("a", 5, node="n1")},
            {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}},
        ]
    )
    assert [(c.type, c.object["metadata"]["name"]) for c in changes] == [
        (ADDED, "a"),
        (MODIFIED, "a"),
        (ADDED, "b"),
        (DELETED, "a"),
    ]
    assert changes[1].old == pod("a", 2)
    assert informer.resource_version == "9"
    assert informer.keys() == ["default/b"] and by_node(informer, "n1") == ["b"]
    assert informer.get("default", "a") is None


def test_a_relist_reports_what_changed_while_the_watch_was_gone() -> None:
    informer = Informer("pods")
    informer.add_index("node", lambda p: [p["spec"]["nodeName"]])
    informer.replace([pod("kept", 1, "n1"), pod("changed", 2, "n1"), pod("gone", 3, "n1")], "3")
    changes = informer.replace([pod("kept", 1, "n1"), pod("changed", 7, "n2"), pod("new", 8)], "8")
    assert sorted((c.type, c.object["metadata"]["name"]) for c in changes) == [
        (ADDED, "new"),
        (DELETED, "gone"),
        (MODIFIED, "changed"),
    ]
    assert by_node(informer, "n1") == ["kept"] and by_node(informer, "n2") == ["changed"]
    assert informer.resource_version == "8" and len(informer) == 3


def test_an_index_follows_objects_that_move_and_holds_their_latest_version() -> None:
    informer = Informer("pods")
    informer.add_index("node", lambda p: [p["spec"]["nodeName"]])
    informer.apply([{"type": "ADDED", "object": pod("a", 1)}, {"type": "ADDED", "object": pod("b", 2)}])
    informer.apply([{"type": "MODIFIED", "object": pod("a", 3, node="n1")}])
    informer.apply([{"type": "MODIFIED", "object": pod("a", 4, node="n1")}])
    assert by_node(informer, "") == ["b"] and by_node(informer, "n1") == ["a"]
    assert informer.by_index("node", "n1") == [pod("a", 4, node="n1")]
    informer.apply([{"type": "DELETED", "object": pod("b", 5)}])
    assert informer.by_index("node", "") == []
