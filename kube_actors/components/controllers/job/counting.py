"""Why: a Job's counts must survive its pods. Kubernetes holds each pod with the
``job-tracking`` finalizer until its outcome is recorded: a finished (or deleted) pod's uid is
first written to ``status.uncountedTerminatedPods``, then its finalizer is removed, and once
the pod shows it is released, the uid moves into ``status.succeeded`` or ``status.failed``. A
crash anywhere in between neither loses nor doubles a count. An Indexed Job counts successes
by index (``completedIndexes``) instead.

Pure: ``count_pods`` reads the Job's status and pods and says what is counted now, what to
release, and what the status will hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.components.controllers.job.pods import (
    completion_index,
    format_indexes,
    is_tracked,
    parse_indexes,
)
from kube_actors.components.controllers.replicaset.pods import phase

JsonObject = dict[str, Any]


@dataclass(slots=True)
class Counts:
    succeeded: int
    """Successes recorded (for an Indexed Job: completed indexes), not counting uncounted ones."""
    failed: int
    uncounted_succeeded: set[str] = field(default_factory=set)
    uncounted_failed: set[str] = field(default_factory=set)
    completed_indexes: set[int] = field(default_factory=set)
    release: list[str] = field(default_factory=list)
    """Names of pods whose outcome is now recorded (or will be with this status): let them go."""

    @property
    def total_succeeded(self) -> int:
        return self.succeeded + len(self.uncounted_succeeded)

    @property
    def total_failed(self) -> int:
        return self.failed + len(self.uncounted_failed)

    @property
    def settled(self) -> bool:
        """Nothing is waiting to be counted: the Job may be declared finished."""
        return not self.uncounted_succeeded and not self.uncounted_failed

    def write_into(self, status: JsonObject, indexed: bool) -> None:
        status["succeeded"] = len(self.completed_indexes) if indexed else self.succeeded
        status["failed"] = self.failed
        status["uncountedTerminatedPods"] = {
            key: sorted(uids)
            for key, uids in (("succeeded", self.uncounted_succeeded), ("failed", self.uncounted_failed))
            if uids
        }
        if indexed:
            status["completedIndexes"] = format_indexes(self.completed_indexes)


def count_pods(job: JsonObject, pods: list[JsonObject], *, letting_go: bool) -> Counts:
    """The Job's counts after this look at its pods. ``letting_go``: the Job is finished or
    being deleted, so every pod it still holds is released (those not succeeded count as
    failed, as Kubernetes counts them)."""
    status = job.get("status") or {}
    spec = job["spec"]
    indexed = spec.get("completionMode") == "Indexed"
    uncounted = status.get("uncountedTerminatedPods") or {}
    counts = Counts(int(status.get("succeeded") or 0), int(status.get("failed") or 0))
    if indexed:
        completions = int(spec.get("completions") or 0)
        counts.completed_indexes = parse_indexes(str(status.get("completedIndexes") or ""), completions)
    by_uid = {pod["metadata"]["uid"]: pod for pod in pods}
    # Uids recorded earlier whose pods are released (or gone) are counted for good now.
    for uid in uncounted.get("succeeded") or ():
        if uid in by_uid and is_tracked(by_uid[uid]):
            counts.uncounted_succeeded.add(uid)
        else:
            counts.succeeded += 1
    for uid in uncounted.get("failed") or ():
        if uid in by_uid and is_tracked(by_uid[uid]):
            counts.uncounted_failed.add(uid)
        else:
            counts.failed += 1
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if is_tracked(pod):
            _count_one(counts, pod, job, indexed=indexed, letting_go=letting_go)
    return counts


def _count_one(counts: Counts, pod: JsonObject, job: JsonObject, *, indexed: bool, letting_go: bool) -> None:
    uid, name = pod["metadata"]["uid"], pod["metadata"]["name"]
    succeeded = phase(pod) == "Succeeded"
    # A deleted pod that did not succeed counts as failed: it may never get to say so.
    failed = phase(pod) == "Failed" or (bool(pod["metadata"].get("deletionTimestamp")) and not succeeded)
    if not (succeeded or failed or letting_go):
        return
    counts.release.append(name)
    if uid in counts.uncounted_succeeded or uid in counts.uncounted_failed:
        return
    if succeeded:
        if indexed:
            index = completion_index(pod)
            if index is not None and index < int(job["spec"].get("completions") or 0):
                counts.completed_indexes.add(index)  # the index itself prevents counting twice
        else:
            counts.uncounted_succeeded.add(uid)
    else:
        counts.uncounted_failed.add(uid)
