"""Why: links between several ActorSystems inside one process, without sockets.

Frames are still bytes and still pass the whole link protocol, so tests of multi-host
behaviour run fast and deterministically, and the contract suite runs over both transports.
"""

from __future__ import annotations

import asyncio
import itertools

from kube_actors.runtime.transport.base import Accept, Channel, ChannelClosed

_LISTENERS: dict[str, LocalListener] = {}
_ids = itertools.count(1)
_EOF = b""  # never a valid frame: the codec never produces an empty one


class LocalChannel:
    def __init__(self, peer: str, inbox: asyncio.Queue[bytes], outbox: asyncio.Queue[bytes], max_frame: int):
        self._peer = peer
        self._inbox = inbox
        self._outbox = outbox
        self._max_frame = max_frame
        self._closed: str | None = None

    @property
    def peer(self) -> str:
        return self._peer

    async def send(self, frame: bytes) -> None:
        if self._closed is not None:
            raise ChannelClosed(self._closed)
        self._outbox.put_nowait(frame)

    async def receive(self) -> bytes:
        if self._closed is not None:
            raise ChannelClosed(self._closed)
        frame = await self._inbox.get()
        if frame is _EOF:
            self._closed = "closed by peer"
            raise ChannelClosed(self._closed, clean=True)
        if len(frame) > self._max_frame:
            await self._shut(f"frame of {len(frame)} bytes exceeds the limit of {self._max_frame}")
            raise ChannelClosed(self._closed or "closed")
        return frame

    async def close(self) -> None:
        await self._shut("closed")

    async def _shut(self, reason: str) -> None:
        if self._closed is None:
            self._closed = reason
            self._outbox.put_nowait(_EOF)
            self._inbox.put_nowait(_EOF)


class LocalListener:
    def __init__(self, url: str, accept: Accept, max_frame: int) -> None:
        self._url = url
        self.accept = accept
        self.max_frame = max_frame
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return self._url

    async def close(self) -> None:
        if _LISTENERS.get(self._url) is self:
            del _LISTENERS[self._url]
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class LocalTransport:
    async def listen(self, url: str, accept: Accept, *, max_frame: int) -> LocalListener:
        if url in _LISTENERS:
            raise OSError(f"{url} is already in use")
        listener = LocalListener(url, accept, max_frame)
        _LISTENERS[url] = listener
        return listener

    async def connect(self, url: str, *, max_frame: int) -> Channel:
        listener = _LISTENERS.get(url)
        if listener is None:
            raise ChannelClosed(f"nothing listens at {url}")
        there: asyncio.Queue[bytes] = asyncio.Queue()
        back: asyncio.Queue[bytes] = asyncio.Queue()
        n = next(_ids)
        server_end = LocalChannel(f"local-client-{n}", there, back, listener.max_frame)
        task = asyncio.get_running_loop().create_task(_serve(listener, server_end))
        listener.tasks.add(task)
        task.add_done_callback(listener.tasks.discard)
        return LocalChannel(url, back, there, max_frame)


async def _serve(listener: LocalListener, channel: LocalChannel) -> None:
    try:
        await listener.accept(channel)
    finally:
        await channel.close()
