"""Why: etcd watches as ``WatchStream``s that behave like the local backends' ``LocalWatch``.

Each stream owns one task reading one ``/v3/watch`` HTTP stream (the JSON gateway cannot
multiplex watches) into the bounded ``watching.WatchBuffer`` that ``LocalWatch`` uses too:
past ``limit`` unread events the watcher is cut off with a ``TooOld`` saying it fell behind,
and the HTTP stream is dropped so etcd stops sending. A start revision etcd has compacted
ends the stream with a ``TooOld`` carrying etcd's compact revision. If the connection breaks, the task resumes
after the last revision it saw (on the next endpoint if need be); when that keeps failing the
iteration raises ``StorageError``: the server is lost, and the consumer must start over.

``find_compact_revision`` uses the same trick for reads: etcd's "compacted" read error does
not say up to where, but a watch from a compacted revision is canceled with that number.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

import structlog

from kube_actors.storage.base import Event, StorageError, TooOld
from kube_actors.storage.etcd.gateway import Gateway
from kube_actors.storage.etcd.wire import RawWatch, Refusal, decode_event, encode_key, prefix_end, too_old
from kube_actors.storage.watching import WatchBuffer

log = structlog.get_logger(__name__)

RESUME_ATTEMPTS = 3
RESUME_DELAY = 0.2  # seconds, times the attempt number


class EtcdWatch(WatchBuffer):
    def __init__(
        self,
        gateway: Gateway,
        prefix: str,
        after_revision: int,
        limit: int,
        on_end: Callable[[EtcdWatch], None],
    ) -> None:
        super().__init__(limit)
        self.prefix = prefix
        self._gateway = gateway
        self._on_end = on_end
        self._next_revision = after_revision + 1
        self._task = asyncio.get_running_loop().create_task(self._follow(), name=f"etcd-watch:{prefix}")

    async def close(self) -> None:
        self._mark_closed(drop_unread=True)
        await self._stop_reading()
        self._on_end(self)

    async def _before_end(self) -> None:
        await self._stop_reading()  # no reading task outlives the stream it served

    async def _stop_reading(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def _end(self, outcome: TooOld | StorageError) -> None:
        super()._end(outcome)
        self._on_end(self)

    async def _follow(self) -> None:
        failures = 0
        while True:
            resumed_at = self._next_revision
            try:
                outcome = await self._read_stream()
            except StorageError as exc:
                cause = str(exc)  # the connection broke: resume below
            else:
                if outcome is not None:
                    self._end(outcome)
                    return
                cause = "etcd closed the stream"
            failures = 1 if self._next_revision > resumed_at else failures + 1
            if failures > RESUME_ATTEMPTS:
                self._end(StorageError(f"watch on {self.prefix!r} lost: {cause}"))
                return
            log.warning("etcd_watch_resuming", prefix=self.prefix, revision=self._next_revision, cause=cause)
            await asyncio.sleep(RESUME_DELAY * failures)

    async def _read_stream(self) -> TooOld | StorageError | None:
        """Follow one HTTP stream: the outcome that ends the watch, None if the stream just
        stopped, or ``StorageError`` raised if it broke; both are worth resuming."""
        request = {
            "create_request": {
                "key": encode_key(self.prefix),
                "range_end": prefix_end(self.prefix),
                "start_revision": str(self._next_revision),
                "prev_kv": True,
            }
        }
        opened = await self._gateway.stream("/v3/watch", request)
        if isinstance(opened, Refusal):  # e.g. no leader yet: worth another try
            raise StorageError(f"etcd refused a watch on {self.prefix!r}: {opened.message}")
        async with opened:
            async for message in opened.messages():
                if isinstance(message, Refusal):  # e.g. "transport is closing" as etcd stops
                    raise StorageError(f"etcd broke off the watch on {self.prefix!r}: {message.message}")
                result = cast(RawWatch, message)
                if result.get("canceled") or "compact_revision" in result:
                    return self._canceled(result)
                events = result.get("events")
                if events and (cut_off := self._offer([decode_event(raw) for raw in events])):
                    return cut_off
        return None

    def _offer(self, events: list[Event]) -> TooOld | None:
        """Buffer events for the consumer; the cut-off once it has fallen too far behind."""
        self._next_revision = events[-1].kv.mod_revision + 1
        if self._buffer(events):
            return None
        log.info("etcd_watch_fell_behind", prefix=self.prefix, limit=self._limit)
        # Not a compaction: 0 says nothing about what etcd still holds; relist from now.
        return self._fell_behind(0)

    def _canceled(self, result: RawWatch) -> TooOld | StorageError:
        compact = int(result.get("compact_revision", "0"))
        if compact:
            log.info("etcd_watch_compacted", prefix=self.prefix, compact_revision=compact)
            return too_old(self._next_revision, compact)
        reason = result.get("cancel_reason", "no reason given")
        return StorageError(f"etcd canceled the watch on {self.prefix!r}: {reason}")


async def find_compact_revision(gateway: Gateway, revision: int, timeout: float) -> int:
    """etcd's compact revision, known to be above ``revision``; 0 if etcd does not say in time."""
    request = {"create_request": {"key": encode_key("\0"), "start_revision": str(max(1, revision))}}
    try:
        async with asyncio.timeout(timeout):
            opened = await gateway.stream("/v3/watch", request)
            if isinstance(opened, Refusal):
                return 0
            async with opened:
                async for message in opened.messages():
                    if isinstance(message, Refusal):
                        return 0
                    result = cast(RawWatch, message)
                    if result.get("canceled") or "compact_revision" in result:
                        return int(result.get("compact_revision", "0"))
    except (StorageError, TimeoutError) as exc:
        log.warning("etcd_compact_revision_unknown", revision=revision, error=str(exc))
    return 0
