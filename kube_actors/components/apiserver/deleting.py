"""Why: deleting in Kubernetes is often a state, not an instant. An object with finalizers, a
pod still running on a node, or a namespace with content is first marked (``deletionTimestamp``)
and only disappears once whoever is responsible (a controller, the kubelet) lets it go.
A CustomResourceDefinition waits until its custom objects are deleted.
``propagationPolicy`` decides what happens to dependents: Foreground and Orphan add the
finalizers the garbage collector acts on. Pure: the object store applies the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import CUSTOM_RESOURCE_DEFINITIONS, NAMESPACES, PODS, ResourceType
from kube_actors.components.apiserver.crds.definitions import CLEANUP_FINALIZER, terminating

JsonObject = dict[str, Any]
POLICY_FINALIZERS = {"Foreground": "foregroundDeletion", "Orphan": "orphan"}
DEFAULT_POD_GRACE = 30


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    propagation: str = "Background"
    grace_period: int | None = None
    precondition_uid: str = ""
    precondition_version: str = ""

    def __post_init__(self) -> None:
        if self.propagation not in ("Background", "Foreground", "Orphan"):
            raise status.BadRequest(
                f"unsupported propagationPolicy {self.propagation!r}: use Background, Foreground or Orphan"
            )
        if self.grace_period is not None and self.grace_period < 0:
            raise status.BadRequest("gracePeriodSeconds must not be negative")

    @classmethod
    def parse(cls, query: Any, body: Any) -> DeleteOptions:
        """From the query string and an optional ``DeleteOptions`` body (kubectl sends one)."""
        given = body if isinstance(body, dict) else {}
        grace = query.get("gracePeriodSeconds", given.get("gracePeriodSeconds"))
        try:
            grace_period = None if grace is None else int(grace)
        except (TypeError, ValueError):
            raise status.BadRequest(f"gracePeriodSeconds must be a whole number, got {grace!r}") from None
        preconditions = given.get("preconditions") or {}
        return cls(
            propagation=query.get("propagationPolicy", given.get("propagationPolicy")) or "Background",
            grace_period=grace_period,
            precondition_uid=str(preconditions.get("uid") or ""),
            precondition_version=str(preconditions.get("resourceVersion") or ""),
        )


def plan_deletion(
    resource: ResourceType, obj: JsonObject, options: DeleteOptions, when: str
) -> JsonObject | None:
    """None if the object goes now; otherwise the object as marked for deletion at ``when``."""
    metadata = obj["metadata"]
    if options.precondition_uid and options.precondition_uid != metadata.get("uid"):
        raise status.Conflict(f"Precondition failed: UID in precondition: {options.precondition_uid}")
    if options.precondition_version and options.precondition_version != metadata.get("resourceVersion"):
        raise status.Conflict(
            f"Precondition failed: ResourceVersion in precondition: {options.precondition_version}"
        )
    finalizers = list(metadata.get("finalizers") or [])
    added = POLICY_FINALIZERS.get(options.propagation)
    if added and added not in finalizers:
        finalizers.append(added)
    if resource is CUSTOM_RESOURCE_DEFINITIONS and CLEANUP_FINALIZER not in finalizers:
        finalizers.append(CLEANUP_FINALIZER)  # held until its custom objects are deleted
    grace = _pod_grace(resource, obj, options)
    if not finalizers and not grace and resource is not NAMESPACES:
        return None
    if metadata.get("deletionTimestamp"):
        return obj  # already being deleted: asking again changes nothing
    marked = {**obj, "metadata": {**metadata, "deletionTimestamp": when, "deletionGracePeriodSeconds": grace}}
    if finalizers:
        marked["metadata"]["finalizers"] = finalizers
    if resource is NAMESPACES:
        marked["status"] = {**obj.get("status", {}), "phase": "Terminating"}
    if resource is CUSTOM_RESOURCE_DEFINITIONS:
        marked = terminating(marked, when)
    return marked


def deletion_finished(resource: ResourceType, obj: JsonObject) -> bool:
    """An object marked for deletion that nothing holds any longer."""
    metadata = obj.get("metadata", {})
    if not metadata.get("deletionTimestamp") or metadata.get("finalizers"):
        return False
    if resource is NAMESPACES:
        return not obj.get("spec", {}).get("finalizers")
    return not (resource is PODS and metadata.get("deletionGracePeriodSeconds"))


def _pod_grace(resource: ResourceType, obj: JsonObject, options: DeleteOptions) -> int:
    """Seconds a pod on a node gets to stop; 0 for anything else (unscheduled pods, and pods
    that have finished: nothing runs that could stop gracefully)."""
    if resource is not PODS or not obj.get("spec", {}).get("nodeName"):
        return 0
    if obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    if options.grace_period is not None:
        return options.grace_period
    grace: int = obj["spec"].get("terminationGracePeriodSeconds", DEFAULT_POD_GRACE)
    return grace
