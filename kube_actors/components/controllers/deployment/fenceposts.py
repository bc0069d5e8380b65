"""Why: a rolling update is bounded by two fenceposts, ``maxSurge`` (how many pods above the
desired count may exist) and ``maxUnavailable`` (how many below it may be unavailable), each
a number or a percentage of ``replicas``. Kubernetes rounds surge up and unavailability down,
and if both come to zero allows one unavailable pod so that the rollout can move at all.
Everything that sizes ReplicaSets during a rollout reads them from here. Pure.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


class FencepostError(ValueError):
    """A maxSurge or maxUnavailable that is neither a whole number nor a percentage."""


def scaled_value(value: Any, total: int, *, round_up: bool) -> int:
    """An int-or-percent resolved against ``total`` (Kubernetes' GetScaledValueFromIntOrPercent).

    >>> scaled_value("25%", 10, round_up=True), scaled_value("25%", 10, round_up=False)
    (3, 2)
    >>> scaled_value(3, 10, round_up=True)
    3
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].lstrip("-").isdigit():
        scaled = int(value[:-1]) * total
        return -(-scaled // 100) if round_up else scaled // 100
    raise FencepostError(f"invalid value for IntOrString: {value!r} is neither an integer nor a percentage")


def is_rolling_update(deployment: JsonObject) -> bool:
    return bool((deployment["spec"].get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate")


def desired_replicas(deployment: JsonObject) -> int:
    return int(deployment["spec"].get("replicas", 1))


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """(surge, unavailable) for ``desired`` replicas; a missing value counts as 0.

    >>> resolve_fenceposts("25%", "25%", 10), resolve_fenceposts("1%", "1%", 10)
    ((3, 2), (1, 0))
    >>> resolve_fenceposts(0, "10%", 5)
    (0, 1)
    """
    surge = scaled_value(0 if max_surge is None else max_surge, desired, round_up=True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # both rounded to zero: let one pod be unavailable so the rollout moves
    return surge, unavailable


def _rolling(deployment: JsonObject) -> JsonObject:
    return (deployment["spec"].get("strategy") or {}).get("rollingUpdate") or {}


def max_surge(deployment: JsonObject) -> int:
    """How many pods above ``replicas`` a rolling update may run (0 for Recreate)."""
    if not is_rolling_update(deployment):
        return 0
    rolling = _rolling(deployment)
    return resolve_fenceposts(
        rolling.get("maxSurge"), rolling.get("maxUnavailable"), desired_replicas(deployment)
    )[0]


def max_unavailable(deployment: JsonObject) -> int:
    """How many of ``replicas`` may be unavailable during a rolling update (0 for Recreate or
    no replicas), never more than ``replicas``."""
    desired = desired_replicas(deployment)
    if not is_rolling_update(deployment) or desired == 0:
        return 0
    rolling = _rolling(deployment)
    unavailable = resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"), desired)[1]
    return min(unavailable, desired)
