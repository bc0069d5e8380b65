"""Why: etcd's data model as a pure, in-memory core that every local backend shares.

Each key keeps its versions inside the history window, so reads at a past revision and
watches from a revision are answered from memory; one event per revision is logged for watch
replay. Writes return their outcome and log the events they caused; the caller takes those
(``events_since``) and decides when they count (the SQLite backend only publishes them once
they are durable). Leases are bookkept here too; the caller owns the timers. No I/O, no
asyncio: unit tests drive it directly.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from sortedcontainers import SortedList

from kube_actors.storage.base import (
    MAX_VALUE_BYTES,
    Conflict,
    Deleted,
    Event,
    InvalidRequestError,
    KeyValue,
    LeaseNotFoundError,
    Listing,
    NotFound,
    TooOld,
    ValueTooLargeError,
    Written,
)


@dataclass(slots=True)
class Lease:
    id: int
    ttl: float
    expires_at: float
    keys: set[str] = field(default_factory=set)


def _mod_revision(kv: KeyValue) -> int:
    return kv.mod_revision


def _event_revision(event: Event) -> int:
    return event.kv.mod_revision


class MvccStore:
    def __init__(self) -> None:
        self.revision = 0
        self.compact_revision = 0
        self.leases: dict[int, Lease] = {}
        self.next_lease = 1
        self._keys: SortedList = SortedList()  # every key with versions, but those in _new_keys
        self._new_keys: list[str] = []  # added since keys were last needed in order
        self._versions: dict[str, list[KeyValue]] = {}
        self._log: list[Event] = []
        self._with_history: set[str] = set()  # keys holding more than one version, or a tombstone

    # Reads.

    def get(self, key: str, revision: int = 0) -> KeyValue | NotFound | TooOld:
        at = self._read_revision(revision)
        if isinstance(at, TooOld):
            return at
        kv = self._version_at(key, at)
        return kv if kv is not None and kv.version else NotFound(key, at)

    def range(
        self, prefix: str, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> Listing | TooOld:
        at = self._read_revision(revision)
        if isinstance(at, TooOld):
            return at
        found: list[KeyValue] = []
        start = max(prefix, start_after)
        for key in self._ordered_keys().irange(minimum=start, inclusive=(start != start_after, True)):
            if not key.startswith(prefix):
                break
            kv = self._version_at(key, at)
            if kv is None or not kv.version:
                continue
            if limit and len(found) == limit:
                return Listing(found, at, True)
            found.append(kv)
        return Listing(found, at, False)

    def events_after(self, prefix: str, revision: int) -> list[Event] | TooOld:
        """Logged events under ``prefix`` with a revision above ``revision``."""
        if revision < self.compact_revision:
            return self._too_old(revision)
        start = bisect.bisect_right(self._log, revision, key=_event_revision)
        return [e for e in self._log[start:] if e.kv.key.startswith(prefix)]

    def events_since(self, revision: int) -> list[Event]:
        """Every logged event above ``revision``, which must not be compacted away: what a
        backend has still to persist since it last took them."""
        log = self._log
        if not log or log[-1].kv.mod_revision <= revision:
            return []
        start = len(log) - (self.revision - revision)  # right if every revision logged one event
        if start < 0 or log[start].kv.mod_revision != revision + 1:
            start = bisect.bisect_right(log, revision, key=_event_revision)
        return log[start:]

    def live(self, key: str) -> KeyValue | None:
        return _live(self._versions.get(key))

    # Writes: each returns its outcome; the events it caused go to the log, for the caller to
    # take (``events_since``) and publish once they are durable.

    def create(self, key: str, value: bytes, lease: int = 0) -> Written | Conflict:
        versions = self._versions.get(key)
        current = _live(versions)
        if current is not None:
            return Conflict(current)
        return self._write(key, value, lease, versions, None)

    def update(
        self, key: str, value: bytes, mod_revision: int, lease: int = 0
    ) -> Written | Conflict | NotFound:
        versions = self._versions.get(key)
        current = _live(versions)
        if current is None:
            return NotFound(key, self.revision)
        if current.mod_revision != mod_revision:
            return Conflict(current)
        return self._write(key, value, lease, versions, current)

    def put(self, key: str, value: bytes, lease: int = 0) -> Written:
        versions = self._versions.get(key)
        prev = versions[-1] if versions and versions[-1].version else None  # _live, inlined: hot
        return self._write(key, value, lease, versions, prev)

    def delete(self, key: str, mod_revision: int = 0) -> Deleted | Conflict | NotFound:
        current = self.live(key)
        if current is None:
            return NotFound(key, self.revision)
        if mod_revision and current.mod_revision != mod_revision:
            return Conflict(current)
        self.revision += 1
        tombstone = KeyValue(key, b"", 0, self.revision, 0, 0)
        self._detach_lease(current)
        self._append(tombstone)
        self._log.append(Event("DELETE", tombstone, current))
        return Deleted(current, self.revision)

    def compact(self, revision: int) -> list[int]:
        """Drop versions and events older than ``revision`` (the newest version of each key at
        that revision stays, unless it is a deletion); returns the revisions of the versions
        dropped, for durable stores to drop too."""
        revision = min(revision, self.revision)
        if revision <= self.compact_revision:
            return []
        dropped: list[int] = []
        for key in list(self._with_history):
            versions = self._versions[key]
            keep_from = bisect.bisect_right(versions, revision, key=_mod_revision) - 1
            if keep_from < 0:
                continue
            if not versions[keep_from].version:
                keep_from += 1  # a deletion at or before the compaction point leaves nothing
            dropped.extend(kv.mod_revision for kv in versions[:keep_from])
            del versions[:keep_from]
            if not versions:
                del self._versions[key]
                self._ordered_keys().remove(key)
                self._with_history.discard(key)
            elif len(versions) == 1 and versions[0].version:
                self._with_history.discard(key)
        del self._log[: bisect.bisect_right(self._log, revision, key=_event_revision)]
        self.compact_revision = revision
        return dropped

    # Leases.

    def grant_lease(self, ttl: float, now: float, lease_id: int = 0) -> Lease:
        lease_id = lease_id or self.next_lease
        self.next_lease = max(self.next_lease, lease_id + 1)
        lease = self.leases[lease_id] = Lease(lease_id, ttl, now + ttl)
        return lease

    def refresh_lease(self, lease_id: int, now: float) -> bool:
        lease = self.leases.get(lease_id)
        if lease is None:
            return False
        lease.expires_at = now + lease.ttl
        return True

    def revoke_lease(self, lease_id: int) -> None:
        """End a lease, deleting its keys, one revision each."""
        lease = self.leases.pop(lease_id, None)
        if lease is not None:
            for key in sorted(lease.keys):
                self.delete(key)

    def expired_leases(self, now: float) -> list[int]:
        return [lease.id for lease in self.leases.values() if lease.expires_at <= now]

    def next_expiry(self) -> float | None:
        return min((lease.expires_at for lease in self.leases.values()), default=None)

    # Rebuilding from durable storage.

    def restore(self, kv: KeyValue) -> None:
        """Add a recovered version, in revision order (no event is logged)."""
        previous = self.live(kv.key)
        if previous is not None:
            self._detach_lease(previous)
        self._append(kv)
        if kv.version and kv.lease in self.leases:
            self.leases[kv.lease].keys.add(kv.key)
        self.revision = max(self.revision, kv.mod_revision)

    def restore_event(self, event: Event) -> None:
        self._log.append(event)

    # Internals.

    def _write(
        self, key: str, value: bytes, lease: int, versions: list[KeyValue] | None, prev: KeyValue | None
    ) -> Written:
        """Add a version of ``key`` after ``versions`` (None: the key has none), replacing
        ``prev`` (None: it is not live). The hottest path of every local backend."""
        if len(value) > MAX_VALUE_BYTES:
            raise ValueTooLargeError(
                f"value for {key} is {len(value)} bytes; the limit is {MAX_VALUE_BYTES} bytes (1.5 MiB)"
            )
        if lease and lease not in self.leases:
            raise LeaseNotFoundError(f"lease {lease} not found (expired or never granted)")
        revision = self.revision = self.revision + 1
        if prev is None:
            kv = KeyValue(key, value, revision, revision, 1, lease)
        else:
            kv = KeyValue(key, value, prev.create_revision, revision, prev.version + 1, lease)
            self._detach_lease(prev)
        if lease:
            self.leases[lease].keys.add(key)
        if versions is None:
            self._versions[key] = [kv]
            self._new_keys.append(key)
        else:
            versions.append(kv)
            self._with_history.add(key)
        self._log.append(Event("PUT", kv, prev))
        return Written(kv)

    def _append(self, kv: KeyValue) -> None:
        versions = self._versions.get(kv.key)
        if versions is None:
            self._versions[kv.key] = [kv]
            self._new_keys.append(kv.key)
            if not kv.version:
                self._with_history.add(kv.key)
        else:
            versions.append(kv)
            self._with_history.add(kv.key)

    def _ordered_keys(self) -> SortedList:
        """Every key, in order. New keys are sorted in only when asked for: a store taking
        many creations between ranges then sorts them in one go (or one by one, if few)
        instead of paying an ordered insertion on every create."""
        if self._new_keys:
            self._keys.update(self._new_keys)
            self._new_keys = []
        return self._keys

    def _detach_lease(self, kv: KeyValue) -> None:
        if kv.lease and kv.lease in self.leases:
            self.leases[kv.lease].keys.discard(kv.key)

    def _version_at(self, key: str, revision: int) -> KeyValue | None:
        versions = self._versions.get(key)
        if not versions:
            return None
        if versions[-1].mod_revision <= revision:
            return versions[-1]
        index = bisect.bisect_right(versions, revision, key=_mod_revision) - 1
        return versions[index] if index >= 0 else None

    def _read_revision(self, revision: int) -> int | TooOld:
        if not revision:
            return self.revision
        if revision < self.compact_revision:
            return self._too_old(revision)
        if revision > self.revision:
            raise InvalidRequestError(
                f"revision {revision} is in the future: the store is at {self.revision}"
            )
        return revision

    def _too_old(self, revision: int) -> TooOld:
        return TooOld(
            self.compact_revision,
            f"revision {revision} has been compacted; the oldest available is {self.compact_revision}",
        )


def _live(versions: list[KeyValue] | None) -> KeyValue | None:
    """The newest version, unless there is none or it is a deletion."""
    if versions and versions[-1].version:
        return versions[-1]
    return None
