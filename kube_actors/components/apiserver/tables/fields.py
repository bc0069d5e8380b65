"""Why: every printer reads Kubernetes objects the same few ways, and a part of an object may be
missing or null; reading them in one place keeps all kinds alike.

``meta`` and ``part`` stand in for an absent or null part with an empty one; the rest are the
cells several kinds share: NAME and AGE, a condition that holds, and labels as Kubernetes writes
them. Used by the printers (``pods``, ``workloads``, ``core``) and the package's ``table``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_actors.components.apiserver.tables.durations import elapsed_since

JsonObject = dict[str, Any]


def meta(obj: JsonObject) -> JsonObject:
    return obj.get("metadata") or {}


def part(obj: JsonObject, key: str) -> JsonObject:
    return obj.get(key) or {}


def name_age(obj: JsonObject, now: float) -> tuple[str, str]:
    return meta(obj).get("name", ""), elapsed_since(meta(obj).get("creationTimestamp"), now)


def condition_true(conditions: Iterable[JsonObject], kind: str) -> bool:
    found = next((c for c in conditions if c.get("type") == kind), {})
    return bool(found.get("status") == "True")


def format_labels(labels: JsonObject | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when there are none.

    >>> format_labels({"tier": "web", "app": "shop"}), format_labels(None)
    ('app=shop,tier=web', '<none>')
    """
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items())) or "<none>"
