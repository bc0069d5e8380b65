"""Why: the small interface every transport implements, so links work the same over each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from kube_actors.runtime.errors import KubeActorsError


class ChannelClosed(KubeActorsError):
    """The channel is closed; ``str()`` says why (peer gone, frame too large, ...).

    ``clean`` is true when the other side closed it on purpose (a normal shutdown).
    """

    def __init__(self, reason: str, *, clean: bool = False) -> None:
        super().__init__(reason)
        self.clean = clean


class Channel(Protocol):
    """An ordered, reliable, bidirectional stream of byte frames between two hosts."""

    @property
    def peer(self) -> str:
        """A description of the other end, for logs."""
        ...

    async def send(self, frame: bytes) -> None:
        """Send one frame; waits while the peer is slow. Raises ``ChannelClosed``."""
        ...

    async def receive(self) -> bytes:
        """The next frame. Raises ``ChannelClosed`` once the channel ends, with the reason;
        a frame larger than the channel's limit closes it."""
        ...

    async def close(self) -> None:
        """Close both directions; idempotent."""
        ...


Accept = Callable[[Channel], Awaitable[None]]
"""Called once per incoming channel; the channel closes when it returns."""


class Listener(Protocol):
    @property
    def url(self) -> str:
        """The URL actually bound (a port 0 replaced by the real port)."""
        ...

    async def close(self) -> None: ...


class Transport(Protocol):
    async def listen(self, url: str, accept: Accept, *, max_frame: int) -> Listener:
        """Start accepting channels at ``url``."""
        ...

    async def connect(self, url: str, *, max_frame: int) -> Channel:
        """Open a channel to a listener. Raises ``ChannelClosed`` if nobody answers."""
        ...
