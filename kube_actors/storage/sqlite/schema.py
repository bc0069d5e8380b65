"""Why: a shard's database file, opened safely: ours, intact, and in the schema we expect.

One ``log`` table holds every version inside the history window plus the newest version of
every key (compaction deletes what later versions superseded), so the current state and the
history are one thing on disk. It has no index beyond its revision key, which halves the cost
of each write: the in-memory core tells compaction which revisions to delete.

A file that is not ours, not SQLite, or corrupt stops start-up with a ``StorageError`` naming
the file; it is never reset.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kube_actors.storage.base import StorageError

APPLICATION_ID = 0x4B414354  # "KACT"
SCHEMA_VERSION = 1

_SCHEMA = f"""
BEGIN;
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
CREATE TABLE log (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    version INTEGER NOT NULL,   -- 0 marks a deletion
    lease INTEGER NOT NULL
);
CREATE TABLE leases (id INTEGER PRIMARY KEY, ttl REAL NOT NULL);
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta VALUES ('revision', 0), ('compact_revision', 0), ('next_lease', 1);
COMMIT;
"""


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating if new) a shard database in WAL mode with durable commits."""
    fresh = not path.exists() or path.stat().st_size == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open storage file {path}: {exc}") from exc
    try:
        if fresh:
            _create(connection)
        else:
            _check(connection, path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")  # an acknowledged write survives power loss
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise StorageError(f"storage file {path} is corrupt or not an SQLite database: {exc}") from exc
    except StorageError:
        connection.close()
        raise
    return connection


def _create(connection: sqlite3.Connection) -> None:
    connection.executescript(_SCHEMA)  # one transaction: a half-made file cannot exist


def _check(connection: sqlite3.Connection, path: Path) -> None:
    (application_id,) = connection.execute("PRAGMA application_id").fetchone()
    if application_id != APPLICATION_ID:
        raise StorageError(
            f"storage file {path} belongs to another program (application_id {application_id:#x}); "
            "refusing to touch it: point the data directory elsewhere"
        )
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version != SCHEMA_VERSION:
        raise StorageError(
            f"storage file {path} has schema version {version}; this build reads {SCHEMA_VERSION}"
        )
    problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise StorageError(f"storage file {path} is corrupt: {'; '.join(problems[:5])}")
