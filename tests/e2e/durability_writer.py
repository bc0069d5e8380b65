"""Child process for the durability test: write to an SQLite shard as fast as possible and
print each acknowledged write as ``key revision`` the moment it is acknowledged.

Run as ``python -m tests.e2e.durability_writer DATA_FILE``; it writes until killed.
"""

from __future__ import annotations

import asyncio
import sys

from kube_actors.storage.base import Written
from kube_actors.storage.sqlite import SqliteBackend

WRITERS = 50


def value_for(key: str, n: int) -> bytes:
    """Values of varying size whose content proves they are whole."""
    return (key + "|").encode() * (n % 40 + 1)


async def write_forever(path: str) -> None:
    backend = SqliteBackend(path)
    await backend.start()

    async def writer(w: int) -> None:
        n = 0
        while True:
            key = f"/registry/configmaps/w{w}/k{n}"
            outcome = await backend.put(key, value_for(key, n))
            assert isinstance(outcome, Written)
            sys.stdout.write(f"{key} {outcome.kv.mod_revision}\n")
            sys.stdout.flush()
            n += 1

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))


if __name__ == "__main__":
    asyncio.run(write_forever(sys.argv[1]))
