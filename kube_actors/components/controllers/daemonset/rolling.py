"""Why: a DaemonSet's RollingUpdate replaces pods node by node, as Kubernetes'
``rollingUpdate`` does. Without surge, an old pod is deleted (and the manage step then makes
the new one) while fewer than ``maxUnavailable`` nodes lack an available pod; old pods that are
not available anyway always go. With ``maxSurge``, the new pod starts beside the old one on up
to ``maxSurge`` nodes at a time, and the old pod goes once the new one is available. Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kube_actors.components.controllers.daemonset.pods import is_updated
from kube_actors.components.controllers.replicaset.pods import is_available

JsonObject = dict[str, Any]


@dataclass(slots=True)
class RollingStep:
    delete: list[str] = field(default_factory=list)
    create_on: list[str] = field(default_factory=list)


def scaled(value: Any, total: int) -> int:
    """An int-or-percent of ``total``, rounded up, as Kubernetes scales these two.

    >>> scaled("25%", 10), scaled(2, 10), scaled(None, 10)
    (3, 2, 0)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(int(value[:-1]) * total / 100)
    return 0


def limits(daemon_set: JsonObject, desired: int) -> tuple[int, int]:
    """``(maxSurge, maxUnavailable)`` for ``desired`` nodes; never both zero."""
    rolling = (daemon_set["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
    surge = scaled(rolling.get("maxSurge", 0), desired)
    unavailable = scaled(rolling.get("maxUnavailable", 1), desired)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def roll(
    daemon_set: JsonObject,
    by_node: dict[str, list[JsonObject]],
    desired_nodes: list[str],
    revision: str,
    now: float,
) -> RollingStep:
    """One step of the update over the nodes the set should run on (and those it has pods on)."""
    min_ready = int(daemon_set["spec"].get("minReadySeconds") or 0)
    generation = int(daemon_set["metadata"].get("generation", 1))
    max_surge, max_unavailable = limits(daemon_set, len(desired_nodes))
    step = RollingStep()
    unavailable = surging = 0
    candidates: list[str] = []  # old pods (no surge) or nodes (surge) that may be replaced now
    for node in sorted(set(desired_nodes) | set(by_node)):
        live = [p for p in by_node.get(node, []) if not p["metadata"].get("deletionTimestamp")]
        new = [p for p in live if is_updated(p, revision, generation)]
        old = [p for p in live if not is_updated(p, revision, generation)]
        if len(new) > 1 or len(old) > 1:
            unavailable += 1  # the manage step removes the extra pods first
            surging += 1
            continue
        if max_surge == 0:
            if bool(old) == bool(new):
                unavailable += 1  # no pod yet, or both: the manage step settles it
            elif new:
                unavailable += 0 if is_available(new[0], min_ready, now) else 1
            elif not is_available(old[0], min_ready, now):
                step.delete.append(old[0]["metadata"]["name"])  # not serving anyway
            elif unavailable < max_unavailable:
                candidates.append(old[0]["metadata"]["name"])
        elif old and not new:
            if not is_available(old[0], min_ready, now):
                step.create_on.append(node)
            elif surging < max_surge:
                candidates.append(node)
        elif old and new:
            if is_available(new[0], min_ready, now):
                step.delete.append(old[0]["metadata"]["name"])
            else:
                surging += 1
    if max_surge == 0:
        step.delete += candidates[: max(0, min(max_unavailable - unavailable, len(candidates)))]
    else:
        step.create_on += candidates[: max(0, min(max_surge - surging, len(candidates)))]
    return step
