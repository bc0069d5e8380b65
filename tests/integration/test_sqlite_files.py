"""The SQLite backend's files: what survives a restart, and what it refuses to open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kube_actors.runtime import VirtualClock
from kube_actors.runtime.clock import sleep
from kube_actors.storage.base import KeyValue, NotFound, StorageError, TooOld, Written
from kube_actors.storage.sqlite import SqliteBackend


async def _started(path: Path, clock: VirtualClock | None = None) -> SqliteBackend:
    backend = SqliteBackend(path, clock=clock)
    await backend.start()
    return backend


async def test_compaction_and_leases_survive_a_restart(tmp_path: Path, virtual_clock: VirtualClock) -> None:
    path = tmp_path / "main.db"
    backend = await _started(path, virtual_clock)
    first = await backend.put("/registry/configmaps/d/c", b"1")
    assert isinstance(first, Written)
    for n in range(2, 6):
        await backend.put("/registry/configmaps/d/c", str(n).encode())
    lease = await backend.grant_lease(60)
    await backend.put("/registry/events/d/e", b"event", lease=lease)
    await backend.compact(4)
    await backend.close()

    backend = await _started(path, virtual_clock)
    try:
        assert isinstance(await backend.get("/registry/configmaps/d/c", revision=2), TooOld)
        at_four = await backend.get("/registry/configmaps/d/c", revision=4)
        assert isinstance(at_four, KeyValue) and at_four.value == b"4"
        assert await backend.revision() == 6
        await sleep(virtual_clock, 61)  # the lease restarted its time to live, then ran out
        assert isinstance(await backend.get("/registry/events/d/e"), NotFound)
    finally:
        await backend.close()
    with sqlite3.connect(path) as raw:  # the compacted versions are gone from disk too
        revisions = [r for (r,) in raw.execute("SELECT revision FROM log ORDER BY revision")]
    assert revisions == [4, 5, 6, 7]  # v4 (newest at 4), v5, the event, its deletion


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"certainly not a database" * 100, "corrupt or not an SQLite database"),
        (None, "belongs to another program"),
    ],
)
async def test_a_foreign_or_corrupt_file_stops_start_up_untouched(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "main.db"
    if content is None:
        with sqlite3.connect(path) as other:
            other.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=problem) as caught:
        await _started(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before
