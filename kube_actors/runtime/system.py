"""Why: one ``ActorSystem`` per process, named by its host; it owns every local actor.

It spawns actors at paths, hands out refs for any address, routes each message either into a
local mailbox or onto the link to another host (``remoting.py``), and shuts everything down in
order: mailboxes drained, children before parents, pending asks failed with ``ActorDeadError``.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import structlog

from kube_actors.runtime.actor import Actor
from kube_actors.runtime.address import Address, check_host, check_path, parse_address
from kube_actors.runtime.cell import ActorCell, Reply
from kube_actors.runtime.clock import Clock, RealClock, wait_for
from kube_actors.runtime.codec import DEFAULT_MAX_FRAME, roundtrip, strict_from_env
from kube_actors.runtime.deadlines import AskDeadlines
from kube_actors.runtime.errors import (
    ActorDeadError,
    AskTimeoutError,
    DeliveryError,
    EscalatedFailure,
)
from kube_actors.runtime.ref import ActorRef
from kube_actors.runtime.supervision import SupervisorStrategy

if TYPE_CHECKING:
    from kube_actors.runtime.remoting import Remoting


class ActorSystem:
    """All actors of one host.

    ``strict`` (default: the ``KUBE_ACTORS_STRICT`` environment variable) round-trips every
    local message and reply through the codec, so tests prove nothing relies on shared memory.
    ``token`` is the shared cluster secret that links between hosts prove they know.
    """

    def __init__(
        self,
        host: str,
        *,
        clock: Clock | None = None,
        strict: bool | None = None,
        token: str | None = None,
        max_frame: int = DEFAULT_MAX_FRAME,
        on_escalation: Callable[[EscalatedFailure], None] | None = None,
    ) -> None:
        self.host = check_host(host)
        self.clock: Clock = clock or RealClock()
        self.deadlines = AskDeadlines(self.clock, self.expire_ask)
        self.strict = strict_from_env() if strict is None else strict
        self.token = token if token is not None else secrets.token_hex(16)
        self.max_frame = max_frame
        self.log = structlog.get_logger("kube_actors.runtime").bind(host=host)
        self.escalations: list[EscalatedFailure] = []
        self._on_escalation = on_escalation
        self._cells: dict[str, ActorCell] = {}
        self._remoting: Remoting | None = None
        self._shut_down = False

    # Actors.

    def spawn(
        self,
        factory: Callable[[], Actor],
        path: str,
        *,
        strategy: SupervisorStrategy | None = None,
        parent: ActorCell | None = None,
    ) -> ActorRef:
        """Start an actor at ``path``; it handles messages once ``on_start`` has returned.

        ``factory`` makes a fresh instance, at start and at every restart.
        """
        if self._shut_down:
            raise ActorDeadError(f"system {self.host} is shut down")
        check_path(path)
        if path in self._cells:
            raise ValueError(f"an actor already runs at {self.address_of(path)}")
        cell = ActorCell(self, path, factory, strategy, parent)
        self._cells[path] = cell
        if parent is not None:
            parent.children[path.rsplit("/", 1)[-1]] = cell
        return cell.ref

    def ref(self, address: str | Address) -> ActorRef:
        """A ref for any address, local or remote; nothing is checked until a message goes."""
        parsed = parse_address(address) if isinstance(address, str) else address
        return ActorRef(parsed, self)

    def ref_for_path(self, path: str) -> ActorRef:
        return ActorRef(Address(self.host, path), self)

    def address_of(self, path: str) -> str:
        return str(Address(self.host, path))

    def is_alive(self, ref: ActorRef) -> bool:
        cell = self._cells.get(ref.address.path) if ref.address.host == self.host else None
        return cell is not None and cell.accepting

    async def stop(self, ref: ActorRef) -> None:
        """Stop a local actor after the messages already queued; returns once it has stopped."""
        cell = self._cells.get(ref.address.path) if ref.address.host == self.host else None
        if cell is not None:
            await cell.request_stop()

    # Delivery.

    def deliver(self, address: Address, message: Any, reply: Reply | None) -> None:
        if address.host != self.host:
            if self._remoting is None:
                raise DeliveryError(f"no link to host {address.host!r}: add it with add_peer()")
            self._remoting.send(address, message, reply)
            return
        if self.strict:
            message = roundtrip(message)
        self.deliver_local(address.path, message, reply)

    def deliver_local(self, path: str, message: Any, reply: Reply | None) -> None:
        cell = self._cells.get(path)
        if cell is None:
            self.reject(Address(self.host, path), message, reply)
        else:
            cell.enqueue(message, reply)

    def reject(self, address: Address, message: Any, reply: Reply | None) -> None:
        """A message for an actor that is not there: fail the ask, log the tell."""
        if reply is not None:
            if not reply.done():
                reply.set_exception(ActorDeadError(f"no running actor at {address}"))
        else:
            self.log.debug("dead_letter", to=str(address), message=type(message).__name__)

    def expire_ask(self, reply: asyncio.Future[Any], address: Address, timeout: float) -> None:
        if reply.done():
            return
        if address.host != self.host and not (self._remoting and self._remoting.reachable(address.host)):
            reply.set_exception(
                DeliveryError(
                    f"no reply from {address} within {timeout} s: host {address.host} is unreachable"
                )
            )
        else:
            reply.set_exception(AskTimeoutError(f"no reply from {address} within {timeout} s"))

    # Hosts.

    @property
    def remoting(self) -> Remoting:
        if self._remoting is None:
            from kube_actors.runtime.remoting import Remoting

            self._remoting = Remoting(self)
        return self._remoting

    async def listen(self, url: str) -> str:
        """Accept links from other hosts at ``url`` (``ws://127.0.0.1:0`` picks a port).

        Returns the URL actually bound.
        """
        return await self.remoting.listen(url)

    def add_peer(self, host: str, url: str) -> None:
        """Say where host ``host`` listens; a link is dialled at once and kept up."""
        self.remoting.add_peer(check_host(host), url)

    # Lifecycle.

    def escalated(self, failure: EscalatedFailure) -> None:
        """A top-level actor ran out of restarts."""
        self.escalations.append(failure)
        if self._on_escalation is not None:
            self._on_escalation(failure)

    def forget(self, cell: ActorCell) -> None:
        if self._cells.get(cell.path) is cell:
            del self._cells[cell.path]

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every actor (queued messages first, children before parents), then the links.

        Actors still running after ``timeout`` seconds are cancelled; their pending asks fail
        with ``ActorDeadError``.
        """
        if self._shut_down:
            return
        self._shut_down = True
        top = [c for c in self._cells.values() if c.parent is None]
        stopping = [c.request_stop() for c in top]
        if stopping:
            try:
                await wait_for(self.clock, asyncio.wait(stopping), timeout)
            except TimeoutError:
                late = [c.path for c in self._cells.values()]
                self.log.warning("shutdown_timeout", timeout=timeout, still_running=late[:20])
        for cell in list(self._cells.values()):
            cell.task.cancel()
        await asyncio.gather(*(c.task for c in list(self._cells.values())), return_exceptions=True)
        if self._remoting is not None:
            await self._remoting.close()

    async def __aenter__(self) -> ActorSystem:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()
