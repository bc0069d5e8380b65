"""Why: a PersistentVolumeClaim is a request for storage and a PersistentVolume is storage; the
PV controller pairs them, as Kubernetes' ``syncClaim`` does, and keeps the pair consistent:

- an unbound claim gets the best matching Available volume (``matching.py``), or a volume made
  for it when its class's provisioner is the simulated one (``provisioning.py``), at once for
  ``Immediate`` classes and once the scheduler has picked a node for ``WaitForFirstConsumer``;
- a claim with no class at all gets the default class, as Kubernetes' retroactive default
  StorageClass assignment does (there is no DefaultStorageClass admission here);
- binding writes the volume's ``claimRef`` first (guarded by its resourceVersion, so two claims
  cannot both take it), then its phase, then the claim's ``volumeName`` and phase; a bind cut
  short is finished by the next sync;
- a bound claim whose volume is gone, or bound to another claim, is ``Lost``.

Pure: a claim and the caches in, writes (``actions.py``) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.components.controllers.volumes.actions import (
    BIND_COMPLETED,
    BOUND_BY_CONTROLLER,
    CLAIMS,
    NORMAL,
    VOLUMES,
    WARNING,
    Action,
    Create,
    Note,
    Patch,
    set_phase,
)
from kube_actors.components.controllers.volumes.classes import (
    PROVISIONER,
    WAIT_FOR_FIRST_CONSUMER,
    binding_mode,
    default_class_name,
)
from kube_actors.components.controllers.volumes.matching import (
    best_volume,
    capacity,
    claim_class,
    is_bound_to,
    requested_storage,
    volume_class,
    volume_mode,
)
from kube_actors.components.controllers.volumes.provisioning import (
    SELECTED_NODE,
    STORAGE_PROVISIONER,
    STORAGE_PROVISIONER_BETA,
    claim_reference,
    provisioned_volume,
)

JsonObject = dict[str, Any]
Objects = Mapping[str, JsonObject]
PENDING, BOUND, LOST = "Pending", "Bound", "Lost"


def sync_claim(
    claim: JsonObject, volumes: Objects, classes: Objects, nodes: Objects, now: float
) -> list[Action]:
    """The writes that bring ``claim`` closer to bound. ``volumes``, ``classes`` and ``nodes``:
    the caches, by name."""
    if claim["metadata"].get("deletionTimestamp"):
        return []
    annotations = claim["metadata"].get("annotations") or {}
    if annotations.get(BIND_COMPLETED) != "yes":
        return _sync_unbound(claim, volumes, classes, nodes, now)
    return _sync_bound(claim, volumes, now)


def _sync_unbound(
    claim: JsonObject, volumes: Objects, classes: Objects, nodes: Objects, now: float
) -> list[Action]:
    metadata, spec = claim["metadata"], claim.get("spec") or {}
    volume_name = spec.get("volumeName") or ""
    if spec.get("storageClassName") is None and not claim_class(claim) and not volume_name:
        default = default_class_name(classes.values())
        if default:
            patch = {
                "spec": {"storageClassName": default},
                "metadata": {"resourceVersion": metadata["resourceVersion"]},
            }
            return [Patch(CLAIMS, metadata["namespace"], metadata["name"], patch)]
    if volume_name:
        return _sync_pre_bound(claim, volumes.get(volume_name), now)
    class_name = claim_class(claim)
    storage_class = classes.get(class_name) if class_name else None
    waits = storage_class is not None and binding_mode(storage_class) == WAIT_FOR_FIRST_CONSUMER
    selected = (metadata.get("annotations") or {}).get(SELECTED_NODE, "")
    node = nodes.get(selected) if waits and selected else None
    volume = best_volume(claim, volumes.values(), node=node, delay_binding=waits and node is None)
    if volume is not None:
        return bind(volume, claim, now)
    if waits and not selected:
        return [
            Note(
                claim,
                NORMAL,
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding",
            )
        ]
    if not class_name:
        message = "no persistent volumes available for this claim and no storage class is set"
        return [Note(claim, NORMAL, "FailedBinding", message)]
    if storage_class is None:
        message = f'storageclass.storage.k8s.io "{class_name}" not found'
        return [Note(claim, WARNING, "ProvisioningFailed", message)]
    return _provision(claim, storage_class, volumes, node if waits else None, waits)


def _provision(
    claim: JsonObject, storage_class: JsonObject, volumes: Objects, node: JsonObject | None, waits: bool
) -> list[Action]:
    """Mark the claim for its class's provisioner (as the PV controller does for external
    provisioners) and, when that is the simulated one, make the volume."""
    metadata = claim["metadata"]
    provisioner = str(storage_class.get("provisioner") or "")
    actions: list[Action] = []
    if (metadata.get("annotations") or {}).get(STORAGE_PROVISIONER) != provisioner:
        annotations = {STORAGE_PROVISIONER: provisioner, STORAGE_PROVISIONER_BETA: provisioner}
        patch = {"metadata": {"annotations": annotations, "resourceVersion": metadata["resourceVersion"]}}
        message = (
            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' "
            "or manually by the system administrator. If volume creation is delayed, please verify "
            "that the provisioner is running and correctly registered."
        )
        actions += [
            Patch(CLAIMS, metadata["namespace"], metadata["name"], patch),
            Note(claim, NORMAL, "ExternalProvisioning", message),
        ]
    if provisioner != PROVISIONER or (waits and node is None):
        return actions  # another provisioner's claim, or the selected node is not known yet
    volume = provisioned_volume(claim, storage_class, node)
    if volume is None:
        return [*actions, Note(claim, WARNING, "ProvisioningFailed", "claim has no storage request")]
    name = volume["metadata"]["name"]
    if name in volumes:
        return actions  # made already; its sync brings the claim back to bind it
    message = f"Successfully provisioned volume {name}"
    return [*actions, Create(VOLUMES, volume), Note(claim, NORMAL, "ProvisioningSucceeded", message)]


def _sync_pre_bound(claim: JsonObject, volume: JsonObject | None, now: float) -> list[Action]:
    """A claim that names its volume (a user pre-bound it, or a bind was cut short)."""
    if volume is None:
        return set_phase(CLAIMS, claim, PENDING, now)
    ref = (volume.get("spec") or {}).get("claimRef")
    if ref and not is_bound_to(volume, claim):
        message = f'volume "{volume["metadata"]["name"]}" already bound to a different claim.'
        return [*set_phase(CLAIMS, claim, PENDING, now), Note(claim, WARNING, "FailedBinding", message)]
    if not ref and not _satisfies(volume, claim):
        message = (
            "Cannot bind to requested volume: it does not satisfy the claim's size, class or volume mode"
        )
        return [*set_phase(CLAIMS, claim, PENDING, now), Note(claim, WARNING, "VolumeMismatch", message)]
    return bind(volume, claim, now)


def _satisfies(volume: JsonObject, claim: JsonObject) -> bool:
    requested, size = requested_storage(claim), capacity(volume)
    big_enough = requested is None or (size is not None and size >= requested)
    return (
        big_enough
        and volume_class(volume) == claim_class(claim)
        and volume_mode(volume) == volume_mode(claim)
    )


def _sync_bound(claim: JsonObject, volumes: Objects, now: float) -> list[Action]:
    volume_name = (claim.get("spec") or {}).get("volumeName") or ""
    if not volume_name:
        return _lost(
            claim,
            "ClaimLost",
            "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
            now,
        )
    volume = volumes.get(volume_name)
    if volume is None:
        return _lost(
            claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!", now
        )
    ref = (volume.get("spec") or {}).get("claimRef")
    if ref and ref.get("uid") != claim["metadata"].get("uid"):
        return _lost(
            claim,
            "ClaimMisbound",
            "Two claims are bound to the same volume, this one is bound incorrectly",
            now,
        )
    return bind(volume, claim, now)


def _lost(claim: JsonObject, reason: str, message: str, now: float) -> list[Action]:
    changed = set_phase(CLAIMS, claim, LOST, now)
    return [*changed, Note(claim, WARNING, reason, message)] if changed else []


def bind(volume: JsonObject, claim: JsonObject, now: float) -> list[Action]:
    """The writes still missing for ``volume`` and ``claim`` to be bound to each other."""
    actions: list[Action] = []
    volume_meta, claim_meta = volume["metadata"], claim["metadata"]
    ref = (volume.get("spec") or {}).get("claimRef") or {}
    if ref.get("uid") != claim_meta.get("uid") or not is_bound_to(volume, claim):
        patch: JsonObject = {
            "spec": {"claimRef": claim_reference(claim)},
            "metadata": {"resourceVersion": volume_meta["resourceVersion"]},
        }
        if not is_bound_to(volume, claim):
            patch["metadata"]["annotations"] = {BOUND_BY_CONTROLLER: "yes"}
        actions.append(Patch(VOLUMES, "", volume_meta["name"], patch))
    actions += set_phase(VOLUMES, volume, BOUND, now)
    claim_spec = claim.get("spec") or {}
    annotations = claim_meta.get("annotations") or {}
    if claim_spec.get("volumeName") != volume_meta["name"] or annotations.get(BIND_COMPLETED) != "yes":
        wanted = {BIND_COMPLETED: "yes"}
        if claim_spec.get("volumeName") != volume_meta["name"]:
            wanted[BOUND_BY_CONTROLLER] = "yes"
        patch = {
            "spec": {"volumeName": volume_meta["name"]},
            "metadata": {"annotations": wanted, "resourceVersion": claim_meta["resourceVersion"]},
        }
        actions.append(Patch(CLAIMS, claim_meta["namespace"], claim_meta["name"], patch))
    volume_spec = volume.get("spec") or {}
    status = {
        "phase": BOUND,
        "accessModes": list(volume_spec.get("accessModes") or []),
        "capacity": dict(volume_spec.get("capacity") or {}),
    }
    current = claim.get("status") or {}
    if any(current.get(key) != value for key, value in status.items()):
        actions.append(
            Patch(CLAIMS, claim_meta["namespace"], claim_meta["name"], {"status": status}, "status")
        )
    return actions
