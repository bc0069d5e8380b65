"""Why: a ``NoExecute`` taint on a node evicts the pods there that do not tolerate it, at once,
and those that tolerate it for ``tolerationSeconds`` once that time has passed (300 s for the
not-ready and unreachable taints, which the apiserver's DefaultTolerationSeconds admission gives
every pod). This is Kubernetes' taint-eviction controller, sans-IO: it says when each pod must
go, remembering when it first saw the pod under the taint, and forgets the schedule when the
taint goes (the node came back). The shell (``node_lifecycle.py``) does the deleting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.scheduling.taints import Taint, Toleration

JsonObject = dict[str, Any]
EVICTION_REASON = "DeletionByTaintManager"
EVICTION_MESSAGE = "Taint manager: deleting due to NoExecute taint"


def tolerates(toleration: JsonObject, taint: JsonObject) -> bool:
    """Whether one toleration (an API object) covers one taint, by the scheduler's rule
    (``scheduling.taints``, Kubernetes' ``ToleratesTaint``).

    >>> taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    >>> tolerates({"key": "node.kubernetes.io/unreachable", "operator": "Exists"}, taint)
    True
    >>> tolerates({"operator": "Exists"}, taint), tolerates({"key": "other", "operator": "Exists"}, taint)
    (True, False)
    """
    text = {name: str(toleration.get(name) or "") for name in ("key", "operator", "value", "effect")}
    matcher = Toleration(text["key"], text["operator"] or "Equal", text["value"], text["effect"])
    return matcher.tolerates(Taint(*(str(taint.get(name) or "") for name in ("key", "value", "effect"))))


def no_execute(taints: list[JsonObject]) -> list[JsonObject]:
    return [t for t in taints if t.get("effect") == "NoExecute"]


def toleration_seconds(taints: list[JsonObject], tolerations: list[JsonObject]) -> float | None:
    """How long a pod may stay under ``taints`` (NoExecute ones): 0 if one is not tolerated,
    the shortest ``tolerationSeconds`` of the tolerations used, None for ever.

    >>> unreachable = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    >>> toleration_seconds(unreachable, [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
    ...                                   "effect": "NoExecute", "tolerationSeconds": 300}])
    300.0
    >>> toleration_seconds(unreachable, []), toleration_seconds(unreachable, [{"operator": "Exists"}])
    (0.0, None)
    """
    shortest: float | None = None
    for taint in taints:
        used = [t for t in tolerations if isinstance(t, dict) and tolerates(t, taint)]
        if not used:
            return 0.0
        for toleration in used:
            seconds = toleration.get("tolerationSeconds")
            if seconds is None:
                continue
            if seconds <= 0:
                return 0.0
            shortest = float(seconds) if shortest is None else min(shortest, float(seconds))
    return shortest


@dataclass
class TaintEvictions:
    """When each pod under a NoExecute taint was first seen there."""

    _since: dict[str, float] = field(default_factory=dict)

    def delay(self, key: str, pod: JsonObject, node_taints: list[JsonObject], now: float) -> float | None:
        """Seconds until pod ``key`` must be deleted (0: now), or None if it may stay."""
        if pod.get("metadata", {}).get("deletionTimestamp") or pod.get("status", {}).get("phase") in (
            "Succeeded",
            "Failed",
        ):
            self.forget(key)
            return None
        taints = no_execute(node_taints)
        if not taints:
            self.forget(key)
            return None
        allowed = toleration_seconds(taints, pod.get("spec", {}).get("tolerations") or [])
        if allowed is None:
            self.forget(key)
            return None
        since = self._since.setdefault(key, now)
        return max(since + allowed - now, 0.0)

    def forget(self, key: str) -> None:
        self._since.pop(key, None)

    def __len__(self) -> int:
        return len(self._since)
