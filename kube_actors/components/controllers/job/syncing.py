"""Why: the Job controller's reconcile, as Kubernetes' ``syncJob`` decides it: count what the
pods did (``counting.py``), fail the Job past its ``backoffLimit`` or ``activeDeadlineSeconds``,
complete it once enough pods succeeded, and otherwise keep ``parallelism`` pods running (one
per pending index for an Indexed Job), waiting out the pod failure backoff before replacing
failed pods. A finished Job is deleted ``ttlSecondsAfterFinished`` later.

Pure: the shell (``controller.py``) writes the status first, then releases finalizers, deletes
and creates pods; ``look_again_after`` says when time alone changes the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube_actors.api.times import timestamp, unix_seconds
from kube_actors.api.trees import copy_tree
from kube_actors.components.controllers.job.counting import Counts, count_pods
from kube_actors.components.controllers.job.pods import completion_index, finished_at, new_pod
from kube_actors.components.controllers.replicaset.pods import is_ready, phase

JsonObject = dict[str, Any]
Event = tuple[str, str, str]  # type, reason, message
FAILURE_BACKOFF = 10.0  # Kubernetes' DefaultJobPodFailureBackOff ...
MAX_FAILURE_BACKOFF = 600.0  # ... and MaxJobPodFailureBackOff
MAX_CREATES_PER_SYNC = 500
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")


@dataclass(frozen=True, slots=True)
class JobSync:
    status: JsonObject | None = None
    """The Job's new status, when it changed (written first)."""
    release: tuple[str, ...] = ()
    """Pods whose ``job-tracking`` finalizer to remove (their outcome is in the status)."""
    delete: tuple[str, ...] = ()
    create: tuple[JsonObject, ...] = ()
    events: tuple[Event, ...] = ()
    delete_job: bool = False
    """Its ``ttlSecondsAfterFinished`` is over."""
    look_again_after: float | None = None


def finish_condition(job: JsonObject) -> JsonObject | None:
    """The Job's true ``Complete`` or ``Failed`` condition, if it has finished."""
    status = job.get("status") or {}
    return _condition(status, "Complete") or _condition(status, "Failed")


def sync_job(
    job: JsonObject, pods: list[JsonObject], now: float, *, expectations_met: bool = True
) -> JobSync:
    """What to do for ``job`` given the pods it controls. ``expectations_met``: the cache shows
    every pod this controller created or deleted before, so pods may be counted and made."""
    finished = finish_condition(job)
    deleting = bool(job["metadata"].get("deletionTimestamp"))
    counts = count_pods(job, pods, letting_go=finished is not None or deleting)
    status = copy_tree(job.get("status") or {})
    indexed = job["spec"].get("completionMode") == "Indexed"
    counts.write_into(status, indexed)
    active = [
        p
        for p in pods
        if phase(p) not in ("Succeeded", "Failed") and not p["metadata"].get("deletionTimestamp")
    ]
    if finished is not None or deleting:
        _write_pod_counts(status, pods, active, [], 0)
        return _settled(job, status, counts, now, finished)
    plan = _Plan(job, status, counts, pods, active, now)
    if expectations_met:
        plan.decide()
    _write_pod_counts(status, pods, active, plan.delete, len(plan.create))
    return JobSync(
        status if status != (job.get("status") or {}) else None,
        tuple(counts.release),
        tuple(plan.delete),
        tuple(plan.create),
        tuple(plan.events),
        look_again_after=plan.look_again_after,
    )


def _settled(
    job: JsonObject, status: JsonObject, counts: Counts, now: float, finished: JsonObject | None
) -> JobSync:
    changed = status if status != (job.get("status") or {}) else None
    ttl = job["spec"].get("ttlSecondsAfterFinished")
    if finished is None or not isinstance(ttl, int) or job["metadata"].get("deletionTimestamp"):
        return JobSync(changed, tuple(counts.release))
    since = (
        unix_seconds(status.get("completionTime")) or unix_seconds(finished.get("lastTransitionTime")) or now
    )
    left = since + ttl - now
    if left <= 0:
        return JobSync(changed, tuple(counts.release), delete_job=True)
    return JobSync(changed, tuple(counts.release), look_again_after=left)


class _Plan:
    """One sync's decisions about a Job that has not finished."""

    def __init__(
        self,
        job: JsonObject,
        status: JsonObject,
        counts: Counts,
        pods: list[JsonObject],
        active: list[JsonObject],
        now: float,
    ) -> None:
        self.job, self.spec, self.status, self.counts = job, job["spec"], status, counts
        self.pods, self.active, self.now = pods, active, now
        self.delete: list[str] = []
        self.create: list[JsonObject] = []
        self.events: list[Event] = []
        self.look_again_after: float | None = None

    def decide(self) -> None:
        if self.spec.get("suspend") is True:
            self._suspend()
            return
        self._resume_or_start()
        # The decision to finish is kept as a condition at once (Kubernetes' FailureTarget and
        # SuccessCriteriaMet), so pods stopped on the way cannot change it.
        failing = _condition(self.status, "FailureTarget")
        succeeding = _condition(self.status, "SuccessCriteriaMet")
        if failing is None and succeeding is None:
            failure = self._failure()
            if failure is not None:
                _set_condition(self.status, "FailureTarget", "True", failure, self.now)
                failing = _condition(self.status, "FailureTarget")
            elif self._complete():
                _set_condition(self.status, "SuccessCriteriaMet", "True", COMPLETIONS_REACHED, self.now)
                succeeding = _condition(self.status, "SuccessCriteriaMet")
        if failing is not None:
            why = (str(failing.get("reason", "")), str(failing.get("message", "")))
            self._finish("Failed", why, "Warning", why)
        elif succeeding is not None:
            self._finish("Complete", COMPLETIONS_REACHED, "Normal", ("Completed", "Job completed"))
        elif self.spec.get("completionMode") == "Indexed":
            self._keep_indexes_running()
        else:
            self._keep_parallelism()

    def _suspend(self) -> None:
        self.delete += [p["metadata"]["name"] for p in self.active]
        if _set_condition(self.status, "Suspended", "True", ("JobSuspended", "Job suspended"), self.now):
            self.events.append(("Normal", "Suspended", "Job suspended"))

    def _resume_or_start(self) -> None:
        if _condition(self.status, "Suspended") is not None:
            _set_condition(self.status, "Suspended", "False", ("JobResumed", "Job resumed"), self.now)
            self.events.append(("Normal", "Resumed", "Job resumed"))
            self.status["startTime"] = timestamp(self.now)  # the deadline counts from here
        self.status.setdefault("startTime", timestamp(self.now))

    def _failure(self) -> tuple[str, str] | None:
        limit = int(self.spec.get("backoffLimit", 6))
        if self.counts.total_failed > limit:
            return BACKOFF_LIMIT_EXCEEDED
        if (self.spec.get("template") or {}).get("spec", {}).get("restartPolicy") == "OnFailure":
            restarts = sum(_restarts(pod) for pod in self.active)
            if (restarts > 0) if limit == 0 else (restarts >= limit):
                return BACKOFF_LIMIT_EXCEEDED
        deadline = self.spec.get("activeDeadlineSeconds")
        started = unix_seconds(self.status.get("startTime"))
        if isinstance(deadline, int) and started is not None:
            left = started + deadline - self.now
            if left <= 0:
                return DEADLINE_EXCEEDED
            self._look_again(left)
        return None

    def _complete(self) -> bool:
        completions = self.spec.get("completions")
        if self.spec.get("completionMode") == "Indexed":
            return len(self.counts.completed_indexes) >= int(completions or 0)
        if completions is None:
            return self.counts.total_succeeded > 0 and not self.active
        return self.counts.total_succeeded >= int(completions)

    def _finish(self, kind: str, why: tuple[str, str], event_type: str, event: tuple[str, str]) -> None:
        """Stop the active pods; the condition is written once every outcome is counted."""
        self.delete += [p["metadata"]["name"] for p in self.active]
        if not self.counts.settled or self.delete:
            return  # a later sync, when the pods' outcomes are in, declares it
        _set_condition(self.status, kind, "True", why, self.now)
        if kind == "Complete":
            self.status["completionTime"] = timestamp(self.now)
        self.events.append((event_type, *event))

    def _keep_parallelism(self) -> None:
        completions = self.spec.get("completions")
        parallelism = int(self.spec.get("parallelism", 1))
        if completions is None:
            want = len(self.active) if self.counts.total_succeeded > 0 else parallelism
        else:
            want = max(0, min(int(completions) - self.counts.total_succeeded, parallelism))
        surplus = len(self.active) - want
        if surplus > 0:
            self.delete += [p["metadata"]["name"] for p in _deletion_order(self.active)[:surplus]]
        elif surplus < 0 and self._backoff_over():
            self.create += [new_pod(self.job) for _ in range(min(-surplus, MAX_CREATES_PER_SYNC))]

    def _keep_indexes_running(self) -> None:
        completions = int(self.spec.get("completions") or 0)
        done = self.counts.completed_indexes
        running: dict[int, JsonObject] = {}
        for pod in sorted(self.active, key=lambda p: p["metadata"].get("creationTimestamp", "")):
            index = completion_index(pod)
            if index is None or index >= completions or index in done or index in running:
                self.delete.append(pod["metadata"]["name"])  # no work for it, or a duplicate
            else:
                running[index] = pod
        want = min(int(self.spec.get("parallelism", 1)), completions - len(done))
        pending = [i for i in range(completions) if i not in done and i not in running]
        missing = min(want - len(running), len(pending), MAX_CREATES_PER_SYNC)
        if missing > 0 and self._backoff_over():
            self.create += [new_pod(self.job, index) for index in pending[:missing]]

    def _backoff_over(self) -> bool:
        """Whether failed pods may be replaced now (else look again when they may)."""
        outcomes = [
            (finished_at(p), phase(p) == "Succeeded")
            for p in self.pods
            if phase(p) in ("Succeeded", "Failed") or p["metadata"].get("deletionTimestamp")
        ]
        last_success = max((at for at, ok in outcomes if ok), default=float("-inf"))
        failures = [at for at, ok in outcomes if not ok and at >= last_success]
        if not failures:
            return True
        delay = min(FAILURE_BACKOFF * 2.0 ** (len(failures) - 1), MAX_FAILURE_BACKOFF)
        left = max(failures) + delay - self.now
        if left <= 0:
            return True
        self._look_again(left)
        return False

    def _look_again(self, after: float) -> None:
        self.look_again_after = after if self.look_again_after is None else min(self.look_again_after, after)


def _condition(status: JsonObject, kind: str) -> JsonObject | None:
    """The condition of type ``kind`` if it is true."""
    for condition in status.get("conditions") or ():
        if condition.get("type") == kind and condition.get("status") == "True":
            return dict(condition)
    return None


def _set_condition(status: JsonObject, kind: str, truth: str, why: tuple[str, str], now: float) -> bool:
    """Set a condition; whether it changed (a condition only moves when its status does)."""
    conditions = status.setdefault("conditions", [])
    found = next((c for c in conditions if c.get("type") == kind), None)
    if found is not None and found.get("status") == truth:
        return False
    reason, message = why
    fresh = {
        "type": kind,
        "status": truth,
        "lastProbeTime": timestamp(now),
        "lastTransitionTime": timestamp(now),
    }
    fresh.update(reason=reason, message=message)
    if found is None:
        conditions.append(fresh)
    else:
        found.clear()
        found.update(fresh)
    return True


def _write_pod_counts(
    status: JsonObject, pods: list[JsonObject], active: list[JsonObject], deleting: list[str], creating: int
) -> None:
    stopping = set(deleting)
    still = [p for p in active if p["metadata"]["name"] not in stopping]
    status["active"] = len(still) + creating
    status["ready"] = sum(1 for p in still if is_ready(p))
    status["terminating"] = sum(
        1 for p in pods if p["metadata"].get("deletionTimestamp") and phase(p) not in ("Succeeded", "Failed")
    )
    for zero in ("active", "succeeded", "failed"):
        if status.get(zero) == 0:
            del status[zero]  # Kubernetes omits these when zero (ready and terminating it shows)


def _restarts(pod: JsonObject) -> int:
    status = pod.get("status") or {}
    return sum(
        int(c.get("restartCount") or 0)
        for c in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
        if isinstance(c, dict)
    )


def _deletion_order(pods: list[JsonObject]) -> list[JsonObject]:
    """Which active pods to stop first, as Kubernetes ranks them: unscheduled, then pending,
    then not ready, then the newest."""

    def rank(pod: JsonObject) -> tuple[bool, bool, bool, str]:
        return (
            bool(pod.get("spec", {}).get("nodeName")),
            phase(pod) != "Pending",
            is_ready(pod),
            _negated(pod["metadata"].get("creationTimestamp", "")),
        )

    return sorted(pods, key=rank)


def _negated(text: str) -> str:
    """A sort key putting later RFC 3339 times first."""
    return "".join(chr(0x10FFFF - ord(char)) for char in text)
