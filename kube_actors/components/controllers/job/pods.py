"""Why: what a Job reads from its pods and writes into the pods it makes, as Kubernetes' Job
controller does: pods from the template with the Job as controller and the ``job-tracking``
finalizer (so no finished pod goes uncounted, even if deleted), the completion index of an
Indexed Job's pods, and when a pod finished (pod failure backoff is timed from it). Pure.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api.times import unix_seconds
from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.garbage_collector.ownership import controller_reference

JsonObject = dict[str, Any]
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"  # annotation and label
INDEX_VARIABLE = "JOB_COMPLETION_INDEX"


def is_tracked(pod: JsonObject) -> bool:
    """Still held by the Job's finalizer: its outcome is not counted in the Job's status yet."""
    return TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or ())


def completion_index(pod: JsonObject) -> int | None:
    """The index an Indexed Job's pod works on (None if it has none or it is malformed)."""
    text = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    if not isinstance(text, str) or not text.isdigit():
        return None
    return int(text)


def finished_at(pod: JsonObject) -> float:
    """When a pod finished, as Kubernetes reads it: its containers' last ``finishedAt``, else
    when it stopped being ready, else when it was deleted, else when it was made."""
    status = pod.get("status") or {}
    finishes = [
        moment
        for container in status.get("containerStatuses") or ()
        if isinstance(container, dict)
        and (
            moment := unix_seconds(((container.get("state") or {}).get("terminated") or {}).get("finishedAt"))
        )
        is not None
    ]
    if finishes:
        return max(finishes)
    for condition in status.get("conditions") or ():
        if (
            isinstance(condition, dict)
            and condition.get("type") == "Ready"
            and condition.get("status") == "False"
        ):
            moment = unix_seconds(condition.get("lastTransitionTime"))
            if moment is not None:
                return moment
    metadata = pod["metadata"]
    return (
        unix_seconds(metadata.get("deletionTimestamp"))
        or unix_seconds(metadata.get("creationTimestamp"))
        or 0.0
    )


def new_pod(job: JsonObject, index: int | None = None) -> JsonObject:
    """A pod of ``job`` from its template; ``index`` for an Indexed Job's pod."""
    template = copy_tree(job["spec"].get("template") or {})
    template_metadata = template.get("metadata") or {}
    name = job["metadata"]["name"]
    labels = dict(template_metadata.get("labels") or {})
    annotations = dict(template_metadata.get("annotations") or {})
    spec = template.get("spec") or {}
    metadata: JsonObject = {
        "generateName": f"{name}-",
        "labels": labels,
        "ownerReferences": [controller_reference(job)],
        "finalizers": [TRACKING_FINALIZER],
    }
    if index is not None:
        metadata["generateName"] = f"{name}-{index}-"
        annotations[COMPLETION_INDEX] = str(index)
        labels[COMPLETION_INDEX] = str(index)
        spec.setdefault("hostname", f"{name}-{index}")
        for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            _add_index_variable(container)
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _add_index_variable(container: JsonObject) -> None:
    """Containers of an Indexed Job read their index from ``JOB_COMPLETION_INDEX``, taken from
    the pod's annotation through the downward API, as Kubernetes injects it."""
    env = container.setdefault("env", [])
    if any(isinstance(v, dict) and v.get("name") == INDEX_VARIABLE for v in env):
        return
    field_path = f"metadata.annotations['{COMPLETION_INDEX}']"
    env.append({"name": INDEX_VARIABLE, "valueFrom": {"fieldRef": {"fieldPath": field_path}}})


def format_indexes(indexes: set[int]) -> str:
    """Indexes as Kubernetes writes ``completedIndexes``: sorted, runs collapsed.

    >>> format_indexes({0, 1, 2, 4, 6, 7}), format_indexes(set())
    ('0-2,4,6-7', '')
    """
    runs: list[list[int]] = []
    for index in sorted(indexes):
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def parse_indexes(text: str, limit: int) -> set[int]:
    """The indexes below ``limit`` written in ``text`` (malformed parts are skipped).

    >>> sorted(parse_indexes("0-2,4,9", 5))
    [0, 1, 2, 4]
    """
    found: set[int] = set()
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            found.update(range(int(low), min(int(high or low), limit - 1) + 1))
    return found
