"""Why: a StatefulSet's claims outlive its pods by default (``Retain``): data survives a pod's
restart, a scale-down and even the set's deletion. ``persistentVolumeClaimRetentionPolicy``
can say otherwise, and Kubernetes implements it with ownerReferences alone: a claim owned by
the set goes with the set (``whenDeleted: Delete``), a claim owned by its scaled-down pod goes
with that pod (``whenScaled: Delete``), and the garbage collector does the deleting.
This module says which of those references a claim should carry. Pure.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
RETAIN, DELETE = "Retain", "Delete"


def _policy(stateful_set: JsonObject) -> tuple[str, str]:
    """``(whenDeleted, whenScaled)``; anything but Delete is Retain, as Kubernetes reads it."""
    policy = stateful_set["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
    when_deleted = DELETE if policy.get("whenDeleted") == DELETE else RETAIN
    when_scaled = DELETE if policy.get("whenScaled") == DELETE else RETAIN
    return when_deleted, when_scaled


def wanted_owner_references(
    stateful_set: JsonObject, claim: JsonObject, pod: JsonObject | None, *, in_range: bool
) -> list[JsonObject]:
    """The claim's ownerReferences under the set's policy: others' references kept, the set's
    and the pod's added or removed. ``in_range``: the pod's ordinal is within the replicas
    (False once it is being scaled away)."""
    when_deleted, when_scaled = _policy(stateful_set)
    set_meta = stateful_set["metadata"]
    pod_uid = pod["metadata"].get("uid", "") if pod is not None else ""
    wanted: list[JsonObject] = []
    if when_deleted == DELETE and (in_range or when_scaled == RETAIN):
        wanted.append(
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": set_meta["name"], "uid": set_meta["uid"]}
        )
    if when_scaled == DELETE and not in_range and pod is not None and pod_uid:
        wanted.append({"apiVersion": "v1", "kind": "Pod", "name": pod["metadata"]["name"], "uid": pod_uid})
    ours = {set_meta["uid"], pod_uid} - {""}
    existing = [r for r in claim["metadata"].get("ownerReferences") or [] if isinstance(r, dict)]
    kept = [r for r in existing if r.get("uid") not in ours or any(r.get("uid") == w["uid"] for w in wanted)]
    added = [w for w in wanted if all(r.get("uid") != w["uid"] for r in kept)]
    return kept + added


def owner_references_patch(
    stateful_set: JsonObject, claim: JsonObject, pod: JsonObject | None, *, in_range: bool
) -> JsonObject | None:
    """A merge patch (guarded by the claim's resourceVersion) bringing the claim's
    ownerReferences in line with the policy; None when they already are."""
    if _policy(stateful_set) == (RETAIN, RETAIN) and not claim["metadata"].get("ownerReferences"):
        return None  # the default, and the common case: nothing owns the claim
    wanted = wanted_owner_references(stateful_set, claim, pod, in_range=in_range)
    existing = claim["metadata"].get("ownerReferences") or []
    if wanted == existing:
        return None
    return {
        "metadata": {
            "ownerReferences": wanted or None,
            "resourceVersion": claim["metadata"].get("resourceVersion", ""),
        }
    }
