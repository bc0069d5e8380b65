"""Why: the garbage collector's knowledge, as Kubernetes' ``GraphBuilder`` keeps it: every
object that owns or is owned, linked both ways by ownerReferences, and what each change means
for the collector's work ("look at this object again").

Pure: the shell (``controller.py``) feeds it what the informers see (``observe``, ``forget``)
and turns the uids it returns into work-queue keys; ``deciding.py`` reads it to decide what to
do about one object. Owners the graph has not seen are not assumed absent: a ReplicaSet's
watch may lag behind its pods' watch, so such owners are verified with the apiserver first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from kube_actors.components.controllers.garbage_collector.ownership import (
    FOREGROUND,
    ORPHAN,
    OwnerLink,
    owner_links,
)

JsonObject = dict[str, Any]
ABSENT_MEMORY = 10_000  # owner uids remembered as gone (Kubernetes keeps an LRU cache too)


@dataclass(frozen=True, slots=True)
class Identity:
    """Where an object lives: the apiserver's name for its type (``replicasets.apps``), its
    namespace ("" when cluster-scoped), name and uid."""

    resource: str
    namespace: str
    name: str
    uid: str


@dataclass(slots=True)
class Node:
    identity: Identity
    owners: tuple[OwnerLink, ...]
    deleting: bool
    finalizers: tuple[str, ...]
    metadata: JsonObject = field(repr=False)
    """uid, ownerReferences and finalizers as last seen, for the patches that change them."""

    @property
    def deleting_dependents(self) -> bool:
        """Deleted in the foreground: waiting for its blocking dependents to go."""
        return self.deleting and FOREGROUND in self.finalizers

    @property
    def orphaning(self) -> bool:
        return self.deleting and ORPHAN in self.finalizers

    def link_to(self, owner_uid: str) -> OwnerLink | None:
        return next((link for link in self.owners if link.uid == owner_uid), None)


class OwnershipGraph:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._dependents: dict[str, set[str]] = {}  # owner uid (seen or not) -> dependent uids
        self._absent: OrderedDict[str, None] = OrderedDict()
        self._present: set[str] = set()  # verified with the apiserver, not yet seen by a watch

    def __len__(self) -> int:
        return len(self.nodes)

    def dependents(self, uid: str) -> list[Node]:
        """The objects whose ownerReferences name ``uid``, in a stable order."""
        return [self.nodes[d] for d in sorted(self._dependents.get(uid, ())) if d in self.nodes]

    def is_absent(self, uid: str) -> bool:
        return uid in self._absent

    def is_present(self, uid: str) -> bool:
        """An owner known to exist, whether or not the graph has seen it yet."""
        return uid in self.nodes or uid in self._present

    def record_verified(self, uid: str, exists: bool) -> None:
        """What the apiserver said of an owner the graph had not seen."""
        if exists:
            self._present.add(uid)
        else:
            self.record_absent(uid)

    def record_absent(self, uid: str) -> None:
        """An owner that is gone (uids never come back)."""
        self._present.discard(uid)
        self._absent[uid] = None
        self._absent.move_to_end(uid)
        while len(self._absent) > ABSENT_MEMORY:
            self._absent.popitem(last=False)

    def observe(self, resource: str, obj: JsonObject) -> list[str]:
        """An object was added or changed; the uids to look at because of it."""
        metadata = obj["metadata"]
        uid = metadata["uid"]
        node = Node(
            Identity(resource, metadata.get("namespace", ""), metadata["name"], uid),
            owner_links(obj),
            bool(metadata.get("deletionTimestamp")),
            tuple(metadata.get("finalizers") or ()),
            {
                "uid": uid,
                "ownerReferences": metadata.get("ownerReferences") or [],
                "finalizers": metadata.get("finalizers") or [],
            },
        )
        old = self.nodes.get(uid)
        self.nodes[uid] = node
        self._present.discard(uid)
        work: list[str] = []
        old_links = {link.uid: link for link in old.owners} if old is not None else {}
        new_links = {link.uid: link for link in node.owners}
        for owner_uid, link in new_links.items():
            self._dependents.setdefault(owner_uid, set()).add(uid)
            before = old_links.get(owner_uid)
            if before is not None and before.block_owner_deletion and not link.block_owner_deletion:
                work += self._if_deleting_dependents(owner_uid)  # it may no longer wait for us
        for owner_uid in old_links.keys() - new_links.keys():
            self._drop_dependent(owner_uid, uid)
            work += self._if_deleting_dependents(owner_uid)
        if any(not self._solid(link.uid) for link in node.owners):
            work.append(uid)  # an owner is unknown, gone or being deleted in the foreground
        if node.orphaning or node.deleting_dependents:
            work.append(uid)
        if node.deleting_dependents and not (old is not None and old.deleting_dependents):
            work += [d.identity.uid for d in self.dependents(uid)]  # they go first
        return work

    def forget(self, uid: str) -> list[str]:
        """Object ``uid`` was deleted; the uids to look at because of it."""
        node = self.nodes.pop(uid, None)
        self.record_absent(uid)
        work = [d.identity.uid for d in self.dependents(uid)]  # their owner is gone
        if node is not None:
            for link in node.owners:
                self._drop_dependent(link.uid, uid)
                work += self._if_deleting_dependents(link.uid)
        if not work:
            self._dependents.pop(uid, None)
        return work

    def _solid(self, owner_uid: str) -> bool:
        owner = self.nodes.get(owner_uid)
        if owner is None:
            return owner_uid in self._present
        return not owner.deleting_dependents

    def _if_deleting_dependents(self, owner_uid: str) -> list[str]:
        owner = self.nodes.get(owner_uid)
        return [owner_uid] if owner is not None and owner.deleting_dependents else []

    def _drop_dependent(self, owner_uid: str, dependent_uid: str) -> None:
        dependents = self._dependents.get(owner_uid)
        if dependents is not None:
            dependents.discard(dependent_uid)
            if not dependents:
                del self._dependents[owner_uid]
