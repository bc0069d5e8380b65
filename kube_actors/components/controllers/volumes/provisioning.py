"""Why: claims of a class whose provisioner is ``kube-actors.io/simulated`` get volumes made on
demand, as a cloud's CSI driver and external-provisioner make disks. The volume is made for
the claim (pre-bound to it, ``pvc-<claim uid>``), as big as it asks, and reachable where the
disk would be: in the zone of the node the scheduler chose for the claim's first pod
(``WaitForFirstConsumer``), or anywhere the class allows (``Immediate``).

The contract with the scheduler, as in Kubernetes: for an unbound claim of a
WaitForFirstConsumer class, the scheduler writes the chosen node's name into the claim's
``volume.kubernetes.io/selected-node`` annotation; the volume made then carries
``spec.nodeAffinity.required`` for that node's ``topology.kubernetes.io/zone`` label (its
``kubernetes.io/hostname`` if it has no zone), and only nodes matching that affinity may run
pods using it. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.components.controllers.volumes.classes import PROVISIONER, reclaim_policy
from kube_actors.components.controllers.volumes.matching import requested_storage, volume_mode
from kube_actors.scheduling.volumes import SELECTED_NODE_ANNOTATION

JsonObject = dict[str, Any]

SELECTED_NODE = SELECTED_NODE_ANNOTATION  # the scheduler sets it; the one definition is scheduling's
STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
STORAGE_PROVISIONER_BETA = "volume.beta.kubernetes.io/storage-provisioner"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"
CSI_DRIVER = "simulated.csi.kube-actors.io"  # a CSI driver name may not hold the provisioner's "/"


def provisioned_volume_name(claim: Mapping[str, Any]) -> str:
    return f"pvc-{claim['metadata']['uid']}"


def provisioned_volume(
    claim: Mapping[str, Any], storage_class: Mapping[str, Any], node: Mapping[str, Any] | None
) -> JsonObject | None:
    """The PersistentVolume made for ``claim``; None if the claim asks for no storage size.
    ``node``: the selected node (WaitForFirstConsumer), or None to use the class's
    ``allowedTopologies`` (no restriction if it has none)."""
    size = requested_storage(claim)
    if size is None:
        return None
    name = provisioned_volume_name(claim)
    spec: JsonObject = {
        "capacity": {"storage": str(size)},
        "accessModes": list(claim.get("spec", {}).get("accessModes") or ["ReadWriteOnce"]),
        "persistentVolumeReclaimPolicy": reclaim_policy(storage_class),
        "storageClassName": storage_class["metadata"]["name"],
        "volumeMode": volume_mode(claim),
        "claimRef": claim_reference(claim),
        "csi": {"driver": CSI_DRIVER, "volumeHandle": name, "fsType": "ext4"},
    }
    if storage_class.get("mountOptions"):
        spec["mountOptions"] = list(storage_class["mountOptions"])
    terms = [node_term(node)] if node is not None else class_terms(storage_class)
    if terms:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": terms}}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {PROVISIONED_BY: PROVISIONER}},
        "spec": spec,
    }


def claim_reference(claim: Mapping[str, Any]) -> JsonObject:
    """The ``claimRef`` a volume bound to ``claim`` carries (an ObjectReference)."""
    metadata = claim["metadata"]
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": metadata.get("namespace", ""),
        "name": metadata["name"],
        "uid": metadata.get("uid", ""),
        "apiVersion": "v1",
        "resourceVersion": metadata.get("resourceVersion", ""),
    }


def node_term(node: Mapping[str, Any]) -> JsonObject:
    """A node selector term for the node's zone (its hostname if it has no zone).

    >>> node_term({"metadata": {"name": "n1", "labels": {ZONE_LABEL: "zone-b"}}})
    {'matchExpressions': [{'key': 'topology.kubernetes.io/zone', 'operator': 'In', 'values': ['zone-b']}]}
    """
    metadata = node.get("metadata", {})
    labels = metadata.get("labels") or {}
    if labels.get(ZONE_LABEL):
        key, value = ZONE_LABEL, labels[ZONE_LABEL]
    else:
        key, value = HOSTNAME_LABEL, labels.get(HOSTNAME_LABEL) or metadata.get("name", "")
    return {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}


def class_terms(storage_class: Mapping[str, Any]) -> list[JsonObject]:
    """Where an Immediate volume goes: the first topology the class allows, one value per key
    (the simulated disk is made in one place); none if the class does not restrict it."""
    for term in storage_class.get("allowedTopologies") or []:
        expressions = [
            {"key": e["key"], "operator": "In", "values": [e["values"][0]]}
            for e in (term.get("matchLabelExpressions") or [])
            if isinstance(e, dict) and e.get("key") and e.get("values")
        ]
        if expressions:
            return [{"matchExpressions": expressions}]
    return []
