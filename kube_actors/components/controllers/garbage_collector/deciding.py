"""Why: what the garbage collector does about one object, given the ownership graph: Kubernetes'
``attemptToDeleteItem``, ``processDeletingDependentsItem`` and ``orphanDependents`` as one pure
decision, so every case is a table row in a unit test.

- An object whose owners are all gone is deleted (Background), or in the foreground if it is
  itself deleted that way, or orphaning if it carries the ``orphan`` finalizer.
- An object with at least one live owner loses only its references to gone owners and to
  owners being deleted in the foreground: it survives.
- An object whose owners are being deleted in the foreground is deleted; in the foreground if
  it has dependents of its own, so the wait propagates down the tree.
- An owner deleted in the foreground keeps its ``foregroundDeletion`` finalizer while a
  dependent that blocks it (``blockOwnerDeletion: true``) exists, then loses it.
- An owner deleted with ``orphan`` first has its references removed from every dependent,
  then loses the ``orphan`` finalizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.components.controllers.garbage_collector.graph import Identity, Node, OwnershipGraph
from kube_actors.components.controllers.garbage_collector.ownership import (
    FOREGROUND,
    ORPHAN,
    OwnerLink,
    remove_finalizer_patch,
    remove_owners_patch,
    unblock_owners_patch,
)

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    identity: Identity
    propagation: str  # Background, Foreground or Orphan


@dataclass(frozen=True, slots=True)
class Patch:
    """A JSON patch (``ownership``'s, which tests what it changes) of one object."""

    identity: Identity
    operations: list[JsonObject]


Action = Delete | Patch


@dataclass(frozen=True, slots=True)
class Decision:
    """Either owners to verify with the apiserver first, or actions to take in order (and
    objects to look at again)."""

    verify: tuple[OwnerLink, ...] = ()
    actions: tuple[Action, ...] = ()
    recheck: tuple[str, ...] = field(default=())


NOTHING = Decision()


def decide(graph: OwnershipGraph, uid: str) -> Decision:
    """What to do about object ``uid``. Owners the graph knows nothing of are to be verified
    (``graph.record_verified``) before anything is decided."""
    node = graph.nodes.get(uid)
    if node is None:
        return NOTHING
    if node.orphaning:
        return _orphan_dependents(graph, node)
    if node.deleting_dependents:
        return _wait_for_dependents(graph, node)
    if node.deleting or not node.owners:
        return NOTHING  # on its way out already, or owned by no one
    solid, dangling, waiting, unknown = _classify(graph, node)
    if unknown:
        return Decision(verify=tuple(unknown))
    if solid:
        patch = remove_owners_patch({"metadata": node.metadata}, [link.uid for link in dangling + waiting])
        return Decision(actions=(Patch(node.identity, patch),)) if patch else NOTHING
    dependents = graph.dependents(uid)
    if waiting and dependents:
        actions: list[Action] = []
        if any(d.deleting_dependents for d in dependents):
            # A cycle of foreground deletions would wait forever: this object stops blocking.
            unblock = unblock_owners_patch({"metadata": node.metadata}, [link.uid for link in waiting])
            if unblock:
                actions.append(Patch(node.identity, unblock))
        actions.append(Delete(node.identity, "Foreground"))
        return Decision(actions=tuple(actions))
    return Decision(actions=(Delete(node.identity, _own_policy(node)),))


def _classify(
    graph: OwnershipGraph, node: Node
) -> tuple[list[OwnerLink], list[OwnerLink], list[OwnerLink], list[OwnerLink]]:
    """The node's owners as live (solid), gone (dangling), deleted in the foreground (waiting)
    and not known to the graph (unknown)."""
    solid: list[OwnerLink] = []
    dangling: list[OwnerLink] = []
    waiting: list[OwnerLink] = []
    unknown: list[OwnerLink] = []
    for link in node.owners:
        owner = graph.nodes.get(link.uid)
        if owner is not None:
            (waiting if owner.deleting_dependents else solid).append(link)
        elif graph.is_absent(link.uid):
            dangling.append(link)
        elif graph.is_present(link.uid):
            solid.append(link)  # exists; the graph has not caught up with it yet
        else:
            unknown.append(link)
    return solid, dangling, waiting, unknown


def _own_policy(node: Node) -> str:
    """How an ownerless object is deleted: as its own finalizers ask, else in the background."""
    if ORPHAN in node.finalizers:
        return "Orphan"
    if FOREGROUND in node.finalizers:
        return "Foreground"
    return "Background"


def _orphan_dependents(graph: OwnershipGraph, node: Node) -> Decision:
    actions: list[Action] = []
    for dependent in graph.dependents(node.identity.uid):
        patch = remove_owners_patch({"metadata": dependent.metadata}, [node.identity.uid])
        if patch:
            actions.append(Patch(dependent.identity, patch))
    release = remove_finalizer_patch({"metadata": node.metadata}, ORPHAN)
    if release:
        actions.append(Patch(node.identity, release))
    return Decision(actions=tuple(actions))


def _wait_for_dependents(graph: OwnershipGraph, node: Node) -> Decision:
    uid = node.identity.uid
    blocking = [d for d in graph.dependents(uid) if (link := d.link_to(uid)) and link.block_owner_deletion]
    if blocking:
        # Each goes (the graph queued them when this deletion began); look again at those not
        # yet on their way, in case a verification or a retry is pending for them.
        return Decision(recheck=tuple(d.identity.uid for d in blocking if not d.deleting))
    release = remove_finalizer_patch({"metadata": node.metadata}, FOREGROUND)
    return Decision(actions=(Patch(node.identity, release),)) if release else NOTHING
