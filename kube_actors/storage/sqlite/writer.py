"""Why: the SQLite connection lives in one pykka thread actor, so the event loop never waits
on disk. It executes one commit at a time; the backend batches writes between commits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, NamedTuple

from kube_actors.runtime.blocking import BlockingActor
from kube_actors.storage.base import StorageError
from kube_actors.storage.sqlite.schema import open_database

Row = tuple[int, str, bytes, int, int, int]
"""A log row: revision, key, value, create_revision, version (0: deletion), lease."""


class Load(NamedTuple):
    """Read everything back (at start-up)."""


class Loaded(NamedTuple):
    rows: list[Row]
    leases: list[tuple[int, float]]
    revision: int
    compact_revision: int
    next_lease: int


class Commit(NamedTuple):
    rows: list[Row]
    granted: list[tuple[int, float]]
    revoked: list[int]
    revision: int
    next_lease: int


class Compact(NamedTuple):
    revision: int
    dropped: list[int]  # revisions of the versions compaction dropped from memory


class SqliteWriter(BlockingActor):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.connection: sqlite3.Connection | None = None
        self.startup_error: StorageError | None = None

    def on_start(self) -> None:
        try:
            self.connection = open_database(self.path)
        except StorageError as exc:
            self.startup_error = exc  # raised to whoever asks first: the backend's start()

    def on_stop(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def on_receive(self, message: Any) -> Any:
        if self.startup_error is not None:
            raise self.startup_error
        connection = self.connection
        assert connection is not None
        try:
            if isinstance(message, Commit):
                return self._commit(connection, message)
            if isinstance(message, Load):
                return self._load(connection)
            if isinstance(message, Compact):
                return self._compact(connection, message)
        except sqlite3.Error as exc:
            if connection.in_transaction:
                connection.rollback()
            raise StorageError(f"storage file {self.path}: {exc}") from exc
        raise TypeError(f"unexpected message {message!r}")

    def _commit(self, connection: sqlite3.Connection, commit: Commit) -> None:
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO log VALUES (?, ?, ?, ?, ?, ?)", commit.rows)
        connection.executemany("INSERT OR REPLACE INTO leases VALUES (?, ?)", commit.granted)
        connection.executemany("DELETE FROM leases WHERE id = ?", [(lease,) for lease in commit.revoked])
        connection.executemany(
            "UPDATE meta SET value = ? WHERE name = ?",
            [(commit.revision, "revision"), (commit.next_lease, "next_lease")],
        )
        connection.execute("COMMIT")

    def _load(self, connection: sqlite3.Connection) -> Loaded:
        meta = dict(connection.execute("SELECT name, value FROM meta"))
        rows = connection.execute("SELECT * FROM log ORDER BY revision").fetchall()
        leases = connection.execute("SELECT id, ttl FROM leases").fetchall()
        return Loaded(rows, leases, meta["revision"], meta["compact_revision"], meta["next_lease"])

    def _compact(self, connection: sqlite3.Connection, compact: Compact) -> None:
        connection.execute("BEGIN")
        connection.executemany("DELETE FROM log WHERE revision = ?", [(r,) for r in compact.dropped])
        connection.execute("UPDATE meta SET value = ? WHERE name = 'compact_revision'", (compact.revision,))
        connection.execute("COMMIT")
