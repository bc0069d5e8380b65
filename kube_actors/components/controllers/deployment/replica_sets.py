"""Why: a Deployment reasons about its ReplicaSets as a group: which one runs the current
template (the *new* set) and which are history (the *old* sets), how many replicas they want
and have, in which order they are scaled, and how a change of size is shared among them in
proportion (Kubernetes' ``deploymentutil`` and ``controller`` sorting helpers). Pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from kube_actors.api.times import unix_seconds
from kube_actors.components.controllers.deployment.fenceposts import desired_replicas, max_surge
from kube_actors.components.controllers.deployment.revisions import (
    desired_replicas_annotation,
    equal_ignoring_hash,
    max_replicas_annotation,
    revision_of,
)

JsonObject = dict[str, Any]


def spec_replicas(replica_set: JsonObject) -> int:
    return int(replica_set["spec"].get("replicas", 1))


def status_count(replica_set: JsonObject, field: str) -> int:
    return int((replica_set.get("status") or {}).get(field) or 0)


def total_spec(replica_sets: Iterable[JsonObject | None]) -> int:
    """Replicas the sets want (Kubernetes' GetReplicaCountForReplicaSets)."""
    return sum(spec_replicas(rs) for rs in replica_sets if rs is not None)


def total_status(replica_sets: Iterable[JsonObject | None], field: str) -> int:
    """A status count summed over the sets: ``replicas``, ``readyReplicas``, ``availableReplicas``."""
    return sum(status_count(rs, field) for rs in replica_sets if rs is not None)


def _created(replica_set: JsonObject) -> tuple[float, str]:
    metadata = replica_set["metadata"]
    return unix_seconds(metadata.get("creationTimestamp")) or 0.0, str(metadata["name"])


def by_creation(replica_sets: Iterable[JsonObject]) -> list[JsonObject]:
    """Oldest first; ties by name."""
    return sorted(replica_sets, key=_created)


def by_revision(replica_sets: Iterable[JsonObject]) -> list[JsonObject]:
    """Lowest revision first; ties oldest first."""
    return sorted(replica_sets, key=lambda rs: (revision_of(rs), *_created(rs)))


def by_size(replica_sets: Iterable[JsonObject], *, newer_first: bool) -> list[JsonObject]:
    """Largest first; among equals the newer first (scaling up) or the older first (down)."""
    ordered = sorted(replica_sets, key=_created, reverse=newer_first)
    return sorted(ordered, key=spec_replicas, reverse=True)


def find_new(deployment: JsonObject, replica_sets: Iterable[JsonObject]) -> JsonObject | None:
    """The oldest set whose template is the Deployment's (there may be more after a race)."""
    template = deployment["spec"]["template"]
    for replica_set in by_creation(replica_sets):
        if equal_ignoring_hash(replica_set["spec"]["template"], template):
            return replica_set
    return None


def find_old(new: JsonObject | None, replica_sets: Iterable[JsonObject]) -> list[JsonObject]:
    return [rs for rs in replica_sets if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]


def active(replica_sets: Iterable[JsonObject | None]) -> list[JsonObject]:
    """The sets that want pods."""
    return [rs for rs in replica_sets if rs is not None and spec_replicas(rs) > 0]


def active_or_latest(new: JsonObject | None, old: Sequence[JsonObject]) -> JsonObject | None:
    """The one set that wants pods; if none does, the new set or else the newest old one; None
    when several do."""
    if new is None and not old:
        return None
    newest_first = list(reversed(by_creation(old)))
    wanting = active([*newest_first, new])
    if len(wanting) == 1:
        return wanting[0]
    if not wanting:
        return new if new is not None else newest_first[0]
    return None


def is_saturated(deployment: JsonObject, replica_set: JsonObject | None) -> bool:
    """The set wants, was sized for and has available all the Deployment's replicas."""
    if replica_set is None:
        return False
    desired = desired_replicas(deployment)
    return (
        spec_replicas(replica_set) == desired
        and desired_replicas_annotation(replica_set) == desired
        and status_count(replica_set, "availableReplicas") == desired
    )


def proportion(replica_set: JsonObject, deployment: JsonObject, to_add: int, added: int) -> int:
    """The share of ``to_add`` replicas (negative: to remove) that falls to this set, given
    ``added`` already given to others (Kubernetes' GetProportion)."""
    if spec_replicas(replica_set) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _fraction(replica_set, deployment)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _fraction(replica_set: JsonObject, deployment: JsonObject) -> int:
    desired = desired_replicas(deployment)
    size = spec_replicas(replica_set)
    if desired == 0:
        return -size
    most = desired + max_surge(deployment)
    most_before = max_replicas_annotation(replica_set)
    if not most_before:
        most_before = int((deployment.get("status") or {}).get("replicas") or 0)
    if not most_before:
        return 0
    # Go's math.Round: halves away from zero.
    return math.floor(size * most / most_before + 0.5) - size
