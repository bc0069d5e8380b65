"""Why: the base class every component derives from, modelled on pykka's ``Actor``.

An actor handles one message at a time in ``receive``; whatever it returns answers an ``ask``.
Peers only ever hold its ``ActorRef``. The runtime (``cell.py``) binds the context (own ref,
system, clock, logger) before ``on_start`` and supervises the actor if it fails.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar

from kube_actors.runtime.errors import EscalatedFailure
from kube_actors.runtime.supervision import SupervisorStrategy

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from kube_actors.runtime.cell import ActorCell
    from kube_actors.runtime.clock import Clock
    from kube_actors.runtime.ref import ActorRef
    from kube_actors.runtime.system import ActorSystem


class Deferred:
    """Returned by ``receive`` to answer later: the runtime awaits ``work`` in a task of its own
    and replies with its outcome, while the actor goes on to its next message. This is how an
    actor keeps many slow operations in flight (an etcd shard's writes wait for one group
    commit) without giving up one-message-at-a-time handling of its state.
    """

    __slots__ = ("work",)

    def __init__(self, work: Coroutine[Any, Any, Any]) -> None:
        self.work = work


def defer(work: Coroutine[Any, Any, Any]) -> Deferred:
    return Deferred(work)


class Actor(ABC):
    """Subclass and implement ``receive``; override the hooks you need."""

    supervisor_strategy: ClassVar[SupervisorStrategy] = SupervisorStrategy()
    _cell: ActorCell

    async def on_start(self) -> None:
        """Called before the first message; also after every restart, on the new instance."""

    async def on_stop(self) -> None:
        """Called once the actor has handled its last message and its children have stopped."""

    async def on_failure(self, error: BaseException) -> None:
        """Called when handling a ``tell`` raised; the supervisor then restarts or escalates.

        A failing ``ask`` does not come here: its exception goes back to the asker.
        """

    async def on_child_escalated(self, child: ActorRef, error: EscalatedFailure) -> None:
        """A child ran out of restarts. By default the failure escalates further: this actor
        fails too, and its own supervisor decides."""
        raise error

    @abstractmethod
    async def receive(self, message: Any) -> Any:
        """Handle one message; the return value answers an ``ask`` (ignored for ``tell``)."""

    # Context, bound by the runtime.

    @property
    def ref(self) -> ActorRef:
        return self._cell.ref

    @property
    def path(self) -> str:
        return self._cell.path

    @property
    def system(self) -> ActorSystem:
        return self._cell.system

    @property
    def clock(self) -> Clock:
        return self._cell.system.clock

    @property
    def log(self) -> FilteringBoundLogger:
        return self._cell.log

    def spawn(
        self,
        factory: Callable[[], Actor],
        name: str,
        *,
        strategy: SupervisorStrategy | None = None,
    ) -> ActorRef:
        """Start a child at ``<own path>/<name>``, supervised by this actor."""
        return self._cell.spawn_child(factory, name, strategy)
