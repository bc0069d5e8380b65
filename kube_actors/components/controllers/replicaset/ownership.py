"""Why: a ReplicaSet owns the pods its selector matches and a Deployment the ReplicaSets its
selector matches, through a controller ownerReference, and both settle ownership the way
Kubernetes' ``ControllerRefManager`` does on every sync: orphans that match are adopted,
dependents that stopped matching are released, and what another controller owns is left
alone. An owner being deleted adopts and releases nothing. Pure: the shells send the patches.

The ownerReference itself and the release patch are the garbage collector's
(``garbage_collector/ownership.py``): one shape of reference in the whole cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.label_selectors import selector_matches
from kube_actors.components.controllers.garbage_collector.ownership import (
    controller_reference,
    controller_uid,
    remove_owners_patch,
)

JsonObject = dict[str, Any]


@dataclass(slots=True)
class Claims:
    """What an owner controls after a sync (``owned``, adoptions included), and the patches
    that make it so."""

    owned: list[JsonObject] = field(default_factory=list)
    adopt: list[JsonObject] = field(default_factory=list)
    release: list[JsonObject] = field(default_factory=list)


def claim(owner: JsonObject, candidates: Iterable[JsonObject]) -> Claims:
    """Settle ownership of ``candidates`` (objects in the owner's namespace) by the owner's
    ``spec.selector``."""
    metadata = owner["metadata"]
    uid, deleting = metadata["uid"], bool(metadata.get("deletionTimestamp"))
    selector = owner["spec"].get("selector")
    claims = Claims()
    for candidate in candidates:
        labels = candidate["metadata"].get("labels")
        controlled_by = controller_uid(candidate)
        if controlled_by == uid:
            if selector_matches(selector, labels):
                claims.owned.append(candidate)
            elif not deleting:
                claims.release.append(candidate)
        elif (
            not controlled_by
            and not deleting
            and not candidate["metadata"].get("deletionTimestamp")
            and selector_matches(selector, labels)
        ):
            claims.owned.append(candidate)
            claims.adopt.append(candidate)
    return claims


def adopt_patch(dependent: JsonObject, owner: JsonObject) -> list[JsonObject]:
    """A JSON patch making ``owner`` the controller of ``dependent``; it fails (422) if the
    dependent's references changed since it was seen, so two controllers cannot both adopt it.

    >>> adopt_patch({"metadata": {"uid": "p"}}, {"apiVersion": "apps/v1", "kind": "ReplicaSet",
    ...     "metadata": {"name": "web", "uid": "r"}})[1]["path"]
    '/metadata/ownerReferences'
    """
    reference = controller_reference(owner)
    existing = dependent["metadata"].get("ownerReferences")
    guard = {"op": "test", "path": "/metadata/uid", "value": dependent["metadata"]["uid"]}
    if not existing:
        return [guard, {"op": "add", "path": "/metadata/ownerReferences", "value": [reference]}]
    return [
        guard,
        {"op": "test", "path": "/metadata/ownerReferences", "value": existing},
        {"op": "add", "path": "/metadata/ownerReferences/-", "value": reference},
    ]


def release_patch(dependent: JsonObject, owner: JsonObject) -> list[JsonObject] | None:
    """A JSON patch removing ``owner``'s references from ``dependent``."""
    return remove_owners_patch(dependent, [owner["metadata"]["uid"]])
