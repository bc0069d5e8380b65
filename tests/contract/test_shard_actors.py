"""Every backend behind the shard actors, as the apiserver reaches them: requests arrive as
messages and are carried on by the shard (an etcd backend's HTTP calls, with their timeouts,
included), so what the backend contract promises also holds one hop away."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from kube_actors.components.etcd import StorageClient, spawn_shards
from kube_actors.runtime import ActorSystem
from kube_actors.storage.base import Conflict, Listing, Written
from kube_actors.storage.config import StorageConfig

_runs = itertools.count()


async def test_writes_reads_and_lists_through_the_shards(
    backend_kind: str, etcd_url: str, tmp_path: Path
) -> None:
    endpoints = (etcd_url,) if etcd_url else ()
    config = StorageConfig(backend=backend_kind, data_dir=tmp_path, etcd_endpoints=endpoints)  # type: ignore[arg-type]
    prefix = f"/registry/pods/shard-contract-{next(_runs)}-{tmp_path.name}/"
    async with ActorSystem("cp") as system:
        spawn_shards(system, config)
        client = StorageClient(system, config.shard_map)
        written = await client.create(f"{prefix}a", b"first")
        assert isinstance(written, Written)
        assert isinstance(await client.create(f"{prefix}a", b"again"), Conflict)
        updated = await client.update(f"{prefix}a", b"second", mod_revision=written.kv.mod_revision)
        assert isinstance(updated, Written) and updated.kv.value == b"second"
        await client.put(f"{prefix}b", b"third")
        # Concurrent writes share batches: requests after the first are carried on later.
        await asyncio.gather(*(client.put(f"{prefix}many/{i}", b"x") for i in range(50)))
        assert await client.revision(f"{prefix}many/49") is not None
        listing = await client.range(prefix)
        assert isinstance(listing, Listing)
        assert [(kv.key, kv.value) for kv in listing.kvs if "/many/" not in kv.key] == [
            (f"{prefix}a", b"second"),
            (f"{prefix}b", b"third"),
        ]
