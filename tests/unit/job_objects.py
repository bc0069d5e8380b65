"""Jobs and their pods for the Job controller's unit tests."""

from __future__ import annotations

from typing import Any

from kube_actors.api.times import timestamp
from kube_actors.components.controllers.job.pods import COMPLETION_INDEX, TRACKING_FINALIZER

NOW = 1_767_225_600.0


def job(status: dict[str, Any] | None = None, *, deleting: bool = False, **spec: Any) -> dict[str, Any]:
    full_spec: dict[str, Any] = {
        "parallelism": 1,
        "completions": 1,
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "suspend": False,
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "job-uid"}},
        "template": {
            "metadata": {"labels": {"batch.kubernetes.io/controller-uid": "job-uid", "job-name": "pi"}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl:5.34"}]},
        },
    }
    full_spec.update(spec)
    metadata: dict[str, Any] = {
        "name": "pi",
        "namespace": "default",
        "uid": "job-uid",
        "resourceVersion": "7",
    }
    if deleting:
        metadata["deletionTimestamp"] = timestamp(NOW - 1)
        metadata["finalizers"] = ["foregroundDeletion"]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": full_spec,
        "status": status or {},
    }


def pod(
    name: str,
    phase: str = "Running",
    *,
    tracked: bool = True,
    deleting: bool = False,
    finished: float | None = None,
    index: int | None = None,
    ready: bool = False,
    restarts: int = 0,
    node: str = "node-1",
    created: float = NOW - 60,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "creationTimestamp": timestamp(created),
        "ownerReferences": [
            {"apiVersion": "batch/v1", "kind": "Job", "name": "pi", "uid": "job-uid", "controller": True}
        ],
    }
    if tracked:
        metadata["finalizers"] = [TRACKING_FINALIZER]
    if deleting:
        metadata["deletionTimestamp"] = timestamp(NOW - 1)
    if index is not None:
        metadata["annotations"] = {COMPLETION_INDEX: str(index)}
    status: dict[str, Any] = {"phase": phase}
    container: dict[str, Any] = {"name": "pi", "restartCount": restarts}
    if finished is not None:
        container["state"] = {"terminated": {"finishedAt": timestamp(finished)}}
    status["containerStatuses"] = [container]
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True"}]
    return {"metadata": metadata, "spec": {"nodeName": node} if node else {}, "status": status}
