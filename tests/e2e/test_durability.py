"""Kill a process mid-load; every write it acknowledged must survive, whole and in order."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from kube_actors.storage.base import KeyValue, Listing
from kube_actors.storage.sqlite import SqliteBackend

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


async def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "main.db"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.durability_writer",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    acknowledged: dict[str, int] = {}
    try:
        while len(acknowledged) < 3000:
            line = await asyncio.wait_for(child.stdout.readline(), 60)
            assert line, "the writer died on its own"
            key, revision = line.decode().split()
            acknowledged[key] = int(revision)
    finally:
        child.send_signal(signal.SIGKILL)
    for line in (await child.stdout.read()).decode().splitlines():  # acknowledged just before
        key, revision = line.split()
        acknowledged[key] = int(revision)
    await child.wait()

    backend = SqliteBackend(path)
    await backend.start()
    try:
        for key, revision in acknowledged.items():
            kv = await backend.get(key)
            assert isinstance(kv, KeyValue), f"acknowledged {key} is missing"
            assert kv.mod_revision == revision
        listing = await backend.range("/registry/configmaps/")
        assert isinstance(listing, Listing)
        top = await backend.revision()
        assert sorted(kv.mod_revision for kv in listing.kvs) == list(range(1, top + 1)), "revision gap"
        for kv in listing.kvs:  # acknowledged or not, nothing is half-written
            unit = (kv.key + "|").encode()
            assert kv.value and kv.value == unit * (len(kv.value) // len(unit)), f"{kv.key} is torn"
        assert top >= max(acknowledged.values())
    finally:
        await backend.close()
