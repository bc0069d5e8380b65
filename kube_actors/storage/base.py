"""Why: the one interface every etcd-like backend implements, and the outcomes it returns.

Kubernetes keeps every object in etcd under ``/registry/<resource>/<namespace>/<name>``; the
apiserver is its only client and relies on exactly these semantics: a revision counter per
store, per-key create/mod revisions and versions, compare-and-swap on ``mod_revision``, reads
at a past revision, watches that replay history from a revision, compaction that makes older
revisions "too old", and leases whose keys vanish when they expire.

Expected outcomes (not found, conflict, too old) are values, never exceptions, and are
registered messages so shard actors can send them between hosts. ``tests/contract`` runs one
suite over every backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, Protocol

from kube_actors.runtime.errors import BadRequestError, KubeActorsError, crosses_hosts
from kube_actors.runtime.message import message

MAX_VALUE_BYTES = 1536 * 1024  # etcd's default request limit, 1.5 MiB


@crosses_hosts
class StorageError(KubeActorsError):
    """The backend cannot serve requests: bad configuration, a corrupt file, a lost server."""


@crosses_hosts
class InvalidRequestError(StorageError, BadRequestError):
    """A request the store refuses through the caller's fault; nothing was written."""


@crosses_hosts
class ValueTooLargeError(InvalidRequestError):
    """A value over ``MAX_VALUE_BYTES``."""


@crosses_hosts
class LeaseNotFoundError(InvalidRequestError):
    """A write named a lease that does not exist (or has expired)."""


@message("storage.KeyValue")
class KeyValue:
    """One version of a key. A deletion is a version with ``version == 0`` and no value."""

    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0


@message("storage.Event")
class Event:
    """A change, in revision order; ``prev`` is the version it replaced (None on creation)."""

    type: Literal["PUT", "DELETE"]
    kv: KeyValue
    prev: KeyValue | None


@message("storage.Written")
class Written:
    kv: KeyValue


@message("storage.Deleted")
class Deleted:
    prev: KeyValue
    revision: int


@message("storage.Conflict")
class Conflict:
    """A create found the key, or a guarded write found another ``mod_revision``."""

    current: KeyValue


@message("storage.NotFound")
class NotFound:
    key: str
    revision: int


@message("storage.TooOld")
class TooOld:
    """The revision asked for was compacted away, or a watcher fell too far behind."""

    compact_revision: int
    reason: str


@message("storage.Listing")
class Listing:
    """Keys under a prefix at ``revision``; ``more`` if ``limit`` cut the list short."""

    kvs: list[KeyValue]
    revision: int
    more: bool


class WatchStream(Protocol):
    """Batches of events after a revision, in order, until closed or cut off.

    Iteration ends after yielding a ``TooOld`` when the watcher fell behind or its start was
    compacted; it ends silently after ``close()``.
    """

    def __aiter__(self) -> AsyncIterator[list[Event] | TooOld]: ...

    async def close(self) -> None: ...


class StorageBackend(Protocol):
    """An MVCC key-value store with watch. Revisions start at 0 for an empty store."""

    async def start(self) -> None:
        """Open or recover the store; raises ``StorageError`` naming what is wrong."""
        ...

    async def close(self) -> None: ...

    async def revision(self) -> int:
        """The revision of the latest acknowledged write."""
        ...

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | NotFound | TooOld:
        """The key as of ``revision`` (0: now)."""
        ...

    async def range(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> Listing | TooOld:
        """Live keys starting with ``prefix`` in key order, after ``start_after``, at most
        ``limit`` (0: all), as of ``revision`` (0: now)."""
        ...

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> Written | Conflict:
        """Write a key that must not exist yet."""
        ...

    async def update(
        self, key: str, value: bytes, *, mod_revision: int, lease: int = 0
    ) -> Written | Conflict | NotFound:
        """Replace a key only if its ``mod_revision`` is still the one given."""
        ...

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> Written:
        """Write unconditionally."""
        ...

    async def delete(self, key: str, *, mod_revision: int = 0) -> Deleted | Conflict | NotFound:
        """Delete a key, only if its ``mod_revision`` matches when one is given (not 0)."""
        ...

    async def compact(self, revision: int) -> None:
        """Forget history before ``revision``; reads and watches below it become ``TooOld``."""
        ...

    async def grant_lease(self, ttl: float) -> int:
        """A new lease that expires ``ttl`` seconds from now unless refreshed; returns its id."""
        ...

    async def refresh_lease(self, lease: int) -> bool:
        """Restart a lease's time to live; False if it already expired or never existed."""
        ...

    async def revoke_lease(self, lease: int) -> None:
        """End a lease now, deleting its keys."""
        ...

    def watch(self, prefix: str, *, after_revision: int) -> WatchStream:
        """Every change under ``prefix`` with a revision above ``after_revision``."""
        ...


WriteOutcome = Written | Deleted | Conflict | NotFound
EventType = Literal["PUT", "DELETE"]
