"""Why: a RollingUpdate replaces pods a few at a time: the new ReplicaSet grows while all sets
together stay within ``replicas + maxSurge`` pods, and old sets shrink while at least
``replicas - maxUnavailable`` pods stay available, unhealthy old pods going first so that
they cannot block the rollout. Kubernetes' ``rolling.go``; pure, writing through the sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kube_actors.components.controllers.deployment import progress
from kube_actors.components.controllers.deployment.fenceposts import desired_replicas, max_unavailable
from kube_actors.components.controllers.deployment.replica_sets import (
    active,
    by_creation,
    spec_replicas,
    status_count,
    total_spec,
    total_status,
)

if TYPE_CHECKING:
    from kube_actors.components.controllers.deployment.reconciling import Syncing

JsonObject = dict[str, Any]


def roll_out(sync: Syncing) -> None:
    """One step of a rolling update: scale up if possible, else scale down if possible, and
    once complete prune the history; then report status."""
    new, old = sync.new_and_old(create=True)
    assert new is not None
    sets = [*old, new]
    if grow_new_set(sync, sets, new) or shrink_old_sets(sync, sets, active(old), new):
        sync.sync_rollout_status(sets, new)
        return
    if progress.is_complete(sync.d, sync.d.get("status") or {}):
        sync.clean_up(old)
    sync.sync_rollout_status(sets, new)


def grow_new_set(sync: Syncing, sets: Sequence[JsonObject], new: JsonObject) -> bool:
    desired = desired_replicas(sync.d)
    if spec_replicas(new) == desired:
        return False
    if spec_replicas(new) > desired:
        return sync.scale(new, desired)[0]
    return sync.scale(new, sync.new_set_replicas(sets, new))[0]


def shrink_old_sets(
    sync: Syncing, sets: Sequence[JsonObject], old: Sequence[JsonObject], new: JsonObject
) -> bool:
    """Scale old sets down as far as availability allows (Kubernetes' reconcileOldReplicaSets)."""
    if total_spec(old) == 0:
        return False
    d = sync.d
    least_available = desired_replicas(d) - max_unavailable(d)
    new_unavailable = spec_replicas(new) - status_count(new, "availableReplicas")
    most_to_remove = total_spec(sets) - least_available - new_unavailable
    if most_to_remove <= 0:
        return False
    old, cleaned = _remove_unhealthy(sync, old, most_to_remove)
    removed = _remove_available(sync, [*old, new], old)
    return cleaned + removed > 0


def _remove_unhealthy(sync: Syncing, old: Sequence[JsonObject], most: int) -> tuple[list[JsonObject], int]:
    """Scale down old sets by their unavailable replicas first, oldest set first: removing
    those does not lower availability."""
    updated = by_creation(old)
    removed = 0
    for index, rs in enumerate(updated):
        if removed >= most:
            break
        unhealthy = spec_replicas(rs) - status_count(rs, "availableReplicas")
        if spec_replicas(rs) == 0 or unhealthy <= 0:
            continue
        count = min(most - removed, unhealthy)
        _, updated[index] = sync.scale(rs, spec_replicas(rs) - count)
        removed += count
    return updated, removed


def _remove_available(sync: Syncing, sets: Sequence[JsonObject], old: Sequence[JsonObject]) -> int:
    """Scale down old sets while more than ``replicas - maxUnavailable`` pods stay available."""
    least_available = desired_replicas(sync.d) - max_unavailable(sync.d)
    available = total_status(sets, "availableReplicas")
    if available <= least_available:
        return 0
    to_remove, removed = available - least_available, 0
    for rs in by_creation(old):
        if removed >= to_remove:
            break
        if spec_replicas(rs) == 0:
            continue
        count = min(spec_replicas(rs), to_remove - removed)
        sync.scale(rs, spec_replicas(rs) - count)
        removed += count
    return removed
