"""Why: a StatefulSet's pods are not interchangeable. ``db-0`` is always ``db-0``: the same name,
hostname and labels, and the same PersistentVolumeClaims (``data-db-0``), however often and
wherever it is recreated. This module derives that identity from the set and an ordinal, as
Kubernetes' ``stateful_set_utils.go`` does: names, the pod made from a template, the claims
made from ``volumeClaimTemplates``, and what a live pod lacks of its identity.

Pure. The reconcile core (``reconciling.py``) decides when to make pods; this says what they are.
"""

from __future__ import annotations

import re
from typing import Any

from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.garbage_collector.ownership import controller_reference

JsonObject = dict[str, Any]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
IDENTITY_LABELS = (POD_NAME_LABEL, POD_INDEX_LABEL, REVISION_LABEL)
_ORDINAL_NAME = re.compile(r"^(.*)-([0-9]+)$")


def pod_name(set_name: str, ordinal: int) -> str:
    return f"{set_name}-{ordinal}"


def parent_and_ordinal(name: str) -> tuple[str, int] | None:
    """The set a pod's name says it belongs to, and its ordinal; None for other names.

    >>> parent_and_ordinal("db-12"), parent_and_ordinal("web-db-0"), parent_and_ordinal("db")
    (('db', 12), ('web-db', 0), None)
    """
    found = _ORDINAL_NAME.match(name)
    return (found.group(1), int(found.group(2))) if found else None


def start_ordinal(stateful_set: JsonObject) -> int:
    """The first ordinal (``spec.ordinals.start``, 0 unless set)."""
    start = (stateful_set["spec"].get("ordinals") or {}).get("start")
    return start if isinstance(start, int) and start >= 0 else 0


def claim_name(template_name: str, set_name: str, ordinal: int) -> str:
    """``<template>-<set>-<ordinal>``, the name Kubernetes gives a claim from a template.

    >>> claim_name("data", "db", 2)
    'data-db-2'
    """
    return f"{template_name}-{set_name}-{ordinal}"


def claim_templates(stateful_set: JsonObject) -> list[JsonObject]:
    templates = stateful_set["spec"].get("volumeClaimTemplates") or []
    return [t for t in templates if isinstance(t, dict) and (t.get("metadata") or {}).get("name")]


def claim_names(stateful_set: JsonObject, ordinal: int) -> list[str]:
    """The names of the claims the pod at ``ordinal`` mounts (cheaper than ``claims_for``)."""
    set_name = stateful_set["metadata"]["name"]
    return [claim_name(t["metadata"]["name"], set_name, ordinal) for t in claim_templates(stateful_set)]


def claims_for(stateful_set: JsonObject, ordinal: int) -> dict[str, JsonObject]:
    """The claims the pod at ``ordinal`` mounts, by template name: the template's metadata and
    spec, named for the pod, labelled with the set's ``matchLabels`` as well."""
    metadata = stateful_set["metadata"]
    match_labels = (stateful_set["spec"].get("selector") or {}).get("matchLabels") or {}
    claims = {}
    for template in claim_templates(stateful_set):
        template_meta = template["metadata"]
        labels = {**(template_meta.get("labels") or {}), **match_labels}
        claim_meta: JsonObject = {
            "name": claim_name(template_meta["name"], metadata["name"], ordinal),
            "namespace": metadata.get("namespace", ""),
            "labels": labels,
        }
        if template_meta.get("annotations"):
            claim_meta["annotations"] = dict(template_meta["annotations"])
        claims[template_meta["name"]] = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": claim_meta,
            "spec": copy_tree(template.get("spec") or {}),
        }
    return claims


def new_pod(stateful_set: JsonObject, template: JsonObject, ordinal: int, revision: str) -> JsonObject:
    """The pod at ``ordinal`` made from ``template`` (the set's, or an older revision's): owned
    by the set, named, labelled and with hostname and subdomain for its stable DNS name, and
    its claim volumes in place of any template volume of the same name."""
    set_name = stateful_set["metadata"]["name"]
    template_meta = template.get("metadata") or {}
    name = pod_name(set_name, ordinal)
    metadata: JsonObject = {
        "name": name,
        "generateName": f"{set_name}-",
        "namespace": stateful_set["metadata"].get("namespace", ""),
        "labels": {
            **(template_meta.get("labels") or {}),
            POD_NAME_LABEL: name,
            POD_INDEX_LABEL: str(ordinal),
            REVISION_LABEL: revision,
        },
        "ownerReferences": [controller_reference(stateful_set)],
    }
    for field_name in ("annotations", "finalizers"):
        if template_meta.get(field_name):
            metadata[field_name] = copy_tree(template_meta[field_name])
    spec = copy_tree(template.get("spec") or {})
    spec["hostname"] = name
    service = stateful_set["spec"].get("serviceName")
    if service:
        spec["subdomain"] = service
    volumes = _with_claim_volumes(stateful_set, ordinal, spec.get("volumes") or [])
    if volumes:
        spec["volumes"] = volumes
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _with_claim_volumes(
    stateful_set: JsonObject, ordinal: int, volumes: list[JsonObject]
) -> list[JsonObject]:
    claims = claims_for(stateful_set, ordinal)
    mounted = [
        {"name": template, "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}}
        for template, claim in claims.items()
    ]
    return mounted + [v for v in volumes if isinstance(v, dict) and v.get("name") not in claims]


def identity_labels_patch(stateful_set: JsonObject, pod: JsonObject, ordinal: int) -> JsonObject | None:
    """A merge patch giving a live pod the identity labels it lacks (someone removed them, or
    an adopted pod never had them); None when it has them. Only labels: a pod's hostname and
    volumes cannot change once it exists."""
    labels = pod["metadata"].get("labels") or {}
    name = pod["metadata"]["name"]
    wanted = {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)}
    missing = {key: value for key, value in wanted.items() if labels.get(key) != value}
    if not missing:
        return None
    return {"metadata": {"labels": missing, "resourceVersion": pod["metadata"]["resourceVersion"]}}


def revision_of(pod: JsonObject) -> str:
    return str((pod["metadata"].get("labels") or {}).get(REVISION_LABEL, ""))


def template_from_pod(stateful_set: JsonObject, pod: JsonObject) -> JsonObject:
    """The template a pod was made from, as near as the pod shows it: for recreating a pod at an
    older revision when the controller has not kept that revision's template (it restarted)."""
    metadata = pod["metadata"]
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k not in IDENTITY_LABELS}
    template_meta: JsonObject = {"labels": labels}
    if metadata.get("annotations"):
        template_meta["annotations"] = copy_tree(metadata["annotations"])
    spec = copy_tree(pod.get("spec") or {})
    for field_name in ("nodeName", "hostname", "subdomain"):
        spec.pop(field_name, None)
    claim_volumes = {t["metadata"]["name"] for t in claim_templates(stateful_set)}
    spec["volumes"] = [v for v in spec.get("volumes") or [] if v.get("name") not in claim_volumes]
    if not spec["volumes"]:
        del spec["volumes"]
    return {"metadata": template_meta, "spec": spec}
