"""Why: what an ActorSystem needs to talk to other hosts: listeners, links, and remote asks.

It turns a message for ``ka://other/...`` into an envelope on the link to ``other``, and
envelopes arriving on links into mailbox deliveries, replies and failures. Asks that cross a
link are remembered by correlation number until answered or timed out.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

from kube_actors.runtime.address import Address
from kube_actors.runtime.errors import ActorDeadError, CodecError, DeliveryError, HandshakeError
from kube_actors.runtime.remoting import handshake
from kube_actors.runtime.remoting.link import PeerLink
from kube_actors.runtime.remoting.protocol import (
    ASK,
    REPLY,
    TELL,
    ask_envelope,
    fail_envelope,
    read_envelope,
    reply_envelope,
    tell_envelope,
)
from kube_actors.runtime.transport import Channel, ChannelClosed, Listener, transport_for

if TYPE_CHECKING:
    from kube_actors.runtime.cell import Reply
    from kube_actors.runtime.system import ActorSystem


class RemoteReply:
    """Answers an ask that arrived over a link by queueing a reply envelope on that link."""

    __slots__ = ("_correlation", "_done", "_link")

    def __init__(self, link: PeerLink, correlation: int) -> None:
        self._link = link
        self._correlation = correlation
        self._done = False

    def done(self) -> bool:
        return self._done

    def set_result(self, result: Any) -> None:
        try:
            part = reply_envelope(self._correlation, result)
        except CodecError as exc:
            self.set_exception(exc)
            return
        self._send(part)

    def set_exception(self, exception: BaseException) -> None:
        self._send(fail_envelope(self._correlation, exception))

    def _send(self, part: bytes) -> None:
        self._done = True
        try:
            self._link.enqueue(part)
        except (CodecError, DeliveryError) as exc:
            # The asker times out; nothing else can be done for it from here.
            self._link.remoting.system.log.warning("reply_dropped", peer=self._link.host, error=str(exc))


class Remoting:
    def __init__(self, system: ActorSystem) -> None:
        self.system = system
        self._links: dict[str, PeerLink] = {}
        self._listeners: list[Listener] = []
        self._pending: dict[int, Reply] = {}
        self._correlations = itertools.count(1)

    def link(self, host: str) -> PeerLink:
        link = self._links.get(host)
        if link is None:
            link = self._links[host] = PeerLink(self, host)
        return link

    def reachable(self, host: str) -> bool:
        link = self._links.get(host)
        return link is not None and link.connected

    async def listen(self, url: str) -> str:
        listener = await transport_for(url).listen(url, self._accept, max_frame=self.system.max_frame)
        self._listeners.append(listener)
        self.system.log.info("listening", url=listener.url)
        return listener.url

    def add_peer(self, host: str, url: str) -> None:
        transport_for(url)  # an unknown scheme fails here, not in the background
        self.link(host).dial(url)

    # Outbound.

    def send(self, address: Address, message: Any, reply: Reply | None) -> None:
        link = self._links.get(address.host)
        if link is None:
            raise DeliveryError(f"no link to host {address.host!r}: it has not connected and no URL is known")
        if reply is None:
            link.enqueue(tell_envelope(address.path, message))
            return
        correlation = next(self._correlations)
        link.enqueue(ask_envelope(address.path, correlation, message))
        self._pending[correlation] = reply
        if isinstance(reply, asyncio.Future):
            reply.add_done_callback(lambda _: self._pending.pop(correlation, None))

    # Inbound.

    def dispatch(self, link: PeerLink, envelopes: list[Any]) -> None:
        """Deliver a decoded frame; the whole frame is checked before anything is delivered."""
        checked = [read_envelope(item) for item in envelopes]
        system = self.system
        for kind, path, correlation, payload in checked:
            if kind == TELL:
                system.deliver_local(path, payload, None)
            elif kind == ASK:
                system.deliver_local(path, payload, RemoteReply(link, correlation))
            else:
                reply = self._pending.pop(correlation, None)
                if reply is None or reply.done():
                    continue  # answered after its ask timed out
                if kind == REPLY:
                    reply.set_result(payload)
                else:
                    reply.set_exception(payload)

    async def _accept(self, channel: Channel) -> None:
        system = self.system
        try:
            peer = await handshake.accept(channel, host=system.host, token=system.token, clock=system.clock)
        except (HandshakeError, ChannelClosed) as exc:
            system.log.warning("link_refused", via=channel.peer, reason=str(exc))
            return
        await self.link(peer).attach(channel, dialled_by=peer)

    async def close(self) -> None:
        for listener in self._listeners:
            await listener.close()
        for link in self._links.values():
            await link.close()
        for reply in self._pending.values():
            if not reply.done():
                reply.set_exception(ActorDeadError(f"system {self.system.host} shut down"))
        self._pending.clear()
