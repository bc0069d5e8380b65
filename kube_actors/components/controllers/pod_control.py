"""Why: the DaemonSet and Job shells make and remove their pods the same way, as Kubernetes'
``PodControl`` does for every workload controller: a batch of creates or deletes sent together,
the owner's ``Expectations`` raised before they go and lowered for each that fails (its watch
event will never come), and an Event per pod (``SuccessfulCreate``, ``FailedDelete``). They also
read their pods' watch events into the expectations alike. This is that shared part; the
ReplicaSet shell (``replicaset/controller.py``) writes in slow-start flights of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from kube_actors.api import status
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.events import EventRecorder
from kube_actors.components.controllers.replicaset.expectations import Expectations
from kube_actors.components.informing import ADDED, DELETED, Change, JsonObject, object_key
from kube_actors.runtime import ActorRef
from kube_actors.runtime.clock import Clock

TOLERATED = (404, 422)  # gone meanwhile, or changed since it was seen (a JSON patch's test failed)


async def settle(writes: Sequence[Awaitable[Any]]) -> None:
    """Await ``writes`` together; raise the first failure that matters."""
    raise_unexpected(await asyncio.gather(*writes, return_exceptions=True))


def raise_unexpected(outcomes: Sequence[Any]) -> None:
    """Raise the first failure among write outcomes that matters: an object gone (404) or
    changed since it was seen (422: a JSON patch's test failed) is fine."""
    for outcome in outcomes:
        if isinstance(outcome, status.ApiError) and outcome.code in TOLERATED:
            continue
        if isinstance(outcome, BaseException):
            raise outcome


def pod_seen(expectations: Expectations, owner_key: str, change: Change) -> None:
    """Count what a watch event about one of the owner's pods shows: a creation, a deletion."""
    pod = change.object
    if change.type == ADDED:
        expectations.creation_observed(owner_key)
    if change.type == DELETED or pod["metadata"].get("deletionTimestamp"):
        expectations.deletion_observed(owner_key, object_key(pod))


class PodControl:
    """Creates and deletes one controller's pods, with its expectations and Events."""

    def __init__(
        self, api: ActorRef, clock: Clock, expectations: Expectations, events: EventRecorder
    ) -> None:
        self.api = api
        self.clock = clock
        self.expectations = expectations
        self.events = events

    async def delete(self, owner_key: str, owner: JsonObject, names: Sequence[str]) -> None:
        namespace = owner["metadata"].get("namespace", "")
        pod_keys = [f"{namespace}/{name}" for name in names]
        self.expectations.expect_deletions(owner_key, pod_keys, self.clock.now())
        outcomes = await asyncio.gather(
            *(self.api.request(m.DeleteObject("pods", namespace, name)) for name in names),
            return_exceptions=True,
        )
        now = self.clock.now()
        for name, pod_key, outcome in zip(names, pod_keys, outcomes, strict=True):
            if isinstance(outcome, dict):
                self.events.record(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", now)
                continue
            self.expectations.deletion_observed(owner_key, pod_key)  # it will never be seen going
            if _api_error(outcome).code != 404:
                self.events.record(owner, "Warning", "FailedDelete", f"Error deleting: {outcome}", now)

    async def create(self, owner_key: str, owner: JsonObject, pods: Sequence[JsonObject]) -> None:
        namespace = owner["metadata"].get("namespace", "")
        self.expectations.expect_creations(owner_key, len(pods), self.clock.now())
        outcomes = await asyncio.gather(
            *(self.api.request(m.CreateObject("pods", namespace, pod)) for pod in pods),
            return_exceptions=True,
        )
        now = self.clock.now()
        for outcome in outcomes:
            if isinstance(outcome, dict):
                message = f"Created pod: {outcome['metadata']['name']}"
                self.events.record(owner, "Normal", "SuccessfulCreate", message, now)
                continue
            self.expectations.creation_observed(owner_key)  # this one will never be seen
            self.events.record(
                owner, "Warning", "FailedCreate", f"Error creating: {_api_error(outcome)}", now
            )


def _api_error(outcome: object) -> status.ApiError:
    """A write's failure as an ``ApiError``; anything else (unreachable, a bug) is raised."""
    if isinstance(outcome, status.ApiError):
        return outcome
    raise outcome if isinstance(outcome, BaseException) else TypeError(repr(outcome))
