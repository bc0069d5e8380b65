"""Why: the fastest backend, for large simulations where durability does not matter.

Everything lives in the MVCC core; a write is "durable" the moment it is decided.
"""

from __future__ import annotations

from kube_actors.storage.base import Event
from kube_actors.storage.local import LocalBackend
from kube_actors.storage.mvcc import Lease


class MemoryBackend(LocalBackend):
    def _persist(self, events: list[Event], granted: list[Lease], revoked: list[int]) -> None:
        self._published(events)
        return None

    async def _recover(self) -> None:
        return None  # nothing outlives a memory store
