"""Why: the pods a DaemonSet makes and how it recognises them, as Kubernetes does: a pod from the
template for one node, pinned to it by a required node affinity on ``metadata.name`` (the
scheduler then binds it, and can still refuse it), with the daemon tolerations, the set as its
controller and the template's revision hash in ``controller-revision-hash``; and the node a pod
is for, bound or not. Pure.
"""

from __future__ import annotations

import json
from typing import Any

from kube_actors.api.identities import safe_encode
from kube_actors.api.times import unix_seconds
from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.daemonset.eligibility import with_daemon_tolerations
from kube_actors.components.controllers.garbage_collector.ownership import controller_reference
from kube_actors.components.controllers.statefulset.revisions import fnv32

JsonObject = dict[str, Any]
REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
NAME_FIELD = "metadata.name"


def revision_hash(daemon_set: JsonObject) -> str:
    """The hash of the set's template (and collision count), as its ControllerRevision is named.

    >>> ds = {"spec": {"template": {"spec": {"containers": [{"name": "agent"}]}}}}
    >>> revision_hash(ds) == revision_hash(ds), len(revision_hash(ds)) > 5
    (True, True)
    """
    template = json.dumps(daemon_set["spec"].get("template") or {}, sort_keys=True, separators=(",", ":"))
    collisions = (daemon_set.get("status") or {}).get("collisionCount")
    data = template if collisions is None else f"{template}{collisions}"
    return safe_encode(str(fnv32(data.encode())))


def new_daemon_pod(daemon_set: JsonObject, node: str, revision: str) -> JsonObject:
    """The set's pod for ``node``."""
    template = copy_tree(daemon_set["spec"].get("template") or {})
    metadata = template.get("metadata") or {}
    spec = template.get("spec") or {}
    labels = dict(metadata.get("labels") or {})
    labels[REVISION_LABEL] = revision
    labels[GENERATION_LABEL] = str(daemon_set["metadata"].get("generation", 1))
    pod_metadata: JsonObject = {
        "generateName": f"{daemon_set['metadata']['name']}-",
        "labels": labels,
        "ownerReferences": [controller_reference(daemon_set)],
    }
    if metadata.get("annotations"):
        pod_metadata["annotations"] = dict(metadata["annotations"])
    spec["affinity"] = pinned_affinity(spec.get("affinity"), node)
    spec["tolerations"] = with_daemon_tolerations(
        spec.get("tolerations") or [], spec.get("hostNetwork") is True
    )
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_metadata, "spec": spec}


def pinned_affinity(affinity: Any, node: str) -> JsonObject:
    """``affinity`` with its required node terms replaced by one naming ``node``, as Kubernetes'
    ``ReplaceDaemonSetPodNodeNameNodeAffinity`` does (the set already checked the rest)."""
    pinned = copy_tree(affinity) if isinstance(affinity, dict) else {}
    node_affinity = pinned.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [{"matchFields": [{"key": NAME_FIELD, "operator": "In", "values": [node]}]}]
    }
    return pinned


def target_node(pod: JsonObject) -> str:
    """The node a daemon pod is for: where it runs, or where its affinity pins it ("" if none).

    >>> target_node({"spec": {"affinity": pinned_affinity(None, "node-7")}})
    'node-7'
    """
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or ():
        for rule in (term or {}).get("matchFields") or ():
            values = rule.get("values") or []
            if rule.get("key") == NAME_FIELD and rule.get("operator") == "In" and len(values) == 1:
                return str(values[0])
    return ""


def is_updated(pod: JsonObject, revision: str, generation: int) -> bool:
    """The pod runs the set's current template (Kubernetes' ``IsPodUpdated``)."""
    labels = pod["metadata"].get("labels") or {}
    if REVISION_LABEL in labels:
        return bool(labels[REVISION_LABEL] == revision)
    return labels.get(GENERATION_LABEL) == str(generation)


def oldest_first(pods: list[JsonObject]) -> list[JsonObject]:
    """Scheduled before unscheduled, running before not, then oldest, as Kubernetes ranks a
    node's daemon pods (``podByCreationTimestampAndPhase``)."""

    def rank(pod: JsonObject) -> tuple[bool, bool, float, str]:
        return (
            not (pod.get("spec") or {}).get("nodeName"),
            (pod.get("status") or {}).get("phase") != "Running",
            unix_seconds(pod["metadata"].get("creationTimestamp")) or 0.0,
            pod["metadata"]["name"],
        )

    return sorted(pods, key=rank)
