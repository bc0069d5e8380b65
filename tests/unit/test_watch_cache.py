"""The apiserver's watch cache: each change reaches only the watches it concerns, as the events
Kubernetes' cacher would send them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.resources import PODS
from kube_actors.api.selectors import EVERYTHING, selection
from kube_actors.components.apiserver import watch_cache
from kube_actors.components.apiserver.bodies import to_json
from kube_actors.components.apiserver.watch_cache import ResourceCache, Subscriber, WatchEvent
from kube_actors.runtime import codec
from kube_actors.storage.base import Event, KeyValue


def stored(name: str, node: str, revision: int, namespace: str = "default") -> KeyValue:
    pod = {"metadata": {"name": name, "namespace": namespace}, "spec": {"nodeName": node}}
    return KeyValue(f"/registry/pods/{namespace}/{name}", codec.encode(pod), 1, revision, 1)


def put(name: str, node: str, revision: int, namespace: str = "default") -> Event:
    return Event("PUT", stored(name, node, revision, namespace), None)


def drained(subscriber: Subscriber) -> list[tuple[str, str, str]]:
    seen = []
    while not subscriber.queue.empty():
        delivery = subscriber.queue.get_nowait()
        assert not isinstance(delivery, status.ApiError)
        seen += [
            (e["type"], e["object"]["metadata"]["name"], e["object"]["metadata"]["resourceVersion"])
            for e in delivery[1]
        ]
    return seen


def test_a_kubelet_sees_a_pod_arrive_and_leave_its_node_and_nothing_else() -> None:
    cache = ResourceCache(PODS, since=0)
    kubelet = cache.subscribe("", 0, selection("", "spec.nodeName=n1", "Pod"))
    everyone = cache.subscribe("", 0, EVERYTHING)
    assert kubelet is not None and everyone is not None
    pending = stored("web", "", 1)
    cache.record([Event("PUT", pending, None)])
    bound = stored("web", "n1", 2)
    cache.record([Event("PUT", bound, pending), put("other", "n2", 3)])
    moved = stored("web", "n2", 4)  # not something Kubernetes allows; the cache must still be right
    cache.record([Event("PUT", moved, bound)])
    assert drained(kubelet) == [("ADDED", "web", "2"), ("DELETED", "web", "4")]
    assert [kind for kind, _, _ in drained(everyone)] == ["ADDED", "MODIFIED", "ADDED", "MODIFIED"]


def test_a_watch_starts_from_a_remembered_version_in_its_namespace() -> None:
    cache = ResourceCache(PODS, since=0)
    cache.record([put("a", "", 1), put("b", "", 2, namespace="other"), put("c", "", 3)])
    late = cache.subscribe("default", 1, EVERYTHING)
    assert late is not None and drained(late) == [("ADDED", "c", "3")]


def test_older_versions_than_remembered_need_a_storage_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_cache, "REMEMBERED_CHANGES", 2)
    cache = ResourceCache(PODS, since=0)
    cache.record([put(f"p{i}", "", i) for i in range(1, 5)])
    assert cache.subscribe("", 1, EVERYTHING) is None
    assert cache.subscribe("", 2, EVERYTHING) is not None


def test_a_watch_that_falls_behind_is_cut_off_with_410(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_cache, "SUBSCRIBER_QUEUE", 2)
    cache = ResourceCache(PODS, since=0)
    slow = cache.subscribe("", 0, EVERYTHING)
    assert slow is not None
    for revision in range(1, 5):
        cache.record([put(f"p{revision}", "", revision)])
    deliveries: list[Any] = []
    while not slow.queue.empty():
        deliveries.append(slow.queue.get_nowait())
    assert isinstance(deliveries[-1], status.Gone)
    cache.record([put("later", "", 9)])
    assert slow.queue.empty()  # no longer subscribed


def lines(subscriber: Subscriber) -> list[bytes]:
    """What an HTTP watch streams for the subscriber's events, as ``http`` writes them."""
    streamed = []
    while not subscriber.queue.empty():
        delivery = subscriber.queue.get_nowait()
        assert not isinstance(delivery, status.ApiError)
        for event in delivery[1]:
            streamed.append(event.line() if isinstance(event, WatchEvent) else to_json(event) + b"\n")
    return streamed


def test_a_change_is_encoded_once_for_every_watch_that_streams_it() -> None:
    cache = ResourceCache(PODS, since=0)
    first, second = cache.subscribe("", 0, EVERYTHING), cache.subscribe("default", 0, EVERYTHING)
    assert first is not None and second is not None
    cache.record([put("a", "n1", 1), put("b", "n2", 2)])
    streamed, again = lines(first), lines(second)
    assert [json.loads(line) for line in streamed] == [
        {
            "type": "ADDED",
            "object": {"metadata": {**meta, "resourceVersion": str(rv)}, "spec": spec, "apiVersion": "v1"},
        }
        for meta, spec, rv in [
            ({"name": "a", "namespace": "default"}, {"nodeName": "n1"}, 1),
            ({"name": "b", "namespace": "default"}, {"nodeName": "n2"}, 2),
        ]
    ]
    assert all(mine is theirs for mine, theirs in zip(streamed, again, strict=True))  # the same bytes


def test_a_watch_that_sees_a_change_otherwise_than_it_was_streams_what_it_sees() -> None:
    cache = ResourceCache(PODS, since=0)
    everyone = cache.subscribe("", 0, EVERYTHING)
    kubelet = cache.subscribe("", 0, selection("", "spec.nodeName=n1", "Pod"))
    assert everyone is not None and kubelet is not None
    pending = stored("web", "", 1)
    cache.record([Event("PUT", pending, None)])
    cache.record([Event("PUT", stored("web", "n1", 2), pending)])  # a MODIFIED that the kubelet sees ADDED
    assert [json.loads(line)["type"] for line in lines(everyone)] == ["ADDED", "MODIFIED"]
    assert [json.loads(line)["type"] for line in lines(kubelet)] == ["ADDED"]


def test_a_cache_started_with_every_object_lists_them_as_changes_arrive() -> None:
    initial = stored("a", "", 1)
    objects = {initial.key: (1, codec.decode(initial.value))}
    cache = ResourceCache(PODS, since=1, objects=objects)
    cache.record([put("c", "", 2), put("b", "", 3, namespace="other")])
    cache.record([Event("DELETE", KeyValue(initial.key, b"", 1, 4, 0), initial)])
    revision, items = cache.snapshot("/registry/pods/")
    assert revision == 4
    names = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in items]
    assert names == [("default", "c"), ("other", "b")]
    assert [p["metadata"]["name"] for p in cache.snapshot("/registry/pods/other/")[1]] == ["b"]


def test_a_cache_started_from_changes_alone_serves_no_lists() -> None:
    assert not ResourceCache(PODS, since=0).complete


def test_an_object_this_apiserver_wrote_is_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    real_decode = watch_cache.decode

    def counting(kv: KeyValue, resource: Any = None) -> dict[str, Any]:
        decoded.append(kv.key)
        return real_decode(kv, resource)

    monkeypatch.setattr(watch_cache, "decode", counting)
    cache = ResourceCache(PODS, since=0)
    mine, theirs = stored("mine", "n1", 1), stored("theirs", "n1", 2)
    written = codec.decode(mine.value)
    cache.writing(mine.key, mine.value, written)
    cache.writing(theirs.key, codec.encode({"metadata": {"name": "theirs"}}), {"not": "what was stored"})
    cache.record([Event("PUT", mine, None), Event("PUT", theirs, None)])
    assert decoded == [theirs.key], "the written object is taken; bytes that differ are decoded"
    assert cache.latest_of(mine.key) == (1, written) and cache.latest_of(mine.key)[1] is written  # type: ignore[index]
    assert written["metadata"]["resourceVersion"] == "1" and written["apiVersion"] == "v1"
    assert cache.latest_of(theirs.key)[1]["metadata"]["name"] == "theirs"  # type: ignore[index]
