"""Why: deleting a namespace deletes everything in it first. The apiserver marks the namespace
(``deletionTimestamp``, phase ``Terminating``) and its ``kubernetes`` finalizer holds it; this
is Kubernetes' ``NamespacedResourcesDeleter`` as a pure plan: given what is still in the
namespace, which objects to delete, the status conditions that say what is left (as ``kubectl
describe namespace`` shows them), and whether the namespace can be let go (finalized).

The shell (``controller.py``) lists the namespace's content of every namespaced type, asks for
a plan, deletes, lists again and plans again, so the conditions describe what remains after
this pass's deletions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kube_actors.api.times import timestamp, unix_seconds
from kube_actors.components.controllers.garbage_collector.ownership import remove_finalizer_patch

JsonObject = dict[str, Any]
NAMESPACE_FINALIZER = "kubernetes"
CONTENT_REMAINING = "NamespaceContentRemaining"
FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"
CONTENT_FAILURE = "NamespaceDeletionContentFailure"
# The five conditions Kubernetes maintains while a namespace terminates, and what each says
# while nothing is wrong.
HEALTHY: dict[str, tuple[str, str]] = {
    "NamespaceDeletionDiscoveryFailure": ("ResourcesDiscovered", "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure": (
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    CONTENT_FAILURE: ("ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    CONTENT_REMAINING: ("ContentRemoved", "All content successfully removed"),
    FINALIZERS_REMAINING: ("ContentHasNoFinalizers", "All content-preserving finalizers finished"),
}
FIRST_RETRY = 0.005  # content left that nothing promises to remove soon: Kubernetes' rate limiter
LAST_RETRY = 60.0


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    delete: tuple[tuple[str, str], ...] = ()
    """``(resource, name)`` of each object to delete now."""
    conditions: list[JsonObject] | None = None
    """The namespace's new ``status.conditions``, when they change."""
    finalize: list[JsonObject] | None = None
    """A JSON patch removing the ``kubernetes`` finalizer: the namespace is empty."""
    look_again_after: float | None = None


def plan_cleanup(
    namespace: JsonObject,
    contents: Mapping[str, list[JsonObject]],
    now: float,
    *,
    failures: Mapping[str, str] | None = None,
    passes: int = 0,
) -> CleanupPlan:
    """What to do for ``namespace`` given ``contents`` (its objects, by resource name as the
    apiserver names it) and ``failures`` (resources whose content could not be listed or
    deleted, with why); ``passes`` counts the earlier passes that found content remaining."""
    spec = namespace.get("spec") or {}
    if not namespace["metadata"].get("deletionTimestamp") or NAMESPACE_FINALIZER not in (
        spec.get("finalizers") or ()
    ):
        return CleanupPlan()
    failures = failures or {}
    delete = tuple(
        (resource, obj["metadata"]["name"])
        for resource, objects in sorted(contents.items())
        for obj in objects
        if not obj["metadata"].get("deletionTimestamp")
    )
    remaining = {resource: len(objects) for resource, objects in contents.items() if objects}
    conditions = _conditions(namespace, _problems(contents, remaining, failures), now)
    if not remaining and not failures:
        return CleanupPlan(delete, conditions, remove_finalizer_patch(namespace, NAMESPACE_FINALIZER, "spec"))
    return CleanupPlan(delete, conditions, None, _look_again_after(contents, now, passes))


def _problems(
    contents: Mapping[str, list[JsonObject]], remaining: Mapping[str, int], failures: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """The conditions that are true now: type to (reason, message)."""
    problems: dict[str, tuple[str, str]] = {}
    if failures:
        errors = ", ".join(f"{resource}: {why}" for resource, why in sorted(failures.items()))
        problems[CONTENT_FAILURE] = (
            "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(failures)} remaining: {errors}",
        )
    if remaining:
        counts = sorted(f"{_group_resource(r)} has {n} resource instances" for r, n in remaining.items())
        problems[CONTENT_REMAINING] = (
            "SomeResourcesRemain",
            f"Some resources are remaining: {', '.join(counts)}",
        )
    held = Counter(
        finalizer
        for objects in contents.values()
        for obj in objects
        for finalizer in obj["metadata"].get("finalizers") or ()
    )
    if held:
        counts = sorted(f"{finalizer} in {n} resource instances" for finalizer, n in held.items())
        problems[FINALIZERS_REMAINING] = (
            "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {', '.join(counts)}",
        )
    return problems


def _group_resource(resource: str) -> str:
    """Kubernetes' ``resource.group`` spelling in these messages: ``pods.`` for core types."""
    plural, _, group = resource.partition(".")
    return f"{plural}.{group}"


def _conditions(
    namespace: JsonObject, problems: Mapping[str, tuple[str, str]], now: float
) -> list[JsonObject] | None:
    """The five conditions (each kept as it was unless it changed); None if none changed."""
    old = {
        c.get("type"): c
        for c in (namespace.get("status") or {}).get("conditions") or ()
        if isinstance(c, dict)
    }
    conditions, changed = [], False
    for kind, (healthy_reason, healthy_message) in HEALTHY.items():
        truth, (reason, message) = (
            ("True", problems[kind]) if kind in problems else ("False", (healthy_reason, healthy_message))
        )
        before = old.get(kind)
        if before is not None and (before.get("status"), before.get("reason"), before.get("message")) == (
            truth,
            reason,
            message,
        ):
            conditions.append(before)
            continue
        changed = True
        conditions.append(
            {
                "type": kind,
                "status": truth,
                "lastTransitionTime": timestamp(now),
                "reason": reason,
                "message": message,
            }
        )
    return conditions if changed else None


def _look_again_after(contents: Mapping[str, list[JsonObject]], now: float, passes: int) -> float:
    """When the content may be gone: pods are given until their grace period ends; anything
    else is looked at again with a backoff, since only others (finalizers) can remove it."""
    ends = [
        ends_at
        for obj in contents.get("pods", ())
        if (ends_at := _grace_ends(obj)) is not None and ends_at > now
    ]
    if ends:
        return max(ends) - now
    return min(FIRST_RETRY * 2.0**passes, LAST_RETRY)


def _grace_ends(pod: JsonObject) -> float | None:
    metadata = pod["metadata"]
    marked = unix_seconds(metadata.get("deletionTimestamp"))
    if marked is None:
        return None
    return marked + float(metadata.get("deletionGracePeriodSeconds") or 0)
