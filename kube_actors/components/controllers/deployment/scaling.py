"""Why: when a Deployment's ``replicas`` changes in the middle of a rollout (``kubectl scale``,
an autoscaler), the change is shared among its active ReplicaSets in proportion to their
sizes, so that the rollout's progress is kept: Kubernetes' ``scale`` in ``sync.go``. With
one active set, that set simply takes the new size. Pure, writing through the sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kube_actors.components.controllers.deployment.fenceposts import (
    desired_replicas,
    is_rolling_update,
    max_surge,
)
from kube_actors.components.controllers.deployment.replica_sets import (
    active,
    active_or_latest,
    by_size,
    is_saturated,
    proportion,
    spec_replicas,
    total_spec,
)

if TYPE_CHECKING:
    from kube_actors.components.controllers.deployment.reconciling import Syncing

JsonObject = dict[str, Any]


def scale_proportionally(sync: Syncing, new: JsonObject | None, old: Sequence[JsonObject]) -> None:
    d = sync.d
    desired = desired_replicas(d)
    only = active_or_latest(new, old)
    if only is not None:
        if spec_replicas(only) != desired:
            sync.scale(only, desired)
        return
    if is_saturated(d, new):
        for rs in active(old):
            sync.scale(rs, 0)
        return
    if not is_rolling_update(d):
        return
    sets = active([*old, new])
    allowed = desired + max_surge(d) if desired > 0 else 0
    to_add = allowed - total_spec(sets)
    if to_add > 0:
        sets = by_size(sets, newer_first=True)
    elif to_add < 0:
        sets = by_size(sets, newer_first=False)
    sizes, added = [], 0
    for rs in sets:
        share = proportion(rs, d, to_add, added) if to_add else 0
        sizes.append(spec_replicas(rs) + share)
        added += share
    if sets and to_add:
        sizes[0] = max(sizes[0] + to_add - added, 0)  # leftovers go to the largest set
    for rs, size in zip(sets, sizes, strict=True):
        sync.scale(rs, size, only_if_size_changes=False)
