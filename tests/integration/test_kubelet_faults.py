"""Faults injected through a node's kubelet in an in-process cluster on the virtual clock, as a
scenario's timeline does: a crashed container restarts on the CrashLoopBackOff schedule, memory
set above a container's limit gets it OOMKilled, and memory that grows on a node makes the
kubelet evict the BestEffort pod while the Guaranteed one keeps running."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.components.kubelet import CrashContainer, KubeletConfig, SetUsage, node_pool
from tests.integration.test_kubelets import Cluster, JsonObject, _is, cluster

__all__ = ["cluster"]  # the fixture, shared with test_kubelets


def app_status(pod: JsonObject | None) -> JsonObject:
    assert pod is not None
    found: JsonObject = pod["status"]["containerStatuses"][0]
    return found


def resources(memory: str, *, limit: bool) -> dict[str, Any]:
    amounts: dict[str, Any] = {"requests": {"memory": memory, "cpu": "100m"}}
    if limit:
        amounts["limits"] = {"memory": memory, "cpu": "100m"}
    return {"containers": [{"name": "app", "image": "nginx:1.25", "resources": amounts}]}


async def running_again(cluster: Cluster, name: str, restarts: int) -> bool:
    container = app_status(await cluster.pod(name))
    return container["restartCount"] == restarts and "running" in container["state"]


async def test_a_crashed_container_restarts_with_backoff(cluster: Cluster) -> None:
    [kubelet, other] = cluster.start_nodes(node_pool(2))
    await cluster.run_pod("web", "node-1")
    await cluster.until(lambda: _is(cluster, "web", "Running"), within=10)

    assert await kubelet.ask(CrashContainer("default", "web", "app", exit_code=42)) is None
    assert await cluster.until(lambda: running_again(cluster, "web", 1), within=10) <= 1  # no backoff yet
    last = app_status(await cluster.pod("web"))["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (42, "Error")

    await kubelet.ask(CrashContainer("default", "web", "app"))
    await cluster.wait(1)
    waiting = app_status(await cluster.pod("web"))["state"]["waiting"]
    assert waiting["reason"] == "CrashLoopBackOff" and waiting["message"].startswith("back-off 10s")
    with pytest.raises(status.NotFound, match="not running: CrashLoopBackOff"):
        await kubelet.ask(CrashContainer("default", "web", "app"))
    took = await cluster.until(lambda: running_again(cluster, "web", 2), within=30)
    assert 8 <= took <= 10  # the rest of the 10 s backoff
    assert await cluster.phase("web") == "Running"
    with pytest.raises(status.NotFound, match='pods "web" not found'):
        await other.ask(CrashContainer("default", "web", "app"))


async def test_memory_set_above_the_limit_is_oom_killed(cluster: Cluster) -> None:
    [kubelet] = cluster.start_nodes(node_pool(1))
    await cluster.run_pod("web", "node-1", **resources("256Mi", limit=True))
    await cluster.until(lambda: _is(cluster, "web", "Running"), within=10)
    with pytest.raises(status.BadRequest, match="memory: quantities must match"):
        await kubelet.ask(SetUsage("default", "web", "app", memory="a lot"))

    await kubelet.ask(SetUsage("default", "web", "app", memory="200Mi, 300Mi@20s"))
    await cluster.wait(5)
    assert app_status(await cluster.pod("web"))["restartCount"] == 0, "still under its limit"
    assert 5 <= await cluster.until(lambda: running_again(cluster, "web", 1), within=30) <= 8
    last = app_status(await cluster.pod("web"))["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "OOMKilled")


async def test_memory_growing_on_a_node_evicts_the_best_effort_pod(cluster: Cluster) -> None:
    small = KubeletConfig("node-1", capacity={"cpu": "4", "memory": "1Gi", "pods": "110"})
    [kubelet] = cluster.start_nodes([small])
    await cluster.run_pod("guaranteed", "node-1", **resources("256Mi", limit=True))
    await cluster.run_pod("burstable", "node-1", **resources("200Mi", limit=False))
    await cluster.run_pod("best-effort", "node-1")

    async def all_running() -> bool:
        return all([await _is(cluster, n, "Running") for n in ("guaranteed", "burstable", "best-effort")])

    await cluster.until(all_running, within=10)
    await cluster.wait(30)
    assert await all_running(), "464Mi used of 1Gi: no pressure"

    assert await kubelet.ask(SetUsage("default", "best-effort", "app", memory="600Mi")) is None
    took = await cluster.until(lambda: _is(cluster, "best-effort", "Failed"), within=30)
    assert took <= 11  # the kubelet looks at memory every 10 s
    evicted = await cluster.pod("best-effort")
    assert evicted is not None and evicted["status"]["reason"] == "Evicted"
    assert "Container app was using 614400Ki, request is 0" in evicted["status"]["message"]
    assert await _is(cluster, "guaranteed", "Running") and await _is(cluster, "burstable", "Running")
    node = await cluster.node("node-1")
    pressure = next(c for c in node["status"]["conditions"] if c["type"] == "MemoryPressure")
    assert pressure["status"] == "True"
