"""Why: one description of the storage a cluster runs on, and the factory that builds each
shard's backend from it (SQLite by default, as k3s does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kube_actors.runtime.clock import Clock
from kube_actors.storage.base import StorageBackend
from kube_actors.storage.history import HistoryWindow
from kube_actors.storage.sharding import ShardMap
from kube_actors.storage.watching import DEFAULT_WATCH_BUFFER

BackendKind = Literal["memory", "sqlite", "etcd"]


@dataclass(frozen=True)
class StorageConfig:
    backend: BackendKind = "sqlite"
    data_dir: Path = Path("kube-actors-data")
    etcd_endpoints: tuple[str, ...] = ()
    shard_map: ShardMap = field(default_factory=ShardMap)
    window: HistoryWindow = field(default_factory=HistoryWindow)
    watch_buffer: int = DEFAULT_WATCH_BUFFER

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))  # a str from a file is fine too
        if self.backend == "etcd" and not self.etcd_endpoints:
            raise ValueError("the etcd backend needs etcd_endpoints, e.g. http://127.0.0.1:2379")

    def make_backend(self, shard: str, clock: Clock) -> StorageBackend:
        """A fresh, unstarted backend for ``shard``."""
        if self.backend == "memory":
            from kube_actors.storage.memory import MemoryBackend

            return MemoryBackend(clock=clock, watch_buffer=self.watch_buffer)
        if self.backend == "sqlite":
            from kube_actors.storage.sqlite import SqliteBackend

            return SqliteBackend(self.data_dir / f"{shard}.db", clock=clock, watch_buffer=self.watch_buffer)
        from kube_actors.storage.etcd import EtcdBackend

        return EtcdBackend(list(self.etcd_endpoints), watch_buffer=self.watch_buffer)
