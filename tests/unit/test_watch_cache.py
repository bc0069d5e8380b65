"""The apiserver's watch cache: each change reaches only the watches it concerns, as the events
Kubernetes' cacher would send them."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.resources import PODS
from kube_actors.api.selectors import EVERYTHING, selection
from kube_actors.components.apiserver import watch_cache
from kube_actors.components.apiserver.watch_cache import ResourceCache, Subscriber
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
