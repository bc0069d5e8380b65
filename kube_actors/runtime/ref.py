"""Why: the only handle peers hold on an actor, wherever it runs.

``tell`` and ``ask`` look the same for a local actor and one on another host; the system decides
whether the message goes into a mailbox or onto a link.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from kube_actors.runtime.address import Address

if TYPE_CHECKING:
    from kube_actors.runtime.system import ActorSystem

DEFAULT_ASK_TIMEOUT = 30.0


class ActorRef:
    __slots__ = ("_system", "address")

    def __init__(self, address: Address, system: ActorSystem) -> None:
        self.address = address
        self._system = system

    def tell(self, message: Any) -> None:
        """Send without waiting. Raises only if the message cannot be encoded or queued."""
        self._system.deliver(self.address, message, None)

    async def ask(self, message: Any, *, timeout: float = DEFAULT_ASK_TIMEOUT) -> Any:
        """Send and await the reply.

        Raises what the handler raised (``RemoteActorError`` across hosts), ``ActorDeadError``
        if the actor is gone, ``AskTimeoutError`` after ``timeout`` seconds on the system's
        clock, or ``DeliveryError`` if by then there is no link to the actor's host.
        """
        return await self.request(message, timeout=timeout)

    def request(self, message: Any, *, timeout: float = DEFAULT_ASK_TIMEOUT) -> asyncio.Future[Any]:
        """``ask`` without a coroutine: the future of the reply, for callers that collect many
        replies (``asyncio.gather`` takes futures as they are, where it wraps each coroutine in
        a task). It fails as ``ask`` does, after ``timeout`` at the latest, and never raises."""
        system = self._system
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            system.deliver(self.address, message, reply)
        except Exception as error:  # unencodable, or no link: the reply carries it, as ask raises it
            reply.set_exception(error)
            return reply
        system.deadlines.track(reply, self.address, timeout)
        return reply

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActorRef) and other.address == self.address

    def __hash__(self) -> int:
        return hash(self.address)

    def __repr__(self) -> str:
        return f"ActorRef({str(self.address)!r})"
