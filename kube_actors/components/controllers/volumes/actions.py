"""Why: the volume controller's cores (``binding.py``, ``reclaiming.py``) decide and its actor
shell (``controller.py``) writes; these are the writes, in the order they must happen (a
volume is claimed before its claim points at it), and the events Kubernetes records about
claims and volumes. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube_actors.api.times import timestamp

JsonObject = dict[str, Any]
CLAIMS = "persistentvolumeclaims"
VOLUMES = "persistentvolumes"
NORMAL, WARNING = "Normal", "Warning"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"


@dataclass(frozen=True, slots=True)
class Note:
    """An event about ``involved`` (a claim or a volume)."""

    involved: JsonObject
    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Patch:
    """A merge patch; one carrying ``metadata.resourceVersion`` fails (409) if the object
    changed since it was read, which is what keeps two claims off one volume."""

    resource: str
    namespace: str
    name: str
    patch: JsonObject
    subresource: str = ""


@dataclass(frozen=True, slots=True)
class Create:
    resource: str
    body: JsonObject


@dataclass(frozen=True, slots=True)
class Delete:
    resource: str
    name: str


Action = Note | Patch | Create | Delete


def set_phase(resource: str, obj: JsonObject, phase: str, now: float) -> list[Action]:
    """A status write moving a claim or volume (``resource``) to ``phase``; nothing if it is
    there already. Volumes also record when (``lastPhaseTransitionTime``)."""
    if (obj.get("status") or {}).get("phase") == phase:
        return []
    status: JsonObject = {"phase": phase}
    if resource == VOLUMES:
        status["lastPhaseTransitionTime"] = timestamp(now)
    metadata = obj["metadata"]
    return [Patch(resource, metadata.get("namespace", ""), metadata["name"], {"status": status}, "status")]
