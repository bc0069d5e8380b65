"""Why: a Deployment keeps its history as ReplicaSets, one per pod template, told apart by the
``pod-template-hash`` label and numbered by the ``deployment.kubernetes.io/revision``
annotation. ``kubectl rollout history`` reads those numbers (and ``kubernetes.io/change-cause``,
copied from the Deployment), ``kubectl rollout undo`` finds a revision's set and copies its
template back; so names, hashes and annotations follow Kubernetes' ``deploymentutil``. Pure.

The hash is FNV-32a, as Kubernetes', over the template's canonical JSON (Kubernetes hashes
its Go struct dump, which cannot be reproduced here); it is encoded with Kubernetes' safe
alphabet, so names look alike (``web-7d9c5b8f6``).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from typing import Any

from kube_actors.api.identities import safe_encode
from kube_actors.api.trees import copy_tree

JsonObject = dict[str, Any]
POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
NOT_COPIED = frozenset(
    {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
)
MAX_HISTORY_CHARS = 2000


def semantic(tree: Any) -> Any:
    """The tree without empty or null members, so that templates equal as Kubernetes compares
    them (a missing map, an empty one and ``null`` are the same) also compare equal here.

    >>> semantic({"metadata": {"creationTimestamp": None, "labels": {"a": "1"}}, "spec": {"volumes": []}})
    {'metadata': {'labels': {'a': '1'}}}
    """
    if isinstance(tree, dict):
        kept = {k: semantic(v) for k, v in tree.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(tree, list):
        return [semantic(v) for v in tree]
    return tree


def template_hash(template: JsonObject, collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of a template; a collision count changes it.

    >>> template_hash({"spec": {"containers": [{"name": "a", "image": "nginx"}]}}) == template_hash(
    ...     {"metadata": {"labels": {}}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}})
    True
    """
    digest = 0x811C9DC5
    data = json.dumps(semantic(template), sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += struct.pack("<Q", collision_count & 0xFFFFFFFF)
    for byte in data:
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(digest))


def without_hash(template: JsonObject) -> JsonObject:
    """The template without its ``pod-template-hash`` label (what ``rollout undo`` restores)."""
    copied = copy_tree(template)
    labels = (copied.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH, None)
    return copied


def equal_ignoring_hash(a: JsonObject, b: JsonObject) -> bool:
    """Whether two pod templates are the same but for the hash label."""
    return bool(_comparable(a) == _comparable(b))


def _comparable(template: JsonObject) -> Any:
    """``semantic(without_hash(template))``, without copying the template first: what
    ``semantic`` builds is its own, so the label can be taken out of it."""
    tree = semantic(template)
    metadata = tree.get("metadata") if isinstance(tree, dict) else None
    if not isinstance(metadata, dict):
        return tree
    labels = metadata.get("labels")
    if isinstance(labels, dict) and labels.pop(POD_TEMPLATE_HASH, None) is not None and not labels:
        del metadata["labels"]
        if not metadata:
            del tree["metadata"]
    return tree


def revision_of(obj: JsonObject) -> int:
    """The revision annotation as a number (0 if absent or not a number)."""
    value = (obj["metadata"].get("annotations") or {}).get(REVISION, "")
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def max_revision(replica_sets: Iterable[JsonObject]) -> int:
    return max((revision_of(rs) for rs in replica_sets), default=0)


def copy_annotations(deployment: JsonObject, replica_set: JsonObject) -> bool:
    """Copy the Deployment's annotations (``kubernetes.io/change-cause`` among them) onto its
    new ReplicaSet, but not its own bookkeeping; whether anything changed."""
    annotations = replica_set["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in (deployment["metadata"].get("annotations") or {}).items():
        if key not in NOT_COPIED and annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def set_replicas_annotations(replica_set: JsonObject, desired: int, most: int) -> bool:
    """Record the Deployment's size (and size plus surge) on a set, for proportional scaling."""
    annotations = replica_set["metadata"].setdefault("annotations", {})
    wanted = {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(most)}
    changed = any(annotations.get(key) != value for key, value in wanted.items())
    annotations.update(wanted)
    return changed


def replicas_annotations_differ(replica_set: JsonObject, desired: int, most: int) -> bool:
    annotations = replica_set["metadata"].get("annotations") or {}
    return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(MAX_REPLICAS) != str(most)


def desired_replicas_annotation(replica_set: JsonObject) -> int | None:
    value = (replica_set["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
    return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else None


def max_replicas_annotation(replica_set: JsonObject) -> int | None:
    value = (replica_set["metadata"].get("annotations") or {}).get(MAX_REPLICAS)
    return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else None


def set_new_replica_set_annotations(
    deployment: JsonObject, replica_set: JsonObject, new_revision: int, *, exists: bool, most: int
) -> bool:
    """Annotate the Deployment's new set (Kubernetes' SetNewReplicaSetAnnotations): the
    Deployment's annotations, the new revision if higher than the set's (a set brought back
    by a rollback keeps its old numbers in ``revision-history``), and for a set about to be
    created its replica annotations. Whether anything changed."""
    changed = copy_annotations(deployment, replica_set)
    annotations = replica_set["metadata"]["annotations"]
    old_text = annotations.get(REVISION, "")
    if old_text and not old_text.isdigit():
        return False
    old = int(old_text or 0)
    if old < new_revision:
        annotations[REVISION] = str(new_revision)
        changed = True
        if old_text:
            history = [r for r in annotations.get(REVISION_HISTORY, "").split(",") if r]
            history.append(old_text)
            while len(",".join(history)) > MAX_HISTORY_CHARS and len(history) > 1:
                history.pop(0)
            annotations[REVISION_HISTORY] = ",".join(history)
    if not exists:
        desired = int(deployment["spec"].get("replicas", 1))
        changed = set_replicas_annotations(replica_set, desired, most) or changed
    return changed


def set_deployment_revision(deployment: JsonObject, revision: str) -> bool:
    """Put ``revision`` on the Deployment itself; whether it changed."""
    annotations = deployment["metadata"].setdefault("annotations", {})
    if annotations.get(REVISION) == revision:
        return False
    annotations[REVISION] = revision
    return True
