"""Why: ownerReferences tie dependents to owners (a ReplicaSet's pods, a Job's pods, a
DaemonSet's pods), and every controller that creates dependents, plus the garbage collector
that deletes them, reads and writes them the same way. Finalizers are the other half of
ownership: the garbage collector, the Job controller (``job-tracking``) and anyone holding an
object let go of it by removing theirs.

Patches here are JSON patches that ``test`` what they change, so a patch made from a stale
cache fails (422) and is retried from fresh state, rather than undoing someone else's write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


@dataclass(frozen=True, slots=True)
class OwnerLink:
    """One ownerReference, as the garbage collector needs it."""

    uid: str
    api_version: str
    kind: str
    name: str
    controller: bool = False
    block_owner_deletion: bool = False


def owner_links(obj: JsonObject) -> tuple[OwnerLink, ...]:
    """The object's ownerReferences, in order (malformed entries skipped).

    >>> ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u1", "controller": True}
    >>> owner_links({"metadata": {"ownerReferences": [ref, {"name": "no uid"}]}})
    (OwnerLink(uid='u1', api_version='apps/v1', kind='ReplicaSet', name='web', controller=True, \
block_owner_deletion=False),)
    """
    links = []
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if isinstance(ref, dict) and isinstance(ref.get("uid"), str) and ref["uid"]:
            links.append(
                OwnerLink(
                    ref["uid"],
                    str(ref.get("apiVersion", "")),
                    str(ref.get("kind", "")),
                    str(ref.get("name", "")),
                    ref.get("controller") is True,
                    ref.get("blockOwnerDeletion") is True,
                )
            )
    return tuple(links)


def controller_reference(owner: JsonObject) -> JsonObject:
    """The ownerReference a controller puts on what it creates: it controls it, and a
    foreground deletion of the owner waits for it.

    >>> job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "uid": "u"}}
    >>> controller_reference(job)
    {'apiVersion': 'batch/v1', 'kind': 'Job', 'name': 'pi', 'uid': 'u', 'controller': True, \
'blockOwnerDeletion': True}
    """
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_uid(obj: JsonObject) -> str:
    """The uid of the object's controlling owner, or "" if nothing controls it (the first
    well-formed controlling reference, as ``owner_links`` reads them; on every pod change, so
    without building the links)."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller") is True:
            uid = ref.get("uid")
            if isinstance(uid, str) and uid:
                return uid
    return ""


def remove_finalizer_patch(
    obj: JsonObject, finalizer: str, part: str = "metadata"
) -> list[JsonObject] | None:
    """A JSON patch removing ``finalizer`` from the object as it is known; None if it has none.
    ``part`` is where the finalizers are: ``metadata``, or ``spec`` for a namespace's.

    >>> remove_finalizer_patch({"metadata": {"uid": "u", "finalizers": ["a", "orphan"]}}, "orphan")
    [{'op': 'test', 'path': '/metadata/uid', 'value': 'u'}, \
{'op': 'test', 'path': '/metadata/finalizers/1', 'value': 'orphan'}, \
{'op': 'remove', 'path': '/metadata/finalizers/1'}]
    """
    finalizers = obj.get(part, {}).get("finalizers") or []
    if finalizer not in finalizers:
        return None
    at = f"/{part}/finalizers/{finalizers.index(finalizer)}"
    return [
        _test_uid(obj),
        {"op": "test", "path": at, "value": finalizer},
        {"op": "remove", "path": at},
    ]


def remove_owners_patch(obj: JsonObject, owner_uids: Iterable[str]) -> list[JsonObject] | None:
    """A JSON patch removing the ownerReferences to ``owner_uids``; None if there are none."""
    wanted = set(owner_uids)
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    places = [i for i, ref in enumerate(refs) if isinstance(ref, dict) and ref.get("uid") in wanted]
    if not places:
        return None
    operations = [_test_uid(obj)]
    for index in reversed(places):  # from the end, so earlier indexes stay valid
        at = f"/metadata/ownerReferences/{index}"
        operations.append({"op": "test", "path": f"{at}/uid", "value": refs[index]["uid"]})
        operations.append({"op": "remove", "path": at})
    return operations


def unblock_owners_patch(obj: JsonObject, owner_uids: Iterable[str]) -> list[JsonObject] | None:
    """A JSON patch setting ``blockOwnerDeletion: false`` on the references to ``owner_uids``
    that block; None if none does."""
    wanted = set(owner_uids)
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    operations = []
    for index, ref in enumerate(refs):
        if isinstance(ref, dict) and ref.get("uid") in wanted and ref.get("blockOwnerDeletion") is True:
            at = f"/metadata/ownerReferences/{index}"
            operations += [
                {"op": "test", "path": f"{at}/uid", "value": ref["uid"]},
                {"op": "replace", "path": f"{at}/blockOwnerDeletion", "value": False},
            ]
    return [_test_uid(obj), *operations] if operations else None


def _test_uid(obj: JsonObject) -> JsonObject:
    return {"op": "test", "path": "/metadata/uid", "value": obj["metadata"]["uid"]}
