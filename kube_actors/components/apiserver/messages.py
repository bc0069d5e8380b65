"""Why: the API verbs as actor messages, for in-cluster components (scheduler, kubelets,
controllers) that talk to the apiserver without HTTP.

A resource is named as kubectl names it: ``pods``, ``deployments.apps``,
``leases.coordination.k8s.io``. Objects are plain dicts, exactly as the REST API shows them;
failures come back as the same ``ApiError``s (``NotFoundError``, ``ConflictError``, ...). A watch
sends ``ObjectEvents`` batches to the watcher, each asked, so a slow watcher slows its stream.
"""

from __future__ import annotations

from typing import Any

from kube_actors.runtime.message import message

JsonObject = dict[str, Any]

# A patch's content type (``PatchObject.patch_type``), as HTTP clients send it.
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


@message("api.Get")
class GetObject:
    resource: str
    namespace: str
    name: str
    subresource: str = ""


@message("api.List")
class ListObjects:
    """``resource_version="0"``: any recent version will do (served from the watch cache)."""

    resource: str
    namespace: str = ""
    label_selector: str = ""
    field_selector: str = ""
    resource_version: str = ""


@message("api.Create")
class CreateObject:
    resource: str
    namespace: str
    body: JsonObject


@message("api.Replace")
class ReplaceObject:
    resource: str
    namespace: str
    name: str
    body: JsonObject
    subresource: str = ""


@message("api.Patch")
class PatchObject:
    resource: str
    namespace: str
    name: str
    patch: Any
    patch_type: str = MERGE_PATCH
    subresource: str = ""


@message("api.Delete")
class DeleteObject:
    """``grace_period`` None: the pod's own; 0: at once (what a kubelet sends when done).
    ``uid``: delete only this incarnation of the object (a 409 if the name now has another)."""

    resource: str
    namespace: str
    name: str
    grace_period: int | None = None
    propagation: str = "Background"
    uid: str = ""


@message("api.Bind")
class BindPod:
    """What the scheduler sends: put pod ``name`` on ``node`` (409 if it is on one already)."""

    namespace: str
    name: str
    node: str


@message("api.Evict")
class EvictPod:
    """Delete a pod unless a PodDisruptionBudget forbids it now (429 TooManyRequests)."""

    namespace: str
    name: str
    grace_period: int | None = None


@message("api.Watch")
class WatchObjects:
    """Send ``ObjectEvents`` for ``resource`` to the actor at ``watcher`` (an address)."""

    watch_id: str
    watcher: str
    resource: str
    namespace: str = ""
    resource_version: str = ""
    label_selector: str = ""
    field_selector: str = ""


@message("api.StopWatch")
class StopWatch:
    watch_id: str
    watcher: str


@message("api.ObjectEvents")
class ObjectEvents:
    """Watch events as the REST API streams them: ``{"type": ..., "object": ...}``; an
    ``ERROR`` event (410 Expired) is the last of its watch."""

    watch_id: str
    events: list[JsonObject]
