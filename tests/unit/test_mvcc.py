"""The MVCC core on its own: key order for ranges (new keys are sorted in lazily), and the log
of events a backend takes to persist (``events_since``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kube_actors.storage.base import Conflict, Deleted, Listing, NotFound, Written
from kube_actors.storage.mvcc import MvccStore


def _keys(listing: object) -> list[str]:
    assert isinstance(listing, Listing)
    return [kv.key for kv in listing.kvs]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], ["/r/b", "/r/a", "/r/c"]),  # nothing ordered yet
        (["/r/m"], ["/r/z", "/r/a"]),  # few new keys: sorted in one by one
        ([f"/r/{i:03}" for i in range(50)], [f"/r/{i:03}x" for i in range(40, 0, -1)]),  # many: re-sorted
    ],
)
def test_ranges_list_keys_in_order_however_they_were_created(before: list[str], after: list[str]) -> None:
    store = MvccStore()
    for key in before:
        store.create(key, b"v")
    assert _keys(store.range("/r/")) == sorted(before)
    for key in after:
        store.put(key, b"v")
    assert _keys(store.range("/r/")) == sorted(before + after)
    everything = sorted(before + after)
    assert _keys(store.range("/r/", limit=2, start_after=everything[0])) == everything[1:3]


def test_compaction_forgets_a_deleted_key_created_since_the_last_range() -> None:
    store = MvccStore()
    store.create("/r/kept", b"v")
    assert _keys(store.range("/r/")) == ["/r/kept"]
    store.create("/r/gone", b"v")
    store.delete("/r/gone")
    store.compact(store.revision)
    store.create("/r/new", b"v")
    assert _keys(store.range("/r/")) == ["/r/kept", "/r/new"]


@pytest.mark.parametrize(
    ("write", "outcome", "logged"),
    [
        (lambda s: s.create("/r/a", b"2"), Conflict, 0),
        (lambda s: s.create("/r/b", b"1"), Written, 1),
        (lambda s: s.update("/r/a", b"2", mod_revision=99), Conflict, 0),
        (lambda s: s.update("/r/b", b"2", mod_revision=1), NotFound, 0),
        (lambda s: s.update("/r/a", b"2", mod_revision=1), Written, 1),
        (lambda s: s.put("/r/a", b"2"), Written, 1),
        (lambda s: s.delete("/r/a", mod_revision=99), Conflict, 0),
        (lambda s: s.delete("/r/a"), Deleted, 1),
        (lambda s: s.delete("/r/b"), NotFound, 0),
    ],
)
def test_writes_return_their_outcome_and_log_their_events(
    write: Callable[[MvccStore], object], outcome: type, logged: int
) -> None:
    store = MvccStore()
    store.create("/r/a", b"1")
    assert isinstance(write(store), outcome)
    events = store.events_since(1)
    assert len(events) == logged
    assert [e.kv.mod_revision for e in events] == list(range(2, 2 + logged))


def test_events_since_a_revision_survive_compaction_of_older_ones() -> None:
    store = MvccStore()
    for i in range(10):
        store.put(f"/r/{i % 3}", str(i).encode())
    assert [e.kv.mod_revision for e in store.events_since(7)] == [8, 9, 10]
    store.compact(6)
    assert [e.kv.mod_revision for e in store.events_since(7)] == [8, 9, 10]
    assert [e.kv.mod_revision for e in store.events_since(6)] == [7, 8, 9, 10]
    assert store.events_since(10) == []


def test_events_since_finds_its_place_when_the_log_has_gaps() -> None:
    """A recovered store logs only what it restored, so the log may not hold every revision."""
    source = MvccStore()
    for i in range(6):
        source.put(f"/r/{i}", b"v")
    events = source.events_since(0)
    store = MvccStore()
    for event in events:
        store.restore(event.kv)
        if event.kv.mod_revision in (2, 5, 6):
            store.restore_event(event)
    assert [e.kv.mod_revision for e in store.events_since(4)] == [5, 6]
    assert [e.kv.mod_revision for e in store.events_since(3)] == [5, 6]
    assert [e.kv.mod_revision for e in store.events_since(1)] == [2, 5, 6]
