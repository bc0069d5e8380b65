"""Why: every component tells users what it did through Event objects (``kubectl describe``
lists them): the scheduler's ``Scheduled``, a kubelet's ``Pulled``/``Started``/``BackOff``, a
controller's ``SuccessfulCreate``. They all have the same shape, which lives here.
"""

from __future__ import annotations

import itertools
from typing import Any

from kube_actors.api.times import timestamp

JsonObject = dict[str, Any]
_sequence = itertools.count()


def event_body(
    about: JsonObject, type_: str, reason: str, message: str, component: str, now: float
) -> JsonObject:
    """A core/v1 Event about ``about`` (any API object), as Kubernetes' recorders write it.

    >>> pod = {"kind": "Pod", "metadata": {"name": "web", "namespace": "shop", "uid": "u"}}
    >>> body = event_body(pod, "Normal", "Scheduled", "assigned", "default-scheduler", 0.0)
    >>> body["involvedObject"]["name"], body["reason"], body["source"], body["count"]
    ('web', 'Scheduled', {'component': 'default-scheduler'}, 1)
    """
    metadata = about["metadata"]
    when = timestamp(now)
    # Kubernetes names an Event <object>.<unix nanoseconds in hex>; the sequence keeps two events
    # of one instant (a virtual clock) apart.
    unique = int(now * 1e9) + next(_sequence)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{metadata['name']}.{unique:x}",
            "namespace": metadata.get("namespace") or "default",
        },
        "involvedObject": {
            "kind": about.get("kind", ""),
            "namespace": metadata.get("namespace", ""),
            "name": metadata["name"],
            "uid": metadata.get("uid", ""),
            "apiVersion": about.get("apiVersion", ""),
            "resourceVersion": metadata.get("resourceVersion", ""),
        },
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": when,
        "lastTimestamp": when,
        "count": 1,
        "type": type_,
        "reportingComponent": component,
        "reportingInstance": "",
    }
