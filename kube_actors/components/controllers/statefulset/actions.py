"""Why: the StatefulSet reconcile core (``reconciling.py``) decides and the actor shell
(``controller.py``) acts; these are the decisions, one per API write, and the events Kubernetes
records for each (``SuccessfulCreate`` ``create Pod db-0 in StatefulSet db successful``), so
``kubectl describe statefulset`` reads the same. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]
NORMAL, WARNING = "Normal", "Warning"


@dataclass(frozen=True, slots=True)
class Note:
    """An event about the set, recorded as it is (no API write of its own)."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class CreateClaim:
    claim: JsonObject
    pod: str

    def outcome(self, set_name: str, error: str | None) -> Note:
        name = self.claim["metadata"]["name"]
        if error is None:
            return Note(
                NORMAL,
                "SuccessfulCreate",
                f"create Claim {name} Pod {self.pod} in StatefulSet {set_name} success",
            )
        return Note(
            WARNING,
            "FailedCreate",
            f"create Claim {name} for Pod {self.pod} in StatefulSet {set_name} failed error: {error}",
        )


@dataclass(frozen=True, slots=True)
class CreatePod:
    pod: JsonObject

    def outcome(self, set_name: str, error: str | None) -> Note:
        return _pod_outcome("create", self.pod["metadata"]["name"], set_name, error)


@dataclass(frozen=True, slots=True)
class DeletePod:
    """``at_once``: the pod has finished (Failed or Succeeded), so nothing runs that needs a
    grace period; Kubernetes' pod registry deletes such pods at once."""

    name: str
    at_once: bool = False

    def outcome(self, set_name: str, error: str | None) -> Note:
        return _pod_outcome("delete", self.name, set_name, error)


@dataclass(frozen=True, slots=True)
class PatchPod:
    """A merge patch to a pod's metadata (adopting or releasing it, restoring its identity
    labels), guarded by the resourceVersion it carries."""

    name: str
    patch: JsonObject
    recorded: bool = False  # identity repairs are recorded as updates; ownership changes are not

    def outcome(self, set_name: str, error: str | None) -> Note | None:
        return _pod_outcome("update", self.name, set_name, error) if self.recorded else None


@dataclass(frozen=True, slots=True)
class PatchClaim:
    """A merge patch to a claim's ownerReferences (its retention policy), guarded likewise."""

    name: str
    patch: JsonObject

    def outcome(self, set_name: str, error: str | None) -> Note | None:
        return None


Action = Note | CreateClaim | CreatePod | DeletePod | PatchPod | PatchClaim


def _pod_outcome(verb: str, pod: str, set_name: str, error: str | None) -> Note:
    if error is None:
        return Note(
            NORMAL, f"Successful{verb.title()}", f"{verb} Pod {pod} in StatefulSet {set_name} successful"
        )
    return Note(
        WARNING, f"Failed{verb.title()}", f"{verb} Pod {pod} in StatefulSet {set_name} failed error: {error}"
    )
