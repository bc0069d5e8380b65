"""Why: the ``status`` and ``scale`` subresources, as Kubernetes splits who writes what.

Controllers and kubelets write ``.status`` through ``/status`` and users write the rest through
the object itself, so neither overwrites the other's half. ``/scale`` shows and changes only the
replica count, as an ``autoscaling/v1 Scale`` (``kubectl scale``, the HPA).
"""

from __future__ import annotations

import copy
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.components.apiserver.objects import Shape

JsonObject = dict[str, Any]
SERVED_SUBRESOURCES = frozenset({"status", "scale"})


def scale_of(obj: JsonObject) -> JsonObject:
    """The ``Scale`` view of a workload."""
    metadata = obj["metadata"]
    selector = obj.get("spec", {}).get("selector", {}).get("matchLabels", {})
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
        "status": {
            "replicas": obj.get("status", {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
        },
    }


def initial_status(kind: str) -> JsonObject:
    """The status a new object starts with, whatever the client sent (as Kubernetes resets it).

    >>> initial_status("Pod"), initial_status("Deployment")
    ({'phase': 'Pending'}, {})
    """
    return dict(_INITIAL_STATUS.get(kind, {}))


_INITIAL_STATUS: dict[str, JsonObject] = {
    "Pod": {"phase": "Pending"},
    "Namespace": {"phase": "Active"},
    "PersistentVolume": {"phase": "Pending"},
    "PersistentVolumeClaim": {"phase": "Pending"},
}


def shape_for(resource: ResourceType, subresource: str) -> Shape | None:
    """How a write through ``subresource`` (or the object itself: "") makes the new object."""
    if subresource == "status":
        return _status_only
    if subresource == "scale":
        return _replicas_only
    if "status" in resource.subresources:
        return _all_but_status
    return None


def _status_only(old: JsonObject, new: JsonObject) -> JsonObject:
    shaped = copy.deepcopy(old)
    shaped["status"] = new.get("status", {})
    if "resourceVersion" in new.get("metadata", {}):
        shaped["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"]
    return shaped


def _all_but_status(old: JsonObject, new: JsonObject) -> JsonObject:
    shaped = dict(new)
    if "status" in old:
        shaped["status"] = old["status"]
    else:
        shaped.pop("status", None)
    return shaped


def _replicas_only(old: JsonObject, scale: JsonObject) -> JsonObject:
    replicas = scale.get("spec", {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        problem = f"Invalid value: {replicas!r}: must be a non-negative integer"
        raise status.invalid("Scale", old["metadata"]["name"], [("spec.replicas", problem)])
    shaped = copy.deepcopy(old)
    shaped.setdefault("spec", {})["replicas"] = replicas
    if "resourceVersion" in scale.get("metadata", {}):
        shaped["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"]
    return shaped
