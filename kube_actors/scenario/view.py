"""Why: every expectation, every ``when:`` condition and every metric reads the same thing: the
cluster as its watch stream has shown it so far. ``ClusterView`` folds ``{"type", "object"}``
events of the watched resources into current objects (sans-IO: no clock, no actor), and the
functions below read Kubernetes facts off objects the way kubectl does (a pod's phase, whether
it is ready, owned, a DaemonSet's; whether a node is Ready; whether a Deployment is available).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kube_actors.api.selectors import label_selector

JsonObject = dict[str, Any]

PODS, NODES, EVENTS = "pods", "nodes", "events"
DEPLOYMENTS, REPLICASETS = "deployments.apps", "replicasets.apps"
STATEFULSETS, DAEMONSETS, JOBS = "statefulsets.apps", "daemonsets.apps", "jobs.batch"
WATCHED = (NODES, PODS, DEPLOYMENTS, REPLICASETS, STATEFULSETS, DAEMONSETS, JOBS, EVENTS)


def key_of(obj: JsonObject) -> str:
    metadata = obj.get("metadata", {})
    namespace = metadata.get("namespace", "")
    return f"{namespace}/{metadata.get('name', '')}" if namespace else str(metadata.get("name", ""))


class ClusterView:
    """Current objects of the watched resources, by ``namespace/name`` (``name`` if cluster-scoped)."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, JsonObject]] = {resource: {} for resource in WATCHED}
        self.deleted_pods: dict[str, JsonObject] = {}
        """Pods seen deleted, by uid: their last state (checks ask where a pod went)."""

    def apply(self, resource: str, event: JsonObject) -> tuple[JsonObject | None, JsonObject | None]:
        """Fold one watch event in; returns the object's previous and new state."""
        kind, obj = event["type"], event["object"]
        objects = self.objects.setdefault(resource, {})
        key = key_of(obj)
        old = objects.get(key)
        if kind == "DELETED":
            objects.pop(key, None)
            if resource == PODS:
                self.deleted_pods[uid_of(obj)] = obj
            return old, None
        if kind in ("ADDED", "MODIFIED"):
            objects[key] = obj
            return old, obj
        return old, old  # BOOKMARK and the like change nothing

    def get(self, resource: str, namespace: str, name: str) -> JsonObject | None:
        return self.objects.get(resource, {}).get(f"{namespace}/{name}" if namespace else name)

    def pods(self, selector: str = "", namespace: str | None = None) -> list[JsonObject]:
        return select(self.objects[PODS].values(), selector, namespace)

    def nodes(self) -> list[JsonObject]:
        return list(self.objects[NODES].values())

    def node(self, name: str) -> JsonObject | None:
        return self.objects[NODES].get(name)

    def pods_on(self, node: str) -> list[JsonObject]:
        return [pod for pod in self.objects[PODS].values() if node_of(pod) == node]


def select(
    objects: Iterable[JsonObject], selector: str = "", namespace: str | None = None
) -> list[JsonObject]:
    matches: Callable[[JsonObject], bool] = label_selector(selector) if selector else (lambda _: True)
    return [
        obj
        for obj in objects
        if (namespace is None or obj["metadata"].get("namespace", "") == namespace) and matches(obj)
    ]


def uid_of(obj: JsonObject) -> str:
    return str(obj.get("metadata", {}).get("uid", "") or key_of(obj))


def node_of(pod: JsonObject) -> str:
    return str(pod.get("spec", {}).get("nodeName", "") or "")


def phase_of(pod: JsonObject) -> str:
    return str(pod.get("status", {}).get("phase", "") or "Pending")


def is_terminating(obj: JsonObject) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def condition_status(obj: JsonObject, kind: str) -> str:
    for condition in obj.get("status", {}).get("conditions") or []:
        if condition.get("type") == kind:
            return str(condition.get("status", "Unknown"))
    return ""


def is_pod_ready(pod: JsonObject) -> bool:
    return phase_of(pod) == "Running" and condition_status(pod, "Ready") == "True"


def is_node_ready(node: JsonObject) -> bool:
    return condition_status(node, "Ready") == "True"


def is_node_up(node: JsonObject) -> bool:
    """Ready, and no longer tainted as not ready (the node lifecycle controller lifts the taint
    admission put on the new Node): the scheduler may use it."""
    taints = node.get("spec", {}).get("taints") or []
    return is_node_ready(node) and not any(t.get("key") == "node.kubernetes.io/not-ready" for t in taints)


def controller_of(obj: JsonObject) -> JsonObject | None:
    for owner in obj.get("metadata", {}).get("ownerReferences") or []:
        if owner.get("controller"):
            return dict(owner)
    return None


def is_daemonset_pod(pod: JsonObject) -> bool:
    owner = controller_of(pod)
    return owner is not None and owner.get("kind") == "DaemonSet"


def restarts_of(pod: JsonObject) -> int:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    return max((int(s.get("restartCount", 0)) for s in statuses), default=0)


def deployment_available(deployment: JsonObject) -> bool:
    """A finished rollout, as ``kubectl rollout status`` waits for it: the controller has seen
    the current generation, and every replica is updated and available, none left over."""
    spec, status = deployment.get("spec", {}), deployment.get("status", {})
    replicas = int(spec.get("replicas", 1))
    generation = int(deployment.get("metadata", {}).get("generation", 0))
    return (
        int(status.get("observedGeneration", 0)) >= generation
        and int(status.get("updatedReplicas", 0)) == replicas
        and int(status.get("availableReplicas", 0)) == replicas
        and int(status.get("replicas", 0)) == replicas
    )


def statefulset_ready(statefulset: JsonObject) -> bool:
    spec, status = statefulset.get("spec", {}), statefulset.get("status", {})
    replicas = int(spec.get("replicas", 1))
    generation = int(statefulset.get("metadata", {}).get("generation", 0))
    return (
        int(status.get("observedGeneration", 0)) >= generation
        and int(status.get("readyReplicas", 0)) == replicas
        and int(status.get("updatedReplicas", replicas)) == replicas
    )


def daemonset_ready(daemonset: JsonObject) -> bool:
    status = daemonset.get("status", {})
    generation = int(daemonset.get("metadata", {}).get("generation", 0))
    desired = int(status.get("desiredNumberScheduled", -1))
    return (
        int(status.get("observedGeneration", 0)) >= generation
        and desired >= 0
        and int(status.get("numberReady", 0)) == desired
        and int(status.get("updatedNumberScheduled", desired)) == desired
    )


def job_complete(job: JsonObject) -> bool:
    return condition_status(job, "Complete") == "True"
