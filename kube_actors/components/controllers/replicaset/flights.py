"""Why: a workload controller decides in microseconds but writes in round trips: a ReplicaSet
of 30 creates its pods in five slow-start batches, a Deployment's first sync makes a set and
writes its own status twice. Awaiting those inside the reconcile would hold every other key
(and the watch streams) behind them. Kubernetes runs several sync workers; here a sync's
writes run as a *flight*, a task of its own, while the actor decides the next key.

A key has at most one flight: a change that arrives meanwhile marks it to be synced again when
the flight lands (``FlightLanded``, a message to itself, so all state changes happen in the
actor). At most ``max_flights`` fly at once; further keys wait their turn. A flight that failed
makes the key's next sync run inside the reconcile and raise, so the work queue's per-key
backoff applies (``base.Controller`` retries an ``ApiError`` and forgets a success).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Coroutine
from typing import Any

from kube_actors.api import status
from kube_actors.components.controllers.base import Controller
from kube_actors.components.informing import JsonObject
from kube_actors.runtime import ActorRef, message
from kube_actors.runtime.tasks import KeyedTasks

Writes = Coroutine[Any, Any, "Landing"]


@message("controllers.FlightLanded")
class FlightLanded:
    """A key's flight finished: ``error`` is why it failed ("" if it did not), ``look_again``
    when to sync the key again (negative: on its next change only), ``written`` the objects
    as the writes returned them."""

    key: str
    error: str
    look_again: float
    written: list[JsonObject]


class SyncFailed(status.ApiError):
    """A sync's writes failed; the message is the first failure's."""

    reason = "InternalError"
    code = 500


class Landing:
    """What a flight reports: when to look again and what it wrote."""

    __slots__ = ("look_again", "written")

    def __init__(self, look_again: float | None = None, written: list[JsonObject] | None = None) -> None:
        self.look_again = look_again
        self.written = written or []


class FlightController(Controller):
    """A controller whose syncs write in flights: subclasses implement ``decide``."""

    def __init__(self, api: ActorRef, *, max_flights: int) -> None:
        super().__init__(api)
        self.max_flights = max_flights
        self._flights = KeyedTasks()
        self._in_flight: set[str] = set()
        self._dirty: set[str] = set()
        self._waiting: dict[str, None] = {}
        self._failing: set[str] = set()

    @abstractmethod
    def decide(self, key: str) -> Writes | None:
        """Decide ``key``'s sync now, from the caches; the writes to make (None: nothing to do,
        e.g. the object is gone). The writes raise ``SyncFailed`` when one fails."""

    def landed(self, key: str, written: list[JsonObject]) -> None:
        """Override to learn what a flight wrote (before the key can be synced again)."""

    async def reconcile(self, key: str) -> float | None:
        if key in self._in_flight:
            self._dirty.add(key)
            return None
        failing = key in self._failing
        if not failing and len(self._in_flight) >= self.max_flights:
            self._waiting[key] = None
            return None
        writes = self.decide(key)
        if writes is None:
            self._failing.discard(key)
            return None
        if failing:
            landing = await writes  # a SyncFailed here is retried with the queue's backoff
            self._failing.discard(key)
            self.landed(key, landing.written)
            return landing.look_again
        self._in_flight.add(key)
        self._flights.start(key, self._fly(key, writes), f"{self.name} sync {key}")
        return None

    async def handle(self, message: Any) -> Any:
        if isinstance(message, FlightLanded):
            self._land(message)
        return None

    async def on_stop(self) -> None:
        await self._flights.close()
        await super().on_stop()

    async def _fly(self, key: str, writes: Writes) -> None:
        try:
            landing = await writes
        except SyncFailed as failed:
            self.ref.tell(FlightLanded(key, str(failed) or "failed", -1.0, []))
        except Exception as bug:  # the next sync runs in the actor, and fails it there
            self.log.error("sync_crashed", key=key, exc_info=bug)
            self.ref.tell(FlightLanded(key, repr(bug), -1.0, []))
        else:
            look_again = -1.0 if landing.look_again is None else landing.look_again
            self.ref.tell(FlightLanded(key, "", look_again, landing.written))

    def _land(self, flight: FlightLanded) -> None:
        key = flight.key
        self._in_flight.discard(key)
        self.landed(key, flight.written)
        if flight.error:
            self._failing.add(key)
            self.log.info("sync_failed", key=key, reason=flight.error)
            self.enqueue(key)
        elif key in self._dirty:
            self.enqueue(key)
        elif flight.look_again >= 0:
            self.enqueue(key, after=flight.look_again)
        self._dirty.discard(key)
        while self._waiting and len(self._in_flight) + len(self.queue) < self.max_flights:
            waiting = next(iter(self._waiting))
            del self._waiting[waiting]
            self.enqueue(waiting)
