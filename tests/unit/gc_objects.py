"""Objects for the garbage collector's unit tests: just the metadata it reads."""

from __future__ import annotations

from typing import Any

from kube_actors.components.controllers.garbage_collector.graph import Identity, OwnershipGraph


def obj(
    name: str,
    *owners: str | tuple[str, bool],
    deleting: bool = False,
    finalizers: tuple[str, ...] = (),
    namespace: str = "default",
) -> dict[str, Any]:
    """An object with uid ``name``; each owner is a uid (blocking) or ``(uid, blocks)``."""
    refs = []
    for owner in owners:
        uid, blocks = owner if isinstance(owner, tuple) else (owner, True)
        ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": uid, "uid": uid, "controller": True}
        if blocks:
            ref["blockOwnerDeletion"] = True
        refs.append(ref)
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "uid": name}
    if refs:
        metadata["ownerReferences"] = refs
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    return {"metadata": metadata}


def identity(name: str) -> Identity:
    return Identity("pods", "default", name, name)


def graph_of(*objects: dict[str, Any], gone: tuple[str, ...] = ()) -> OwnershipGraph:
    graph = OwnershipGraph()
    for each in objects:
        graph.observe("pods", each)
    for uid in gone:
        graph.record_absent(uid)
    return graph
