"""The storage contract: what the apiserver relies on, checked over every backend.

Revisions are compared relative to the store's revision when the test starts, because a real
etcd starts at 1 and is shared by the tests of a module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from kube_actors.storage.base import (
    Conflict,
    Deleted,
    Event,
    KeyValue,
    Listing,
    NotFound,
    StorageError,
    TooOld,
    ValueTooLargeError,
    WatchStream,
    Written,
)
from tests.contract.conftest import Harness


async def _written(result: object) -> KeyValue:
    assert isinstance(result, Written), result
    return result.kv


async def _next_events(stream: WatchStream, count: int, timeout: float = 10.0) -> list[Event]:
    events: list[Event] = []

    async def collect() -> None:
        async for batch in stream:
            assert not isinstance(batch, TooOld), batch
            events.extend(batch)
            if len(events) >= count:
                return

    await asyncio.wait_for(collect(), timeout)
    return events


async def test_an_empty_prefix_has_nothing(harness: Harness) -> None:
    backend = harness.backend
    base = await backend.revision()
    assert await backend.get(harness.key("/registry/pods/default/web")) == NotFound(
        harness.key("/registry/pods/default/web"), base
    )
    listing = await backend.range(harness.key("/registry/"))
    assert isinstance(listing, Listing) and listing.kvs == [] and not listing.more


async def test_create_then_create_again_conflicts(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/pods/default/web")
    base = await backend.revision()
    kv = await _written(await backend.create(key, b"v1"))
    assert (kv.key, kv.value, kv.version) == (key, b"v1", 1)
    assert kv.create_revision == kv.mod_revision == base + 1
    assert await backend.revision() == base + 1
    assert await backend.create(key, b"v2") == Conflict(kv)
    assert await backend.revision() == base + 1  # a refused write is not a revision
    assert await backend.get(key) == kv


async def test_update_is_compare_and_swap_on_mod_revision(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/configmaps/default/cfg")
    first = await _written(await backend.create(key, b"v1"))
    second = await _written(await backend.update(key, b"v2", mod_revision=first.mod_revision))
    assert second.version == 2 and second.create_revision == first.create_revision
    assert second.mod_revision > first.mod_revision
    stale = await backend.update(key, b"v3", mod_revision=first.mod_revision)
    assert stale == Conflict(second)
    missing = await backend.update(harness.key("/registry/configmaps/default/none"), b"x", mod_revision=1)
    assert isinstance(missing, NotFound)
    assert (await backend.get(key)) == second


async def test_put_writes_unconditionally(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/leases/kube-node-lease/node-1")
    one = await _written(await backend.put(key, b"a"))
    two = await _written(await backend.put(key, b"b"))
    assert (one.version, two.version, two.value) == (1, 2, b"b")
    assert two.create_revision == one.create_revision


async def test_delete_guarded_and_unguarded(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/pods/default/web")
    kv = await _written(await backend.create(key, b"v1"))
    assert await backend.delete(key, mod_revision=kv.mod_revision + 100) == Conflict(kv)
    deleted = await backend.delete(key, mod_revision=kv.mod_revision)
    assert isinstance(deleted, Deleted) and deleted.prev == kv
    assert deleted.revision == kv.mod_revision + 1 == await backend.revision()
    assert isinstance(await backend.get(key), NotFound)
    assert isinstance(await backend.delete(key), NotFound)
    again = await _written(await backend.create(key, b"v2"))
    assert again.version == 1 and again.create_revision == again.mod_revision  # a new life
    assert isinstance(await backend.delete(key), Deleted)


async def test_range_lists_a_prefix_in_key_order_with_pages(harness: Harness) -> None:
    backend = harness.backend
    names = ["c", "a", "e", "b", "d"]
    for name in names:
        await backend.create(harness.key(f"/registry/pods/default/{name}"), name.encode())
    await backend.create(harness.key("/registry/podtemplates/default/x"), b"other resource")
    await backend.create(harness.key("/registry/pods0"), b"not under the prefix")
    prefix = harness.key("/registry/pods/")
    listing = await backend.range(prefix)
    assert isinstance(listing, Listing)
    assert [kv.value for kv in listing.kvs] == [b"a", b"b", b"c", b"d", b"e"]
    assert listing.revision == await backend.revision()

    page = await backend.range(prefix, limit=2)
    assert isinstance(page, Listing) and [kv.value for kv in page.kvs] == [b"a", b"b"] and page.more
    rest = await backend.range(prefix, limit=2, start_after=page.kvs[-1].key, revision=page.revision)
    assert isinstance(rest, Listing) and [kv.value for kv in rest.kvs] == [b"c", b"d"] and rest.more
    last = await backend.range(prefix, limit=2, start_after=rest.kvs[-1].key, revision=page.revision)
    assert isinstance(last, Listing) and [kv.value for kv in last.kvs] == [b"e"] and not last.more


async def test_reads_at_a_past_revision_see_the_past(harness: Harness) -> None:
    backend = harness.backend
    web, db = harness.key("/registry/pods/default/web"), harness.key("/registry/pods/default/db")
    v1 = await _written(await backend.create(web, b"v1"))
    await backend.update(web, b"v2", mod_revision=v1.mod_revision)
    await backend.create(db, b"db")
    await backend.delete(web)
    assert await backend.get(web, revision=v1.mod_revision) == v1
    then = await backend.range(harness.key("/registry/pods/"), revision=v1.mod_revision)
    assert isinstance(then, Listing) and then.kvs == [v1] and then.revision == v1.mod_revision
    now = await backend.range(harness.key("/registry/pods/"))
    assert isinstance(now, Listing) and [kv.key for kv in now.kvs] == [db]


async def test_watch_replays_history_then_follows_changes(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/pods/default/web")
    start = await backend.revision()
    created = await _written(await backend.create(key, b"v1"))
    stream = backend.watch(harness.key("/registry/pods/"), after_revision=start)
    updated = await _written(await backend.update(key, b"v2", mod_revision=created.mod_revision))
    await backend.create(harness.key("/registry/services/default/web"), b"not watched")
    deleted = await backend.delete(key)
    assert isinstance(deleted, Deleted)
    try:
        events = await _next_events(stream, 3)
    finally:
        await stream.close()
    assert [e.type for e in events] == ["PUT", "PUT", "DELETE"]
    assert [e.kv.mod_revision for e in events] == [start + 1, start + 2, start + 4]
    assert events[0].kv == created and events[0].prev is None
    assert events[1].kv == updated and events[1].prev == created
    assert events[2].prev == updated and events[2].kv.key == key and events[2].kv.version == 0


async def test_watch_from_the_present_sees_only_what_follows(harness: Harness) -> None:
    backend = harness.backend
    await backend.create(harness.key("/registry/pods/default/old"), b"old")
    stream = backend.watch(harness.key("/registry/pods/"), after_revision=await backend.revision())
    try:
        await backend.create(harness.key("/registry/pods/default/new"), b"new")
        (event,) = await _next_events(stream, 1)
    finally:
        await stream.close()
    assert event.kv.value == b"new"


async def test_several_watchers_each_get_every_event_in_order(harness: Harness) -> None:
    backend = harness.backend
    start = await backend.revision()
    streams = [backend.watch(harness.key("/registry/pods/"), after_revision=start) for _ in range(5)]
    try:
        for i in range(50):
            await backend.put(harness.key(f"/registry/pods/default/p{i % 7}"), str(i).encode())
        seen = await asyncio.gather(*(_next_events(s, 50) for s in streams))
    finally:
        for stream in streams:
            await stream.close()
    for events in seen:
        assert [e.kv.value for e in events] == [str(i).encode() for i in range(50)]
        revisions = [e.kv.mod_revision for e in events]
        assert revisions == sorted(revisions) == list(range(start + 1, start + 51))


async def test_compaction_makes_older_revisions_too_old(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/pods/default/web")
    start = await backend.revision()
    first = await _written(await backend.create(key, b"v1"))
    kv = first
    for n in range(2, 6):
        kv = await _written(await backend.update(key, f"v{n}".encode(), mod_revision=kv.mod_revision))
    await backend.compact(kv.mod_revision - 1)

    old = await backend.get(key, revision=first.mod_revision)
    assert isinstance(old, TooOld) and old.compact_revision == kv.mod_revision - 1
    assert isinstance(await backend.range(harness.key("/registry/"), revision=first.mod_revision), TooOld)
    stream = backend.watch(harness.key("/registry/"), after_revision=start)
    outcomes = [batch async for batch in stream]
    assert len(outcomes) == 1 and isinstance(outcomes[0], TooOld)

    # At and after the compaction point everything still works.
    at = await backend.get(key, revision=kv.mod_revision - 1)
    assert isinstance(at, KeyValue) and at.value == b"v4"
    assert await backend.get(key) == kv
    stream = backend.watch(harness.key("/registry/"), after_revision=kv.mod_revision - 1)
    try:
        (event,) = await _next_events(stream, 1)
    finally:
        await stream.close()
    assert event.kv == kv


async def test_a_watcher_that_falls_behind_is_cut_off_explicitly(
    make_harness: Callable[..., Awaitable[Harness]],
) -> None:
    harness = await make_harness(watch_buffer=20)
    backend = harness.backend
    stream = backend.watch(harness.key("/registry/"), after_revision=await backend.revision())
    try:
        for i in range(100):
            await backend.put(harness.key(f"/registry/events/default/e{i}"), b"x")
        await asyncio.sleep(0.5)  # a watcher busy elsewhere
        received = 0
        ending: object = None
        async for batch in stream:
            if isinstance(batch, TooOld):
                ending = batch
                break
            received += len(batch)
    finally:
        await stream.close()
    assert isinstance(ending, TooOld) and "fell behind" in ending.reason
    assert received < 100


async def test_keys_on_a_lease_vanish_when_it_expires(harness: Harness) -> None:
    backend = harness.backend
    event_key = harness.key("/registry/events/default/web.1")
    lease = await backend.grant_lease(2)
    kv = await _written(await backend.create(event_key, b"Scheduled", lease=lease))
    assert kv.lease == lease
    stream = backend.watch(harness.key("/registry/events/"), after_revision=kv.mod_revision)
    try:
        await harness.wait(1)
        assert isinstance(await backend.get(event_key), KeyValue)
        await harness.wait(3)
        (event,) = await _next_events(stream, 1)
    finally:
        await stream.close()
    assert event.type == "DELETE" and event.prev == kv
    assert isinstance(await backend.get(event_key), NotFound)
    assert not await backend.refresh_lease(lease)


async def test_a_refreshed_lease_lives_on_and_a_revoked_one_ends_now(harness: Harness) -> None:
    backend = harness.backend
    renewed, revoked = harness.key("/registry/a"), harness.key("/registry/b")
    lease_a = await backend.grant_lease(3)
    lease_b = await backend.grant_lease(300)
    await backend.put(renewed, b"a", lease=lease_a)
    await backend.put(revoked, b"b", lease=lease_b)
    await harness.wait(2)
    assert await backend.refresh_lease(lease_a)
    await harness.wait(2)
    assert isinstance(await backend.get(renewed), KeyValue)  # 4 s after grant, 2 s after refresh
    await backend.revoke_lease(lease_b)
    assert isinstance(await backend.get(revoked), NotFound)


async def test_writes_naming_an_unknown_lease_fail(harness: Harness) -> None:
    backend = harness.backend
    base = await backend.revision()
    with pytest.raises(StorageError, match="lease"):
        await backend.put(harness.key("/registry/x"), b"x", lease=987654321)
    assert await backend.revision() == base


async def test_values_over_one_and_a_half_mebibytes_are_refused(harness: Harness) -> None:
    backend, key = harness.backend, harness.key("/registry/configmaps/default/huge")
    base = await backend.revision()
    with pytest.raises(ValueTooLargeError, match=r"1\.5 MiB"):
        await backend.create(key, b"x" * (1536 * 1024 + 1))
    assert await backend.revision() == base
    assert isinstance(await backend.get(key), NotFound)
    assert isinstance(await backend.create(key, b"x" * (1024 * 1024)), Written)
