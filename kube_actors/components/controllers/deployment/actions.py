"""Why: the Deployment reconcile core (``reconciling.py``) decides and the actor shell
(``controller.py``) writes; these are the writes, in the order Kubernetes' controller makes
them, each with the Event it records once the write succeeded. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Note:
    """An Event about the Deployment: type (Normal, Warning), reason and message."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class PatchReplicaSet:
    """A JSON patch to a set's ownerReferences (adopting or releasing it)."""

    name: str
    patch: list[JsonObject]


@dataclass(frozen=True, slots=True)
class CreateReplicaSet:
    """The new set for the current template; its name is the Deployment's and the hash, so a
    second create of it finds the first (409) instead of making another."""

    body: JsonObject
    note: Note | None = None


@dataclass(frozen=True, slots=True)
class UpdateReplicaSet:
    """A set's new size or annotations; ``body`` is the whole set as the sync saw it, changed, so
    the write fails (409) if the set changed since."""

    body: JsonObject
    note: Note | None = None


@dataclass(frozen=True, slots=True)
class DeleteReplicaSet:
    """An old set past ``revisionHistoryLimit``, with no pods and none wanted."""

    name: str
    uid: str


@dataclass(frozen=True, slots=True)
class UpdateDeployment:
    """The Deployment's revision annotation (Kubernetes writes it along with the status, which
    the status subresource here does not keep)."""

    annotations: JsonObject


@dataclass(frozen=True, slots=True)
class UpdateDeploymentStatus:
    status: JsonObject


Action = (
    PatchReplicaSet
    | CreateReplicaSet
    | UpdateReplicaSet
    | DeleteReplicaSet
    | UpdateDeployment
    | UpdateDeploymentStatus
)
