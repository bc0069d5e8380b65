"""The apiserver's view of Active namespaces, which spares namespaced creates a storage read."""

from kube_actors.components.apiserver.namespaces import ActiveNamespaces
from kube_actors.runtime.clock import VirtualClock


def event(kind: str, name: str, terminating: bool = False) -> dict[str, object]:
    metadata: dict[str, object] = {"name": name}
    if terminating:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"type": kind, "object": {"metadata": metadata}}


def test_only_namespaces_seen_active_and_not_being_deleted_count() -> None:
    namespaces = ActiveNamespaces(VirtualClock())
    for seen in [event("ADDED", "a"), event("ADDED", "b"), event("MODIFIED", "b", terminating=True)]:
        namespaces._observe(seen)
    assert "a" in namespaces and "b" not in namespaces and "c" not in namespaces
    namespaces.forget("a")  # deleted through this apiserver: do not wait for the watch
    assert "a" not in namespaces
    namespaces._observe(event("ADDED", "a"))
    namespaces._observe({"type": "ERROR", "object": {"code": 410}})
    assert "a" not in namespaces  # an expired watch forgets all until the relist
