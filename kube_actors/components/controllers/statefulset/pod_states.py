"""Why: a StatefulSet moves on only when its pods are in a given state (Running and Ready,
available for ``minReadySeconds``, terminating, finished), and reads those states from the
pod's phase, conditions and deletion mark the way Kubernetes' ``podutil`` does. Pure.
"""

from __future__ import annotations

from typing import Any

from kube_actors.components.controllers.replicaset.pods import is_ready, phase, ready_since

JsonObject = dict[str, Any]


def is_terminating(pod: JsonObject) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_finished(pod: JsonObject) -> bool:
    """Failed or Succeeded: its containers will not run again, so the set replaces it."""
    return phase(pod) in ("Failed", "Succeeded")


def is_running_and_ready(pod: JsonObject) -> bool:
    return phase(pod) == "Running" and is_ready(pod)


def is_healthy(pod: JsonObject) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def seconds_until_available(pod: JsonObject, min_ready_seconds: int, now: float) -> float | None:
    """0 if the pod has been ready for ``min_ready_seconds``, the seconds still to wait if it is
    ready but not for long enough, None if it is not ready.

    >>> ready = {"metadata": {}, "status": {"phase": "Running", "conditions": [
    ...     {"type": "Ready", "status": "True", "lastTransitionTime": "1970-01-01T00:01:00Z"}]}}
    >>> seconds_until_available(ready, 10, 65.0), seconds_until_available(ready, 10, 75.0)
    (5.0, 0.0)
    """
    if not is_running_and_ready(pod):
        return None
    if min_ready_seconds <= 0:
        return 0.0
    since = ready_since(pod)
    if since is None:
        return 0.0  # ready with no time recorded: nothing to wait for
    return max(since + min_ready_seconds - now, 0.0)


def is_available(pod: JsonObject, min_ready_seconds: int, now: float) -> bool:
    return seconds_until_available(pod, min_ready_seconds, now) == 0.0
