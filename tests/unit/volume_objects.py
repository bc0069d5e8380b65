"""Objects for the volume controller's unit tests: claims, volumes, classes and nodes."""

from __future__ import annotations

from typing import Any

from kube_actors.components.controllers.volumes.actions import BIND_COMPLETED
from kube_actors.components.controllers.volumes.classes import IS_DEFAULT_CLASS, PROVISIONER
from kube_actors.components.controllers.volumes.provisioning import PROVISIONED_BY, SELECTED_NODE

JsonObject = dict[str, Any]
NOW = 1_000_000.0


def claim(
    name: str = "data",
    size: str = "1Gi",
    *,
    modes: tuple[str, ...] = ("ReadWriteOnce",),
    storage_class: str | None = "",
    selected_node: str = "",
    volume: str = "",
    bound: bool = False,
    selector: JsonObject | None = None,
    mode: str = "Filesystem",
    phase: str = "Pending",
    uid: str = "",
) -> JsonObject:
    """A claim ``name`` in ``default``; a Bound one shows its volume's size and modes (``size``,
    ``modes``) in its status, as the controller writes them."""
    annotations = {}
    if selected_node:
        annotations[SELECTED_NODE] = selected_node
    if bound:
        annotations[BIND_COMPLETED] = "yes"
    spec: JsonObject = {
        "accessModes": list(modes),
        "resources": {"requests": {"storage": size}},
        "volumeMode": mode,
    }
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    if volume:
        spec["volumeName"] = volume
    if selector is not None:
        spec["selector"] = selector
    metadata: JsonObject = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "resourceVersion": "10",
    }
    if annotations:
        metadata["annotations"] = annotations
    status: JsonObject = {"phase": phase}
    if phase == "Bound":
        status.update(accessModes=list(modes), capacity={"storage": size})
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": spec,
        "status": status,
    }


def volume(
    name: str,
    size: str = "1Gi",
    *,
    modes: tuple[str, ...] = ("ReadWriteOnce",),
    storage_class: str = "",
    phase: str = "Available",
    claim_ref: JsonObject | None = None,
    labels: dict[str, str] | None = None,
    zone: str = "",
    policy: str = "Retain",
    provisioned: str = "",
    by_controller: bool = False,
    mode: str = "Filesystem",
) -> JsonObject:
    metadata: JsonObject = {"name": name, "resourceVersion": "20", "labels": labels or {}}
    annotations = {}
    if provisioned:
        annotations[PROVISIONED_BY] = provisioned
    if by_controller:
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
    if annotations:
        metadata["annotations"] = annotations
    spec: JsonObject = {
        "capacity": {"storage": size},
        "accessModes": list(modes),
        "storageClassName": storage_class,
        "persistentVolumeReclaimPolicy": policy,
        "volumeMode": mode,
    }
    if claim_ref is not None:
        spec["claimRef"] = claim_ref
    if zone:
        term = {
            "matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]
        }
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [term]}}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": phase},
    }


def ref_to(claim_name: str, uid: str | None = None) -> JsonObject:
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": "default",
        "name": claim_name,
        "uid": f"uid-{claim_name}" if uid is None else uid,
    }


def storage_class(
    name: str = "standard",
    *,
    mode: str = "WaitForFirstConsumer",
    provisioner: str = PROVISIONER,
    default: bool = True,
) -> JsonObject:
    metadata: JsonObject = {"name": name}
    if default:
        metadata["annotations"] = {IS_DEFAULT_CLASS: "true"}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": provisioner,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": mode,
    }


def node(name: str, zone: str = "") -> JsonObject:
    labels = {"kubernetes.io/hostname": name}
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}


def by_name(*objects: JsonObject) -> dict[str, JsonObject]:
    return {o["metadata"]["name"]: o for o in objects}
