"""In-cluster components reach the apiserver by message, not HTTP; the verbs mean the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.runtime import Actor, ActorRef, ActorSystem
from kube_actors.storage.config import StorageConfig
from tests.waiting import eventually


def pod(name: str, node: str = "", phase: str = "Pending") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx:1.25"}]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": spec,
        "status": {"phase": phase},
    }


@pytest.fixture
async def apiserver(tmp_path: Path) -> AsyncIterator[tuple[ActorSystem, ActorRef]]:
    async with ActorSystem("cp") as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        yield system, system.ref(f"ka://cp/{API_PATH}")


async def test_verbs_by_message(apiserver: tuple[ActorSystem, ActorRef]) -> None:
    _, api = apiserver
    created = await api.ask(m.CreateObject("pods", "default", pod("web-0", node="node-1")))
    assert created["metadata"]["namespace"] == "default" and created["metadata"]["uid"]
    await api.ask(m.CreateObject("pods", "default", pod("web-1", node="node-2")))
    got = await api.ask(m.GetObject("pods", "default", "web-0"))
    assert got == created
    on_node = await api.ask(m.ListObjects("pods", "default", field_selector="spec.nodeName=node-1"))
    assert [p["metadata"]["name"] for p in on_node["items"]] == ["web-0"]
    ignored = await api.ask(m.PatchObject("pods", "default", "web-0", {"status": {"phase": "Running"}}))
    assert ignored["status"]["phase"] == "Pending"  # status is written through /status only
    patched = await api.ask(
        m.PatchObject("pods", "default", "web-0", {"status": {"phase": "Running"}}, subresource="status")
    )
    assert patched["status"]["phase"] == "Running"
    assert int(patched["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    deployments = await api.ask(m.ListObjects("deployments.apps"))
    assert deployments["kind"] == "DeploymentList" and deployments["items"] == []
    # A pod on a node is only marked; it goes when its kubelet confirms with a zero grace period.
    marked = await api.ask(m.DeleteObject("pods", "default", "web-0"))
    assert marked["metadata"]["deletionTimestamp"] and marked["metadata"]["deletionGracePeriodSeconds"] == 30
    await api.ask(m.DeleteObject("pods", "default", "web-0", grace_period=0))
    with pytest.raises(status.NotFound):
        await api.ask(m.GetObject("pods", "default", "web-0"))


async def test_refusals_keep_their_kind(apiserver: tuple[ActorSystem, ActorRef]) -> None:
    _, api = apiserver
    first = await api.ask(m.CreateObject("configmaps", "default", {"metadata": {"name": "c"}, "data": {}}))
    with pytest.raises(status.AlreadyExists):
        await api.ask(m.CreateObject("configmaps", "default", {"metadata": {"name": "c"}}))
    stale = {**first, "data": {"x": "1"}}
    await api.ask(m.ReplaceObject("configmaps", "default", "c", stale))
    with pytest.raises(status.Conflict):
        await api.ask(m.ReplaceObject("configmaps", "default", "c", stale))
    with pytest.raises(status.Invalid, match=r"metadata\.name"):
        await api.ask(m.CreateObject("configmaps", "default", {"metadata": {"name": "No_Good"}}))
    with pytest.raises(status.NotFound, match="does not serve 'widgets'"):
        await api.ask(m.ListObjects("widgets"))
    with pytest.raises(status.BadRequest, match="field selector"):
        await api.ask(m.ListObjects("pods", field_selector="spec.color=red"))


class Watcher(Actor):
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, m.ObjectEvents):
            self.events.extend(message.events)
        return None


async def test_watch_by_message_with_a_field_selector(apiserver: tuple[ActorSystem, ActorRef]) -> None:
    system, api = apiserver
    await api.ask(m.CreateObject("pods", "default", pod("before", node="node-1")))
    kubelet = system.spawn(Watcher, "kubelet/node-1")
    api.tell(m.WatchObjects("w", str(kubelet.address), "pods", field_selector="spec.nodeName=node-1"))
    await api.ask(m.CreateObject("pods", "default", pod("elsewhere", node="node-2")))
    await api.ask(m.CreateObject("pods", "default", pod("here", node="node-1")))
    await api.ask(m.DeleteObject("pods", "default", "before", grace_period=0))
    cell = system._cells["kubelet/node-1"]
    await eventually(lambda: cell.actor is not None and len(cell.actor.events) == 3)  # type: ignore[attr-defined]
    seen = [(e["type"], e["object"]["metadata"]["name"]) for e in cell.actor.events]  # type: ignore[union-attr,attr-defined]
    assert seen == [("ADDED", "before"), ("ADDED", "here"), ("DELETED", "before")]
    api.tell(m.StopWatch("w", str(kubelet.address)))


async def test_binding_puts_a_pod_on_a_node_once(apiserver: tuple[ActorSystem, ActorRef]) -> None:
    _, api = apiserver
    await api.ask(m.CreateObject("pods", "default", pod("pending")))
    await api.ask(m.BindPod("default", "pending", "node-7"))
    placed = await api.ask(m.GetObject("pods", "default", "pending"))
    assert placed["spec"]["nodeName"] == "node-7"
    assert {"type": "PodScheduled", "status": "True"} in placed["status"]["conditions"]
    with pytest.raises(status.Conflict, match="already assigned to node"):
        await api.ask(m.BindPod("default", "pending", "node-8"))


async def test_eviction_respects_disruption_budgets(apiserver: tuple[ActorSystem, ActorRef]) -> None:
    _, api = apiserver
    for name in ("a", "b"):
        labelled = pod(name)
        labelled["metadata"]["labels"] = {"app": "db"}
        await api.ask(m.CreateObject("pods", "default", labelled))
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "db"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "db"}}},
    }
    await api.ask(m.CreateObject("poddisruptionbudgets.policy", "default", budget))
    with pytest.raises(status.TooManyRequests, match="disruption budget 'db'"):
        await api.ask(m.EvictPod("default", "a"))
    await api.ask(
        m.PatchObject(
            "poddisruptionbudgets.policy",
            "default",
            "db",
            {"status": {"disruptionsAllowed": 1}},
            subresource="status",
        )
    )
    await api.ask(m.EvictPod("default", "a"))
    with pytest.raises(status.NotFound):
        await api.ask(m.GetObject("pods", "default", "a"))


async def test_concurrent_patches_all_land_unless_they_name_a_version(
    apiserver: tuple[ActorSystem, ActorRef],
) -> None:
    _, api = apiserver
    await api.ask(m.CreateObject("configmaps", "default", {"metadata": {"name": "shared"}, "data": {}}))
    patches = [m.PatchObject("configmaps", "default", "shared", {"data": {f"k{i}": "v"}}) for i in range(20)]
    await asyncio.gather(*(api.ask(patch) for patch in patches))
    got = await api.ask(m.GetObject("configmaps", "default", "shared"))
    assert sorted(got["data"]) == sorted(f"k{i}" for i in range(20))
    stale = {"metadata": {"resourceVersion": "1"}, "data": {"late": "v"}}
    with pytest.raises(status.ApiError) as refused:
        await api.ask(m.PatchObject("configmaps", "default", "shared", stale))
    assert refused.value.code == 409


async def test_a_list_at_any_version_by_message(apiserver: tuple[ActorSystem, ActorRef]) -> None:
    _, api = apiserver
    await api.ask(m.CreateObject("pods", "default", pod("web-0")))
    consistent = await api.ask(m.ListObjects("pods", "default"))

    async def caught_up() -> bool:
        listed = await api.ask(m.ListObjects("pods", "default", resource_version="0"))
        return bool(listed["items"] == consistent["items"])

    await eventually(caught_up)
