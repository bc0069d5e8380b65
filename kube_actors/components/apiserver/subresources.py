"""Why: the ``status`` and ``scale`` subresources, as Kubernetes splits who writes what.

Controllers and kubelets write ``.status`` through ``/status`` and users write the rest through
the object itself, so neither overwrites the other's half. ``/scale`` shows and changes only the
replica count, as an ``autoscaling/v1 Scale`` (``kubectl scale``, the HPA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kube_actors.api import status
from kube_actors.api.resources import ResourceType
from kube_actors.api.trees import copy_tree

if TYPE_CHECKING:  # objects imports deleting, which reads CRDs through crds.definitions, which needs this
    from kube_actors.components.apiserver.objects import Shape

JsonObject = dict[str, Any]
SERVED_SUBRESOURCES = frozenset({"status", "scale", "binding", "eviction", "log", "finalize"})
ACTIONS = frozenset({"binding", "eviction"})  # subresources one POSTs to


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """Where a type keeps what its ``Scale`` shows, as a CRD's ``scale`` subresource names them
    (``.spec.replicas``); built-in workloads use the defaults, with their label selector's
    ``matchLabels`` as the Scale's selector."""

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str = ""
    """A path to the selector, already a string (custom resources); "" for a workload's
    ``spec.selector.matchLabels``."""
    default_replicas: int = 1


WORKLOADS = ScalePaths()


def path_get(obj: JsonObject, path: str) -> Any:
    """The value at a simple JSON path such as ``.spec.replicas``, or None.

    >>> path_get({"spec": {"replicas": 3}}, ".spec.replicas"), path_get({}, ".status.replicas")
    (3, None)
    """
    node: Any = obj
    for part in path.strip(".").split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def path_set(obj: JsonObject, path: str, value: Any) -> None:
    """Set the value at a simple JSON path, making the maps on the way."""
    *parents, last = path.strip(".").split(".")
    node = obj
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def scale_of(obj: JsonObject, paths: ScalePaths = WORKLOADS) -> JsonObject:
    """The ``Scale`` view of a workload or a custom resource."""
    metadata = obj["metadata"]
    if paths.label_selector:
        found = path_get(obj, paths.label_selector)
        selector = found if isinstance(found, str) else ""
    else:
        labels = obj.get("spec", {}).get("selector", {}).get("matchLabels", {})
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    replicas = path_get(obj, paths.spec_replicas)
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": paths.default_replicas if replicas is None else replicas},
        "status": {"replicas": path_get(obj, paths.status_replicas) or 0, "selector": selector},
    }


def initial_status(kind: str, sent: object) -> JsonObject:
    """The status a new object starts with, whatever the client sent (as Kubernetes resets it),
    except a Node's: a kubelet registers its node with capacity and conditions in one create.

    >>> initial_status("Pod", {"phase": "Running"}), initial_status("Deployment", None)
    ({'phase': 'Pending'}, {})
    >>> initial_status("Node", {"capacity": {"cpu": "4"}})
    {'capacity': {'cpu': '4'}}
    """
    if kind in _KEPT_ON_CREATE and isinstance(sent, dict):
        return sent
    return dict(_INITIAL_STATUS.get(kind, {}))


_KEPT_ON_CREATE = ("Node",)


_INITIAL_STATUS: dict[str, JsonObject] = {
    "Pod": {"phase": "Pending"},
    "Namespace": {"phase": "Active"},
    "PersistentVolume": {"phase": "Pending"},
    "PersistentVolumeClaim": {"phase": "Pending"},
}


def shape_for(resource: ResourceType, subresource: str, scale: ScalePaths = WORKLOADS) -> Shape | None:
    """How a write through ``subresource`` (or the object itself: "") makes the new object."""
    if subresource == "status":
        return _status_only
    if subresource == "scale":
        return lambda old, new: _replicas_only(old, new, scale)
    if subresource == "finalize":
        return _finalizers_only
    if "finalize" in resource.subresources:  # a Namespace's spec.finalizers change through /finalize only
        return lambda old, new: _all_but_finalizers(old, _all_but_status(old, new))
    if "status" in resource.subresources:
        return _all_but_status
    return None


def _finalizers_only(old: JsonObject, new: JsonObject) -> JsonObject:
    """``namespaces/{name}/finalize``: only ``spec.finalizers`` changes (the namespace
    controller lets a namespace go by emptying it)."""
    shaped = copy_tree(old)
    shaped.setdefault("spec", {})["finalizers"] = copy_tree(new.get("spec", {}).get("finalizers") or [])
    if "resourceVersion" in new.get("metadata", {}):
        shaped["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"]
    return shaped


def _all_but_finalizers(old: JsonObject, new: JsonObject) -> JsonObject:
    shaped = dict(new)
    shaped["spec"] = {**(new.get("spec") or {}), "finalizers": (old.get("spec") or {}).get("finalizers", [])}
    return shaped


def _status_only(old: JsonObject, new: JsonObject) -> JsonObject:
    # Shares the stored object's parts: defaulting copies the whole before it changes any.
    shaped = {**old, "metadata": dict(old["metadata"]), "status": new.get("status", {})}
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


def _replicas_only(old: JsonObject, scale: JsonObject, paths: ScalePaths) -> JsonObject:
    replicas = scale.get("spec", {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        problem = f"Invalid value: {replicas!r}: must be a non-negative integer"
        raise status.invalid("Scale", old["metadata"]["name"], [("spec.replicas", problem)])
    shaped = copy_tree(old)
    path_set(shaped, paths.spec_replicas, replicas)
    if "resourceVersion" in scale.get("metadata", {}):
        shaped["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"]
    return shaped
