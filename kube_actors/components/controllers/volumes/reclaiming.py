"""Why: a volume outlives the claim it was bound to, and its ``persistentVolumeReclaimPolicy``
says what then: ``Retain`` keeps it (``Released``, data intact, until an administrator frees
it), ``Delete`` deletes it (a provisioned volume's storage goes with it), ``Recycle`` (long
deprecated) frees it for a new claim. This is Kubernetes' ``syncVolume``: it also moves new
volumes to ``Available``, keeps a bound volume's phase ``Bound``, and undoes a bind the
controller started for a claim that ended up bound elsewhere.

Pure: a volume and the claim cache in, writes (``actions.py``) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.components.controllers.volumes.actions import (
    BOUND_BY_CONTROLLER,
    NORMAL,
    VOLUMES,
    WARNING,
    Action,
    Delete,
    Note,
    Patch,
    set_phase,
)
from kube_actors.components.controllers.volumes.classes import PROVISIONER
from kube_actors.components.controllers.volumes.matching import volume_mode
from kube_actors.components.controllers.volumes.provisioning import PROVISIONED_BY

JsonObject = dict[str, Any]
AVAILABLE, BOUND, RELEASED, FAILED = "Available", "Bound", "Released", "Failed"


def claim_key(volume: Mapping[str, Any]) -> str:
    """``namespace/name`` of the claim the volume's claimRef names ("" if none)."""
    ref = (volume.get("spec") or {}).get("claimRef")
    if not isinstance(ref, Mapping) or not ref.get("name"):
        return ""
    return f"{ref.get('namespace', '')}/{ref['name']}"


def sync_volume(volume: JsonObject, claims: Mapping[str, JsonObject], now: float) -> list[Action]:
    """The writes ``volume`` needs. ``claims``: the claim cache, by ``namespace/name``."""
    if volume["metadata"].get("deletionTimestamp"):
        return []
    ref = (volume.get("spec") or {}).get("claimRef")
    if not isinstance(ref, Mapping) or not ref.get("uid"):
        return set_phase(VOLUMES, volume, AVAILABLE, now)  # free, or pre-bound by name only
    claim = claims.get(claim_key(volume))
    if claim is None or claim["metadata"].get("uid") != ref["uid"]:
        return _released(volume, now)
    bound_to = (claim.get("spec") or {}).get("volumeName") or ""
    name = volume["metadata"]["name"]
    if not bound_to:
        if volume_mode(claim) != volume_mode(volume):
            claim_name = claim["metadata"]["name"]
            message = (
                f'Cannot bind PersistentVolume to requested PersistentVolumeClaim "{claim_name}" '
                "due to incompatible volumeMode."
            )
            return [Note(volume, WARNING, "VolumeMismatch", message)]
        return []  # the claim's sync finishes the bind
    if bound_to == name:
        return set_phase(VOLUMES, volume, BOUND, now)
    if _provisioned_here(volume) and _policy(volume) == "Delete":
        return _released(volume, now)  # made for this claim, which found another volume
    return _unbind(volume, now)


def _released(volume: JsonObject, now: float) -> list[Action]:
    phase = (volume.get("status") or {}).get("phase")
    actions = [] if phase in (RELEASED, FAILED) else set_phase(VOLUMES, volume, RELEASED, now)
    return actions + _reclaim(volume, now)


def _reclaim(volume: JsonObject, now: float) -> list[Action]:
    policy = _policy(volume)
    name = volume["metadata"]["name"]
    if policy == "Retain":
        return []
    if policy == "Delete":
        provisioner = (volume["metadata"].get("annotations") or {}).get(PROVISIONED_BY)
        if provisioner and provisioner != PROVISIONER:
            return []  # its own provisioner deletes it
        return [Delete(VOLUMES, name)]
    if policy == "Recycle":
        patch = {
            "spec": {"claimRef": None},
            "metadata": {"resourceVersion": volume["metadata"]["resourceVersion"]},
        }
        return [
            Patch(VOLUMES, "", name, patch),
            Note(volume, NORMAL, "VolumeRecycled", f"Volume recycled: {name}"),
        ]
    message = f"Volume has unrecognized PersistentVolumeReclaimPolicy {policy!r}"
    return [
        *set_phase(VOLUMES, volume, FAILED, now),
        Note(volume, WARNING, "VolumeUnknownReclaimPolicy", message),
    ]


def _unbind(volume: JsonObject, now: float) -> list[Action]:
    """Free a volume whose claim is bound elsewhere: forget the claim if the controller chose it,
    keep the user's pre-binding by name otherwise."""
    metadata = volume["metadata"]
    if (metadata.get("annotations") or {}).get(BOUND_BY_CONTROLLER) == "yes":
        patch: JsonObject = {
            "spec": {"claimRef": None},
            "metadata": {
                "annotations": {BOUND_BY_CONTROLLER: None},
                "resourceVersion": metadata["resourceVersion"],
            },
        }
    else:
        patch = {
            "spec": {"claimRef": {"uid": None}},
            "metadata": {"resourceVersion": metadata["resourceVersion"]},
        }
    return [Patch(VOLUMES, "", metadata["name"], patch), *set_phase(VOLUMES, volume, AVAILABLE, now)]


def _provisioned_here(volume: JsonObject) -> bool:
    return bool((volume["metadata"].get("annotations") or {}).get(PROVISIONED_BY))


def _policy(volume: JsonObject) -> str:
    return str((volume.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain")
