"""Why: what a controller does shows up in ``kubectl describe`` as Events (``SuccessfulCreate
Created pod: web-7c5d9-x2x4q``, ``ScalingReplicaSet Scaled up replica set web-7c5d9 to 3``).
A set of 30 replicas would write 30 Events, so Kubernetes' event correlator combines them:
after ten events with the same object, type and reason within ten minutes, further ones are
folded into a single ``(combined from similar events): ...`` Event whose ``count`` grows, and
at most 25 writes are made per object in a burst (one more token every five minutes).

``EventRecorder`` is pure: ``record`` decides, and ``flush`` hands over the Event bodies to
create or, for a combined Event written before, to update; ``write_events`` sends them. Every
controller records through one; the Event's shape is ``components.events``'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api import status
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver import messages as m
from kube_actors.components.events import event_body
from kube_actors.runtime import ActorRef
from kube_actors.runtime.errors import UNREACHABLE

JsonObject = dict[str, Any]
SIMILAR_BEFORE_COMBINING = 10
SIMILAR_WINDOW = 600.0
BURST = 25
REFILL_SECONDS = 300.0


@dataclass(slots=True)
class EventWrite:
    """An Event to create (``new``) or to update in place (a combined Event's count grew)."""

    body: JsonObject
    new: bool


@dataclass(slots=True)
class _Similar:
    first_seen: float
    count: int = 0
    combined: JsonObject | None = None
    written: bool = False


@dataclass(slots=True)
class _Budget:
    tokens: float
    updated: float


@dataclass
class EventRecorder:
    """Events of one component (``replicaset-controller``, ``deployment-controller``)."""

    component: str
    _similar: dict[tuple[str, str, str], _Similar] = field(default_factory=dict)
    _budgets: dict[str, _Budget] = field(default_factory=dict)
    _pending: list[EventWrite] = field(default_factory=list)
    _dirty: dict[int, _Similar] = field(default_factory=dict)

    def record(self, about: JsonObject, type_: str, reason: str, message: str, now: float) -> None:
        """Note an event about ``about`` (any API object); written at the next ``flush``."""
        uid = about["metadata"].get("uid", "")
        similar_key = (uid, type_, reason)
        similar = self._similar.get(similar_key)
        if similar is None or now - similar.first_seen > SIMILAR_WINDOW:
            similar = self._similar[similar_key] = _Similar(now)
        similar.count += 1
        if similar.count <= SIMILAR_BEFORE_COMBINING:
            if self._spend(uid, now):
                self._pending.append(EventWrite(self._event(about, type_, reason, message, now), new=True))
            return
        combined = f"(combined from similar events): {message}"
        if similar.combined is None:
            similar.combined = self._event(about, type_, reason, combined, now)
        similar.combined.update(
            message=combined, count=similar.count - SIMILAR_BEFORE_COMBINING, lastTimestamp=timestamp(now)
        )
        self._dirty[id(similar)] = similar

    def flush(self, now: float) -> list[EventWrite]:
        """The writes to make now: new Events, and combined Events that changed."""
        writes, self._pending = self._pending, []
        for similar in self._dirty.values():
            assert similar.combined is not None
            uid = similar.combined["involvedObject"].get("uid", "")
            if self._spend(uid, now):
                writes.append(EventWrite(dict(similar.combined), new=not similar.written))
                similar.written = True
        self._dirty.clear()
        return writes

    def forget(self, uid: str) -> None:
        """The object is gone: drop what was kept about its events."""
        self._budgets.pop(uid, None)
        for key in [k for k in self._similar if k[0] == uid]:
            del self._similar[key]

    def _spend(self, uid: str, now: float) -> bool:
        budget = self._budgets.get(uid)
        if budget is None:
            budget = self._budgets[uid] = _Budget(BURST, now)
        budget.tokens = min(BURST, budget.tokens + (now - budget.updated) / REFILL_SECONDS)
        budget.updated = now
        if budget.tokens < 1:
            return False
        budget.tokens -= 1
        return True

    def _event(self, about: JsonObject, type_: str, reason: str, message: str, now: float) -> JsonObject:
        return event_body(about, type_, reason, message, self.component, now)


async def write_events(api: ActorRef, events: EventRecorder, now: float) -> None:
    """Send the recorder's pending Events; an Event that cannot be written is dropped, as
    Kubernetes' broadcaster drops it after its retries."""
    writes: list[Awaitable[Any]] = []
    for write in events.flush(now):
        metadata = write.body["metadata"]
        if write.new:
            writes.append(api.request(m.CreateObject("events", metadata["namespace"], write.body)))
        else:
            patch = {key: write.body[key] for key in ("message", "count", "lastTimestamp")}
            writes.append(
                api.request(m.PatchObject("events", metadata["namespace"], metadata["name"], patch))
            )
    for outcome in await asyncio.gather(*writes, return_exceptions=True):
        if isinstance(outcome, BaseException) and not isinstance(outcome, (status.ApiError, *UNREACHABLE)):
            raise outcome
