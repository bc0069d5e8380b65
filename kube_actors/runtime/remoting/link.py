"""Why: the one link to one peer host: an outbound queue, batching, and its current channel.

Envelopes are encoded when queued (so a bad message fails its sender, not the batch) and a
writer task sends everything queued so far as one frame, up to the frame limit: batching
costs no latency when idle and grows with load. The queue outlives channels, so envelopes
wait out a reconnect. If both hosts dial each other at once, both keep the channel dialled by
the host whose name sorts first and retire the other after a grace period.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from kube_actors.runtime import codec
from kube_actors.runtime.clock import sleep
from kube_actors.runtime.errors import CodecError, DeliveryError, HandshakeError
from kube_actors.runtime.remoting import handshake
from kube_actors.runtime.transport import Channel, ChannelClosed, transport_for

if TYPE_CHECKING:
    from kube_actors.runtime.remoting import Remoting

QUEUE_LIMIT = 256 * 1024 * 1024
FLUSH_BYTES = 256 * 1024  # a frame is sent once this much is queued, so hosts work in parallel
RETIRE_GRACE = 1.0
MIN_BACKOFF = 0.05
MAX_BACKOFF = 5.0


class PeerLink:
    def __init__(self, remoting: Remoting, host: str) -> None:
        self.remoting = remoting
        self.host = host
        self.dial_url: str | None = None
        self.channel: Channel | None = None
        self._dialled_by = ""
        self._parts: list[bytes] = []
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._down = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writer: asyncio.Task[None] | None = None
        self._log = remoting.system.log.bind(peer=host)

    @property
    def connected(self) -> bool:
        return self.channel is not None

    def enqueue(self, part: bytes) -> None:
        size = len(part)
        if size + 5 > self.remoting.system.max_frame:  # 5: the frame's array header
            raise CodecError(
                f"message of {size} bytes exceeds the frame limit of {self.remoting.system.max_frame}"
            )
        if self._queued_bytes + size > QUEUE_LIMIT:
            raise DeliveryError(
                f"link to host {self.host} has {self._queued_bytes} bytes queued: "
                "the peer is too slow or down"
            )
        self._parts.append(part)
        self._queued_bytes += size
        self._wake.set()

    # Channels.

    def attach(self, channel: Channel, dialled_by: str) -> asyncio.Task[None]:
        """Take a handshaken channel; returns the task that reads it until it closes."""
        reader = self._spawn(self._read(channel), f"link {self.host} reader")
        winner = min(self.host, self.remoting.system.host)
        if self.channel is None or (dialled_by == winner and self._dialled_by != winner):
            if self.channel is not None:
                self._retire(self.channel)
            self._activate(channel, dialled_by)
        else:
            self._retire(channel)
        return reader

    def _activate(self, channel: Channel, dialled_by: str) -> None:
        if self._writer is not None:
            self._writer.cancel()
        self.channel = channel
        self._dialled_by = dialled_by
        self._down.clear()
        self._writer = self._spawn(self._write(channel), f"link {self.host} writer")
        self._log.info("link_up", via=channel.peer, dialled_by=dialled_by)

    def _retire(self, channel: Channel) -> None:
        async def close_later() -> None:
            await sleep(self.remoting.system.clock, RETIRE_GRACE)
            await channel.close()

        self._spawn(close_later(), f"link {self.host} retire")

    def _lost(self, channel: Channel, reason: str, *, clean: bool = False) -> None:
        if self.channel is channel:
            self.channel = None
            if self._writer is not None:
                self._writer.cancel()
                self._writer = None
            self._down.set()
            (self._log.info if clean else self._log.warning)("link_down", reason=reason)

    async def _write(self, channel: Channel) -> None:
        limit = min(self.remoting.system.max_frame, FLUSH_BYTES)
        while True:
            if not self._parts:
                self._wake.clear()
                await self._wake.wait()
            batch, size = _take_batch(self._parts, limit)
            try:
                await channel.send(codec.encode_frame(batch))
            except ChannelClosed as exc:
                self._lost(channel, str(exc))
                return
            del self._parts[: len(batch)]
            self._queued_bytes -= size

    async def _read(self, channel: Channel) -> None:
        limit = self.remoting.system.max_frame
        try:
            while True:
                frame = await channel.receive()
                try:
                    envelopes = codec.decode(frame, max_size=limit)
                    if not isinstance(envelopes, list):
                        raise CodecError(
                            f"a frame must be a list of envelopes, got {type(envelopes).__name__}"
                        )
                    self.remoting.dispatch(self, envelopes)
                except CodecError as exc:
                    self._log.error("link_frame_rejected", error=str(exc), size=len(frame))
                    await channel.close()
                    self._lost(channel, f"malformed frame: {exc}")
                    return
        except ChannelClosed as exc:
            self._lost(channel, str(exc), clean=exc.clean)
        except Exception as exc:  # a bug here must drop the link, not leave it half alive
            self._log.error("link_reader_failed", error=repr(exc), exc_info=exc)
            await channel.close()
            self._lost(channel, f"reader failed: {exc!r}")

    # Dialling.

    def dial(self, url: str) -> None:
        """Keep a channel to ``url`` up, redialling with jittered backoff whenever it drops."""
        first = self.dial_url is None
        self.dial_url = url
        if first:
            self._spawn(self._dial_forever(), f"link {self.host} dialler")

    async def _dial_forever(self) -> None:
        system = self.remoting.system
        delay = MIN_BACKOFF
        while True:
            if self.channel is not None:
                await self._down.wait()
                continue
            url = self.dial_url
            assert url is not None
            channel: Channel | None = None
            try:
                channel = await transport_for(url).connect(url, max_frame=system.max_frame)
                await handshake.dial(
                    channel, host=system.host, expected=self.host, token=system.token, clock=system.clock
                )
            except (ChannelClosed, HandshakeError, CodecError, TimeoutError) as exc:
                if channel is not None:
                    await channel.close()
                self._log.warning("link_dial_failed", url=url, error=str(exc), retry_in=round(delay, 3))
                await sleep(system.clock, random.uniform(delay / 2, delay))
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = MIN_BACKOFF
            self.attach(channel, dialled_by=system.host)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error("link_task_failed", task=task.get_name(), error=repr(task.exception()))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.channel is not None:
            await self.channel.close()
            self.channel = None


def _take_batch(parts: list[bytes], limit: int) -> tuple[list[bytes], int]:
    """As many queued parts as fit in one frame (at least one).

    >>> _take_batch([b"aa", b"bb", b"cc"], 10)
    ([b'aa', b'bb'], 4)
    """
    size = 0
    count = 0
    headroom = limit - 5  # the array header
    for part in parts:
        if count and size + len(part) > headroom:
            break
        size += len(part)
        count += 1
    return parts[:count], size
