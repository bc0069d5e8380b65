"""The official ``kubernetes`` Python client against ``kube-actors up`` in another process."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.e2e.cluster_process import ClusterProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    # A short history, so the test of compacted resourceVersions does not wait five minutes.
    running = ClusterProcess(
        tmp_path_factory.mktemp("cluster"), "--history-revisions", "20", "--compaction-interval", "0.2"
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def core(cluster: ClusterProcess) -> client.CoreV1Api:
    return client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))


def config_map(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def test_create_read_update_delete(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("default", config_map("crud", a="1"))
    assert created.metadata.uid and created.metadata.resource_version
    read = core.read_namespaced_config_map("crud", "default")
    assert read.data == {"a": "1"}
    read.data["a"] = "2"
    replaced = core.replace_namespaced_config_map("crud", "default", read)
    assert replaced.data == {"a": "2"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    core.delete_namespaced_config_map("crud", "default")
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("crud", "default")
    assert missing.value.status == 404


def test_a_stale_update_is_a_409_conflict(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", config_map("contended", v="0"))
    first = core.read_namespaced_config_map("contended", "default")
    second = core.read_namespaced_config_map("contended", "default")
    first.data["v"] = "first"
    core.replace_namespaced_config_map("contended", "default", first)
    second.data["v"] = "second"
    with pytest.raises(ApiException) as stale:
        core.replace_namespaced_config_map("contended", "default", second)
    assert stale.value.status == 409
    assert core.read_namespaced_config_map("contended", "default").data["v"] == "first"


def test_list_then_watch_then_resume(core: client.CoreV1Api) -> None:
    core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watching"}})
    core.create_namespaced_config_map("watching", config_map("before"))
    listed = core.list_namespaced_config_map("watching")
    assert [cm.metadata.name for cm in listed.items] == ["before"]
    core.create_namespaced_config_map("watching", config_map("after-1"))
    core.create_namespaced_config_map("watching", config_map("after-2"))
    stream = watch.Watch().stream(
        core.list_namespaced_config_map,
        "watching",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=5,
    )
    seen = []
    for event in stream:
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 2:
            break
    assert seen == [("ADDED", "after-1"), ("ADDED", "after-2")]
    # Resuming from the first event's version replays only what came after it.
    resumed = watch.Watch().stream(
        core.list_namespaced_config_map,
        "watching",
        resource_version=_version_of(core, "after-1"),
        timeout_seconds=5,
    )
    for event in resumed:
        assert (event["type"], event["object"].metadata.name) == ("ADDED", "after-2")
        break


def _version_of(core: client.CoreV1Api, name: str) -> str:
    version: str = core.read_namespaced_config_map(name, "watching").metadata.resource_version
    return version


def test_a_compacted_resource_version_is_410_gone(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", config_map("churn"))
    old_version = core.read_namespaced_config_map("churn", "default").metadata.resource_version
    for i in range(40):
        core.patch_namespaced_config_map("churn", "default", {"data": {"i": str(i)}})
    time.sleep(1.0)  # a compaction has run
    stream = watch.Watch().stream(
        core.list_namespaced_config_map, "default", resource_version=old_version, timeout_seconds=5
    )
    with pytest.raises(ApiException) as gone:
        for _ in stream:
            pass
    assert gone.value.status == 410


def test_eviction_through_the_client(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod(
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "evictee"},
            "spec": {"containers": [{"name": "a", "image": "nginx:1.25"}]},
        },
    )
    core.create_namespaced_pod_eviction(
        "evictee", "default", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "evictee"}}
    )
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_pod("evictee", "default")
    assert gone.value.status == 404


def test_send_initial_events_ends_with_an_annotated_bookmark(cluster: ClusterProcess) -> None:
    base = f"{cluster.url}/api/v1/namespaces/default/configmaps"
    query = (
        "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true"
        "&resourceVersionMatch=NotOlderThan&timeoutSeconds=2"
    )
    with urllib.request.urlopen(base + query, timeout=10) as stream:
        events = [json.loads(line) for line in stream]
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks and bookmarks[0]["object"]["metadata"]["annotations"] == {
        "k8s.io/initial-events-end": "true"
    }
    assert all(e["type"] == "ADDED" for e in events[: events.index(bookmarks[0])])
    refused = urllib.request.Request(base + "?watch=true&sendInitialEvents=true")
    with pytest.raises(urllib.error.HTTPError) as invalid:
        urllib.request.urlopen(refused, timeout=10)
    assert invalid.value.code == 422
