"""Why: the StatefulSet controller's decisions, as Kubernetes' ``stateful_set_control.go`` makes
them, without I/O: given a set, the pods that may be its, its claims, the templates of its
revisions and the time, what to write next.

- ``OrderedReady`` (the default) makes ``db-0``, waits until it is Running and Ready (and
  available for ``minReadySeconds``), then ``db-1``; it removes surplus pods from the highest
  ordinal down, one at a time, and only while every other pod is healthy. ``Parallel`` creates
  and deletes without waiting.
- Each pod gets its claims (``data-db-0``) before it is created; claims are never deleted here
  (see ``retention.py`` for who deletes them and when).
- ``RollingUpdate`` replaces pods at an old revision from the highest ordinal down to
  ``partition``, one at a time, each after the one above it is healthy again; ``OnDelete``
  leaves replacing to whoever deletes pods. A pod below the partition that is recreated comes
  back at the current revision.

One call plans one step: the shell executes the actions in order and stops at the first that
fails; the watch events the writes cause bring the set back for the next step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.label_selectors import selector_matches
from kube_actors.components.controllers.garbage_collector.ownership import (
    controller_reference,
    controller_uid,
)
from kube_actors.components.controllers.replicaset.pods import phase
from kube_actors.components.controllers.statefulset import retention
from kube_actors.components.controllers.statefulset.actions import (
    NORMAL,
    WARNING,
    Action,
    CreateClaim,
    CreatePod,
    DeletePod,
    Note,
    PatchClaim,
    PatchPod,
)
from kube_actors.components.controllers.statefulset.counting import replica_status
from kube_actors.components.controllers.statefulset.identity import (
    claim_names,
    claims_for,
    identity_labels_patch,
    new_pod,
    parent_and_ordinal,
    pod_name,
    revision_of,
    start_ordinal,
    template_from_pod,
)
from kube_actors.components.controllers.statefulset.pod_states import (
    is_available,
    is_finished,
    is_healthy,
    is_running_and_ready,
    is_terminating,
    seconds_until_available,
)
from kube_actors.components.controllers.statefulset.revisions import update_revision

JsonObject = dict[str, Any]
ClaimLookup = Callable[[str], JsonObject | None]


@dataclass(frozen=True, slots=True)
class Plan:
    actions: tuple[Action, ...]
    status: JsonObject
    """The status the set should show now (``counting.status_patch`` turns it into a write)."""
    recheck_after: float | None
    """Seconds until a ready pod becomes available, when the set must be looked at again."""
    revisions_in_use: frozenset[str]
    """Revisions the status or a pod names: the history to keep."""


@dataclass
class _Step:
    """One reconcile's working state."""

    stateful_set: JsonObject
    claim_named: ClaimLookup
    templates: Mapping[str, JsonObject]
    pods: list[JsonObject]
    current: str
    update: str
    now: float
    actions: list[Action] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.stateful_set["metadata"]["name"])

    @property
    def spec(self) -> JsonObject:
        spec: JsonObject = self.stateful_set["spec"]
        return spec

    @property
    def min_ready(self) -> int:
        return int(self.spec.get("minReadySeconds") or 0)


def plan(
    stateful_set: JsonObject,
    pods: Iterable[JsonObject],
    claim_named: ClaimLookup,
    templates: Mapping[str, JsonObject],
    now: float,
) -> Plan:
    """The next step for ``stateful_set``. ``pods``: the pods it controls and the orphans in its
    namespace (it adopts those it selects); ``claim_named``: its namespace's claims by name;
    ``templates``: the templates of its revisions known so far, by revision name."""
    owned, actions = _claim_pods(stateful_set, pods)
    update = update_revision(stateful_set)
    current = (stateful_set.get("status") or {}).get("currentRevision") or update
    step = _Step(stateful_set, claim_named, templates, owned, current, update, now, actions)
    if not stateful_set["metadata"].get("deletionTimestamp"):
        _act(step)
    status = replica_status(stateful_set, owned, current, update, now)
    waits = [seconds_until_available(p, step.min_ready, now) for p in owned]
    pending = [w for w in waits if w]
    in_use = ({current, update, status["currentRevision"]} | {revision_of(p) for p in owned}) - {""}
    return Plan(tuple(step.actions), status, min(pending) if pending else None, frozenset(in_use))


def _claim_pods(
    stateful_set: JsonObject, pods: Iterable[JsonObject]
) -> tuple[list[JsonObject], list[Action]]:
    """The pods the set controls, after adopting the orphans it selects and releasing the pods
    it controls but no longer selects (Kubernetes' ControllerRefManager). A pod is the set's
    only if its name is ``<set>-<ordinal>``."""
    metadata = stateful_set["metadata"]
    uid, deleting = metadata["uid"], bool(metadata.get("deletionTimestamp"))
    selector = stateful_set["spec"].get("selector")
    owned: list[JsonObject] = []
    actions: list[Action] = []
    for pod in pods:
        pod_meta = pod["metadata"]
        parsed = parent_and_ordinal(pod_meta["name"])
        selected = (
            parsed is not None
            and parsed[0] == metadata["name"]
            and selector_matches(selector, pod_meta.get("labels"))
        )
        refs = list(pod_meta.get("ownerReferences") or [])
        owner = controller_uid(pod)
        if owner == uid:
            if selected or deleting:
                owned.append(pod)
            else:
                others = [r for r in refs if r.get("uid") != uid] or None
                patch = {
                    "metadata": {"ownerReferences": others, "resourceVersion": pod_meta["resourceVersion"]}
                }
                actions.append(PatchPod(pod_meta["name"], patch))
        elif not owner and selected and not deleting and not is_terminating(pod):
            refs.append(controller_reference(stateful_set))
            patch = {"metadata": {"ownerReferences": refs, "resourceVersion": pod_meta["resourceVersion"]}}
            actions.append(PatchPod(pod_meta["name"], patch))
            owned.append(pod)
    return owned, actions


def _act(step: _Step) -> None:
    """Kubernetes' order: keep the replicas in range, then scale down, then roll the update."""
    start = start_ordinal(step.stateful_set)
    replicas = int(step.spec.get("replicas") or 0)
    in_range: dict[int, JsonObject] = {}
    condemned: list[tuple[int, JsonObject]] = []
    for pod in step.pods:
        parsed = parent_and_ordinal(pod["metadata"]["name"])
        if parsed is None:
            continue
        ordinal = parsed[1]
        if start <= ordinal < start + replicas:
            in_range[ordinal] = pod
        else:
            condemned.append((ordinal, pod))
    condemned.sort(key=lambda entry: -entry[0])
    ordered = (step.spec.get("podManagementPolicy") or "OrderedReady") != "Parallel"
    if not _keep_replicas(step, in_range, range(start, start + replicas), ordered):
        return
    if not _scale_down(step, in_range, condemned, ordered):
        return
    strategy = step.spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        _roll(step, in_range, range(start + replicas - 1, start + partition - 1, -1))


def _keep_replicas(step: _Step, in_range: dict[int, JsonObject], ordinals: range, ordered: bool) -> bool:
    """Create what is missing and replace what finished; False where OrderedReady must wait."""
    for ordinal in ordinals:
        pod = in_range.get(ordinal)
        if pod is not None and is_finished(pod) and not is_terminating(pod):
            failed = phase(pod) == "Failed"
            reason, kind = (
                ("RecreatingFailedPod", "failed") if failed else ("RecreatingTerminatedPod", "terminated")
            )
            namespace = step.stateful_set["metadata"].get("namespace", "")
            message = (
                f"StatefulSet {namespace}/{step.name} is recreating {kind} Pod {pod['metadata']['name']}"
            )
            step.actions += [
                Note(WARNING if failed else NORMAL, reason, message),
                DeletePod(pod["metadata"]["name"], True),
            ]
            if ordered:
                return False  # its deletion brings the set back to create it again
            continue
        if pod is None:
            if _ensure_claims(step, ordinal, None):
                step.actions.append(CreatePod(_versioned_pod(step, ordinal)))
            if ordered:
                return False
            continue
        if is_terminating(pod):
            if ordered:
                return False
            continue
        _ensure_claims(step, ordinal, pod)
        if ordered and not is_available(pod, step.min_ready, step.now):
            return False
        patch = identity_labels_patch(step.stateful_set, pod, ordinal)
        if patch is not None:
            step.actions.append(PatchPod(pod["metadata"]["name"], patch, recorded=True))
    return True


def _ensure_claims(step: _Step, ordinal: int, pod: JsonObject | None) -> bool:
    """Create the pod's missing claims and keep the others' owners per the retention policy;
    False if one is being deleted (the pod must not start without its data)."""
    usable = True
    name = pod_name(step.name, ordinal)
    found = {
        claim_name: step.claim_named(claim_name) for claim_name in claim_names(step.stateful_set, ordinal)
    }
    made = claims_for(step.stateful_set, ordinal) if None in found.values() else {}
    for claim in made.values():
        if found[claim["metadata"]["name"]] is None:
            refs = retention.wanted_owner_references(step.stateful_set, claim, pod, in_range=True)
            if refs:
                claim["metadata"]["ownerReferences"] = refs
            step.actions.append(CreateClaim(claim, name))
    for claim_name, existing in found.items():
        if existing is None:
            continue
        if existing["metadata"].get("deletionTimestamp"):
            usable = False
            if pod is None:  # about to be created: Kubernetes reports the pod's creation failed
                error = f"pvc {claim_name} is being deleted"
                message = f"create Pod {name} in StatefulSet {step.name} failed error: {error}"
                step.actions.append(Note(WARNING, "FailedCreate", message))
        elif pod is not None:
            patch = retention.owner_references_patch(step.stateful_set, existing, pod, in_range=True)
            if patch is not None:
                step.actions.append(PatchClaim(claim_name, patch))
    return usable


def _versioned_pod(step: _Step, ordinal: int) -> JsonObject:
    """A new pod at the update revision, or at the current one below the partition."""
    strategy = step.spec.get("updateStrategy") or {}
    revision = step.update
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        start = start_ordinal(step.stateful_set)
        status = step.stateful_set.get("status") or {}
        below = (
            ordinal < start + int(rolling.get("partition") or 0)
            if isinstance(rolling, dict)
            else ordinal < start + int(status.get("currentReplicas") or 0)
        )
        if below:
            revision = step.current
    return new_pod(step.stateful_set, _template(step, revision), ordinal, revision)


def _template(step: _Step, revision: str) -> JsonObject:
    if revision == step.update:
        return step.spec.get("template") or {}
    known = step.templates.get(revision)
    if known is not None:
        return known
    for pod in step.pods:  # the controller restarted since: rebuild it from a pod still at it
        if revision_of(pod) == revision:
            return template_from_pod(step.stateful_set, pod)
    return step.spec.get("template") or {}  # nothing shows the old template any more


def _scale_down(
    step: _Step, in_range: dict[int, JsonObject], condemned: list[tuple[int, JsonObject]], ordered: bool
) -> bool:
    """Delete the pods past the replicas, highest ordinal first; False where OrderedReady waits.
    Their claims first get the owners the retention policy gives scaled-down claims."""
    for ordinal, pod in condemned:
        for claim_name in claim_names(step.stateful_set, ordinal):
            found = step.claim_named(claim_name)
            if found is not None and not found["metadata"].get("deletionTimestamp"):
                patch = retention.owner_references_patch(step.stateful_set, found, pod, in_range=False)
                if patch is not None:
                    step.actions.append(PatchClaim(claim_name, patch))
    unhealthy = [p for _, p in sorted(in_range.items()) if not is_healthy(p)]
    unhealthy += [p for _, p in reversed(condemned) if not is_healthy(p)]
    first_unhealthy = unhealthy[0] if unhealthy else None
    for _, pod in condemned:
        if is_terminating(pod):
            if ordered:
                return False
            continue
        ready_enough = is_running_and_ready(pod) and is_available(pod, step.min_ready, step.now)
        if ordered and not ready_enough and pod is not first_unhealthy:
            return False
        step.actions.append(DeletePod(pod["metadata"]["name"]))
        if ordered:
            return False
    return True


def _roll(step: _Step, in_range: dict[int, JsonObject], ordinals: range) -> None:
    """Replace the highest-ordinal pod not at the update revision, once all above it are healthy."""
    for ordinal in ordinals:
        pod = in_range.get(ordinal)
        if pod is None:
            return  # being created
        if revision_of(pod) != step.update and not is_terminating(pod):
            step.actions.append(DeletePod(pod["metadata"]["name"]))
            return
        if not is_healthy(pod):
            return
