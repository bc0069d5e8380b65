"""Why: every controller is the same loop around a different reconcile: informers turn changes
into keys, a work queue collapses and delays them, and ``reconcile(key)`` compares desired with
observed state and acts. The loop lives here once; a controller only says what to watch
(``on_start``), which keys a change concerns (``on_changes``) and how to reconcile one key.

Reconciles run one at a time inside the actor, between watch batches, so a controller's caches
never change under a reconcile that is not awaiting the apiserver. A reconcile that raises an
``ApiError`` (a 409 after a race, say), or finds the apiserver unreachable, is retried with the
queue's backoff; any other exception
is a bug and fails the actor, whose supervisor restarts it (and it relists: level-triggered).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from kube_actors.api import status
from kube_actors.components.informing import InformingActor, JsonObject, object_key
from kube_actors.components.wakeup import Wakeup
from kube_actors.components.workqueue import WorkQueue
from kube_actors.runtime import ActorRef
from kube_actors.runtime.errors import UNREACHABLE
from kube_actors.runtime.message import message

KEYS_PER_TURN = 20  # reconciles between two looks at the mailbox (watch batches, requests)


@message("controller.ProcessQueue")
class ProcessQueue:
    """A controller's note to itself: reconcile the keys that are due."""


class Controller(InformingActor):
    name: ClassVar[str]

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.queue = WorkQueue()
        self._processing_told = False
        self._wakeup: Wakeup | None = None

    @abstractmethod
    async def reconcile(self, key: str) -> float | None:
        """Bring ``key``'s object to its desired state; None when done, or seconds after which
        to look again (a minReadySeconds wait, a deadline)."""

    def enqueue(self, obj_or_key: JsonObject | str, after: float = 0.0) -> None:
        key = obj_or_key if isinstance(obj_or_key, str) else object_key(obj_or_key)
        if after > 0:
            self.queue.add_after(key, after, self.clock.now())
            self._schedule()
        else:
            self.queue.add(key)
            self._process_soon()

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ProcessQueue):
            self._processing_told = False
            await self._process()
            return None
        return await super().receive(message)

    async def on_stop(self) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
        await super().on_stop()

    async def _process(self) -> None:
        for _ in range(KEYS_PER_TURN):
            key = self.queue.pop(self.clock.now())
            if key is None:
                break
            try:
                again = await self.reconcile(key)
            except (status.ApiError, *UNREACHABLE) as error:
                delay = self.queue.retry(key, self.clock.now())
                self.log.info("reconcile_retry", key=key, reason=str(error), delay=delay)
            else:
                self.queue.forget(key)
                if again is not None:
                    self.queue.add_after(key, again, self.clock.now())
        if len(self.queue):
            self._process_soon()
        self._schedule()

    def _process_soon(self) -> None:
        if not self._processing_told:
            self._processing_told = True
            self.ref.tell(ProcessQueue())

    def _schedule(self) -> None:
        """Keep one timer, for the earliest delayed key."""
        if self._wakeup is None:
            self._wakeup = Wakeup(self.clock, self._process_soon)
        self._wakeup.at(self.queue.next_due())
