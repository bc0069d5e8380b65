"""The scheduler actor on an in-process cluster: pending pods are placed and bound, pods that
fit nowhere say why and wait, and a cluster change lets them run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.scheduler.scheduler import Scheduler
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.runtime.clock import VirtualClock
from kube_actors.storage.config import StorageConfig
from tests.waiting import eventually


def node(name: str, cpu: str = "2", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}, "capacity": {"cpu": cpu}},
    }


def pod(name: str, cpu: str = "1", selector: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": "app", "image": "nginx:1.25", "resources": {"requests": {"cpu": cpu}}}]
    }
    if selector:
        spec["nodeSelector"] = selector
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
async def cluster(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[tuple[ActorSystem, ActorRef]]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        system.spawn(lambda: Scheduler(api), "scheduler")
        yield system, api


async def add_ready_node(api: ActorRef, body: dict[str, Any]) -> None:
    """A Node as a kubelet and the node lifecycle controller leave it once Ready: created (with
    the not-ready taint admission gives every new node), then untainted."""
    await api.ask(m.CreateObject("nodes", "", body))
    await api.ask(m.PatchObject("nodes", "", body["metadata"]["name"], {"spec": {"taints": None}}))


async def placement(api: ActorRef) -> dict[str, str]:
    listed = await api.ask(m.ListObjects("pods", "default"))
    return {p["metadata"]["name"]: p["spec"].get("nodeName", "") for p in listed["items"]}


async def test_pods_fill_the_nodes_then_wait_for_room(cluster: tuple[ActorSystem, ActorRef]) -> None:
    _, api = cluster
    for name in ["node-a", "node-b", "node-c"]:
        await add_ready_node(api, node(name))
    for i in range(7):
        await api.ask(m.CreateObject("pods", "default", pod(f"web-{i}")))

    async def six_bound() -> bool:
        return sum(bool(n) for n in (await placement(api)).values()) == 6

    await eventually(six_bound)
    per_node = [n for n in (await placement(api)).values() if n]
    assert sorted(per_node.count(n) for n in set(per_node)) == [2, 2, 2]  # LeastAllocated spreads
    waiting = next(name for name, n in (await placement(api)).items() if not n)

    async def told_why() -> bool:
        conditions = (await api.ask(m.GetObject("pods", "default", waiting)))["status"].get("conditions", [])
        return any(c["type"] == "PodScheduled" and c["status"] == "False" for c in conditions)

    await eventually(told_why)
    got = await api.ask(m.GetObject("pods", "default", waiting))
    condition = next(c for c in got["status"]["conditions"] if c["type"] == "PodScheduled")
    assert condition["reason"] == "Unschedulable"
    assert condition["message"] == "0/3 nodes are available: 3 Insufficient cpu."
    about = f"involvedObject.name={waiting}"
    events = await api.ask(m.ListObjects("events", "default", field_selector=about))
    assert [e["reason"] for e in events["items"]] == ["FailedScheduling"]
    await api.ask(m.DeleteObject("pods", "default", "web-0", grace_period=0))

    async def waiting_bound() -> bool:
        return bool((await placement(api))[waiting])

    await eventually(waiting_bound)


async def test_a_pod_waits_for_a_node_with_its_labels(cluster: tuple[ActorSystem, ActorRef]) -> None:
    _, api = cluster
    await add_ready_node(api, node("plain"))
    await api.ask(m.CreateObject("pods", "default", pod("gpu-job", selector={"gpu": "true"})))
    await api.ask(m.CreateObject("pods", "default", pod("anywhere")))

    async def anywhere_bound() -> bool:
        return (await placement(api))["anywhere"] == "plain"

    await eventually(anywhere_bound)
    assert (await placement(api))["gpu-job"] == ""
    await add_ready_node(api, node("gpu-1", labels={"gpu": "true"}))

    async def gpu_job_bound() -> bool:
        return (await placement(api))["gpu-job"] == "gpu-1"

    await eventually(gpu_job_bound)
    scheduled = await api.ask(m.ListObjects("events", "default", field_selector="reason=Scheduled"))
    assert "Successfully assigned default/gpu-job to gpu-1" in [e["message"] for e in scheduled["items"]]
