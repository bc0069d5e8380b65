"""Why: a claim names a StorageClass (or gets the default one), and the class says who makes its
volumes (``provisioner``), when (``volumeBindingMode``: at once, or once a pod using the claim
is scheduled) and what happens to them when the claim goes (``reclaimPolicy``). This module
reads classes as Kubernetes does, and is where the cluster's default class, ``standard``, is
defined: zonal volumes made by the simulated provisioner for the first consumer's node. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

JsonObject = dict[str, Any]

PROVISIONER = "kube-actors.io/simulated"
DEFAULT_CLASS = "standard"
IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
IS_DEFAULT_CLASS_BETA = "storageclass.beta.kubernetes.io/is-default-class"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"
IMMEDIATE = "Immediate"


def default_storage_class() -> JsonObject:
    """The class the volume controller creates at start when no class of its name exists."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": DEFAULT_CLASS, "annotations": {IS_DEFAULT_CLASS: "true"}},
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": WAIT_FOR_FIRST_CONSUMER,
        "allowVolumeExpansion": True,
    }


def is_default(storage_class: Mapping[str, Any]) -> bool:
    annotations = storage_class.get("metadata", {}).get("annotations") or {}
    return "true" in (annotations.get(IS_DEFAULT_CLASS), annotations.get(IS_DEFAULT_CLASS_BETA))


def default_class_name(classes: Iterable[Mapping[str, Any]]) -> str:
    """The default class's name ("" if there is none); of several, the newest, as Kubernetes
    chooses (then by name).

    >>> default_class_name([{"metadata": {"name": "fast", "creationTimestamp": "2026-01-02T00:00:00Z",
    ...     "annotations": {IS_DEFAULT_CLASS: "true"}}}, {"metadata": {"name": "slow"}}])
    'fast'
    """
    defaults = [c for c in classes if is_default(c)]
    if not defaults:
        return ""
    newest = max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp", ""), c["metadata"]["name"]))
    return str(newest["metadata"]["name"])


def binding_mode(storage_class: Mapping[str, Any]) -> str:
    return str(storage_class.get("volumeBindingMode") or IMMEDIATE)


def reclaim_policy(storage_class: Mapping[str, Any]) -> str:
    return str(storage_class.get("reclaimPolicy") or "Delete")
