"""Why: every workload controller (ReplicaSet, Deployment, StatefulSet, DaemonSet, Job) meets
its objects the same way: a changed child leads to its controller through the
``controller: true`` owner reference, and a child nothing controls leads to the owners whose
selector matches it, which may adopt it. The informer indexes and lookups for that live here.
"""

from __future__ import annotations

from collections.abc import Hashable

from kube_actors.api.label_selectors import selector_matches
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid
from kube_actors.components.informing import Informer, JsonObject

UID = "uid"
NAMESPACE = "namespace"
CONTROLLER = "controller"


def index_owners(owners: Informer) -> None:
    """Owners findable by uid (``owner_of``) and by namespace (``selecting``)."""
    owners.add_index(UID, lambda owner: [owner["metadata"]["uid"]])
    owners.add_index(NAMESPACE, lambda owner: [namespace_of(owner)])


def index_owned(children: Informer) -> None:
    """Children findable by their controller's uid, or as the orphans of a namespace
    (``children.by_index(CONTROLLER, controller_key_of(...))``)."""
    children.add_index(CONTROLLER, lambda child: [controller_key(child)])


def controller_key(child: JsonObject) -> Hashable:
    """A child's controller uid, or ``("orphan", namespace)`` for one nothing controls.

    >>> controller_key({"metadata": {"namespace": "shop"}})
    ('orphan', 'shop')
    """
    return controller_uid(child) or orphans_in(namespace_of(child))


def orphans_in(namespace: str) -> Hashable:
    return ("orphan", namespace)


def owner_of(owners: Informer, child: JsonObject) -> JsonObject | None:
    """The cached owner that controls ``child``, if any."""
    uid = controller_uid(child)
    found = owners.by_index(UID, uid) if uid else []
    return found[0] if found else None


def selecting(owners: Informer, child: JsonObject) -> list[JsonObject]:
    """The cached owners in ``child``'s namespace whose selector matches its labels."""
    labels = child["metadata"].get("labels")
    return [
        owner
        for owner in owners.by_index(NAMESPACE, namespace_of(child))
        if selector_matches(owner["spec"].get("selector"), labels)
    ]


def namespace_of(obj: JsonObject) -> str:
    return str(obj["metadata"].get("namespace", ""))


def owned_or_orphaned(children: Informer, owner: JsonObject) -> list[JsonObject]:
    """The cached children ``owner`` controls, then the orphans of its namespace (which it may
    adopt if its selector matches them)."""
    metadata = owner["metadata"]
    return children.by_index(CONTROLLER, metadata["uid"]) + children.by_index(
        CONTROLLER, orphans_in(metadata.get("namespace", ""))
    )


def concerned_by_update(owners: Informer, child: JsonObject, old: JsonObject) -> list[JsonObject]:
    """The owners a child's update concerns, as Kubernetes' controllers decide it: its old and
    new controllers; or, for a child that is (now) an orphan and was just released or relabelled,
    every owner whose selector may adopt it."""
    if old["metadata"].get("resourceVersion") == child["metadata"].get("resourceVersion"):
        return []  # a relist's repeat
    owner, old_owner = owner_of(owners, child), owner_of(owners, old)
    concerned = [old_owner] if old_owner is not None and old_owner is not owner else []
    if owner is not None:
        concerned.append(owner)
    elif old_owner is not None or old["metadata"].get("labels") != child["metadata"].get("labels"):
        concerned.extend(selecting(owners, child))
    return concerned
