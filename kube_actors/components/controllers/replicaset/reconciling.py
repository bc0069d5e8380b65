"""Why: the ReplicaSet controller's decision, apart from all I/O: given a set, the pods that
could be its own and whether the cache has caught up with its last writes, which pods to adopt
and release, how many to create, which to delete, and what its status becomes. This is
Kubernetes' ``syncReplicaSet`` and ``manageReplicas``; the actor shell (``controller.py``) sends
the writes, creating pods in slow-start batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from kube_actors.components.controllers.garbage_collector.ownership import controller_reference
from kube_actors.components.controllers.replicaset.ownership import claim
from kube_actors.components.controllers.replicaset.pods import is_active
from kube_actors.components.controllers.replicaset.ranking import pods_to_delete

JsonObject = dict[str, Any]
BURST_REPLICAS = 500  # at most this many pods created or deleted per sync, as in Kubernetes


class PodView(Protocol):
    """What the core reads of the pods, from the shell's cache."""

    def candidates(self, replica_set: JsonObject) -> Sequence[JsonObject]:
        """The pods in the set's namespace it controls, and the orphans there (any others are
        another controller's and never its own)."""
        ...

    def related(self, replica_set: JsonObject) -> Sequence[JsonObject]:
        """The pods of every set controlled by the same owner as this one (only this set's if
        it has no owner): siblings on a node make a pod the first to go."""
        ...


@dataclass(frozen=True, slots=True)
class ReplicaSetSync:
    """One sync's decisions: ownership patches first, then pods to create (``create`` copies of
    ``pod_template(replica_set)``) or delete; ``pods`` are the set's active pods as they were,
    from which the shell computes the status once the writes are done."""

    replica_set: JsonObject
    pods: list[JsonObject]
    adopt: list[JsonObject] = field(default_factory=list)
    release: list[JsonObject] = field(default_factory=list)
    create: int = 0
    delete: list[JsonObject] = field(default_factory=list)


def plan_sync(
    replica_set: JsonObject, view: PodView, *, expectations_met: bool, now: float
) -> ReplicaSetSync:
    """Decide one sync of ``replica_set``. Pods are managed only once the cache has seen what
    the last sync asked for (``expectations_met``) and never while the set is being deleted."""
    claims = claim(replica_set, view.candidates(replica_set))
    active = [pod for pod in claims.owned if is_active(pod)]
    sync = ReplicaSetSync(replica_set, active, claims.adopt, claims.release)
    if not expectations_met or replica_set["metadata"].get("deletionTimestamp"):
        return sync
    diff = len(active) - int(replica_set["spec"].get("replicas", 1))
    if diff < 0:
        return ReplicaSetSync(
            replica_set, active, claims.adopt, claims.release, create=min(-diff, BURST_REPLICAS)
        )
    if diff > 0:
        doomed = pods_to_delete(active, view.related(replica_set), min(diff, BURST_REPLICAS), now)
        return ReplicaSetSync(replica_set, active, claims.adopt, claims.release, delete=doomed)
    return sync


def pod_template(replica_set: JsonObject) -> JsonObject:
    """The pod the set creates (Kubernetes' ``GetPodFromTemplate``): the template's labels,
    annotations, finalizers and spec, named ``<set>-<random>`` and controlled by the set.
    It shares those parts with ``replica_set``: a message body, read-only like the set."""
    metadata = replica_set["metadata"]
    template = replica_set["spec"].get("template") or {}
    template_meta = template.get("metadata") or {}
    pod_meta: JsonObject = {
        "generateName": f"{metadata['name']}-",
        "namespace": metadata.get("namespace", ""),
    }
    for name in ("labels", "annotations", "finalizers"):
        if template_meta.get(name):
            pod_meta[name] = template_meta[name]
    pod_meta["ownerReferences"] = [controller_reference(replica_set)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": template.get("spec") or {},
    }


def slow_start_batches(count: int, initial: int = 1) -> list[int]:
    """Batch sizes for creating ``count`` pods: 1, 2, 4, ... so that a set whose pods all fail
    (a bad template, a quota) makes one failed request, not hundreds.

    >>> slow_start_batches(30), slow_start_batches(0)
    ([1, 2, 4, 8, 15], [])
    """
    sizes, size, left = [], initial, count
    while left > 0:
        batch = min(size, left)
        sizes.append(batch)
        left -= batch
        size *= 2
    return sizes
