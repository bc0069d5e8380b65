"""Kubelets in an in-process cluster on the virtual clock: pods bound by hand run, crash and
restart on Kubernetes' schedule, stop gracefully; a node whose kubelet dies goes NotReady and
loses its pods after their tolerations; memory pressure evicts in QoS order."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.times import unix_seconds
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.node_lifecycle import NodeLifecycleController
from kube_actors.components.kubelet import Kubelet, KubeletConfig, kubelet_path, node_pool, spawn_kubelets
from kube_actors.components.kubelet.messages import Describe, ReadLogs
from kube_actors.components.kubelet.sim_script import PREFIX
from kube_actors.runtime import ActorRef, ActorSystem, VirtualClock
from kube_actors.runtime.clock import sleep
from kube_actors.storage.config import StorageConfig

JsonObject = dict[str, Any]


@dataclass
class Cluster:
    system: ActorSystem
    api: ActorRef
    clock: VirtualClock

    def start_nodes(self, configs: list[KubeletConfig]) -> list[ActorRef]:
        return spawn_kubelets(self.system, self.api, configs)

    def start_node_lifecycle(self) -> None:
        self.system.spawn(partial(NodeLifecycleController, self.api), "controllers/node-lifecycle")

    async def run_pod(
        self, name: str, node: str, *, annotations: dict[str, str] | None = None, **spec: Any
    ) -> None:
        body: JsonObject = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], **spec},
        }
        await self.api.ask(m.CreateObject("pods", "default", body))
        await self.api.ask(m.BindPod("default", name, node))

    async def pod(self, name: str) -> JsonObject | None:
        try:
            found: JsonObject = await self.api.ask(m.GetObject("pods", "default", name))
        except status.NotFound:
            return None
        return found

    async def node(self, name: str) -> JsonObject:
        found: JsonObject = await self.api.ask(m.GetObject("nodes", "", name))
        return found

    async def phase(self, name: str) -> str:
        pod = await self.pod(name)
        return "Gone" if pod is None else str(pod["status"].get("phase"))

    async def until(self, holds: Callable[[], Awaitable[bool]], within: float, step: float = 1.0) -> float:
        """Let simulated time pass until ``holds()``; returns the simulated seconds it took."""
        start = self.clock.now()
        while not await holds():
            if self.clock.now() - start > within:
                raise AssertionError(f"still not true after {within} simulated seconds")
            await sleep(self.clock, step)
        return self.clock.now() - start

    async def wait(self, seconds: float) -> None:
        await sleep(self.clock, seconds)


@pytest.fixture
async def cluster(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[Cluster]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        yield Cluster(system, system.ref(f"ka://cp/{API_PATH}"), virtual_clock)


def ready(node: JsonObject) -> str:
    return next(c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready")


def taint_keys(node: JsonObject) -> set[str]:
    return {f"{t['key'].rsplit('/', 1)[-1]}:{t['effect']}" for t in node["spec"].get("taints") or []}


async def test_nodes_register_and_heartbeat(cluster: Cluster) -> None:
    [kubelet, _] = cluster.start_nodes(node_pool(2))
    await kubelet.ask(Describe())
    node = await cluster.node("node-1")
    assert ready(node) == "True" and node["spec"]["podCIDR"] == "10.244.0.0/24"
    assert node["status"]["allocatable"]["memory"] == "16284Mi"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.32.0"
    assert node["status"]["addresses"][0] == {"type": "InternalIP", "address": "192.168.0.2"}

    async def renewed() -> float:
        lease = await cluster.api.ask(m.GetObject("leases.coordination.k8s.io", "kube-node-lease", "node-1"))
        return unix_seconds(lease["spec"]["renewTime"]) or 0.0

    first = await renewed()
    await cluster.wait(30)
    assert 20 <= await renewed() - first <= 30


async def test_bound_pods_run_with_their_own_ips_and_logs(cluster: Cluster) -> None:
    kubelets = cluster.start_nodes(node_pool(2))
    for index in range(3):
        await cluster.run_pod(f"web-{index}", "node-1")
    await cluster.run_pod("other", "node-2", annotations={f"{PREFIX}logs": "hello\nfrom node-2"})

    async def all_running() -> bool:
        return all([await cluster.phase(n) == "Running" for n in ("web-0", "web-1", "web-2", "other")])

    assert await cluster.until(all_running, within=10) <= 3  # a 2 s image pull, then they run
    ips = {}
    for name in ("web-0", "web-1", "web-2", "other"):
        pod = await cluster.pod(name)
        assert pod is not None
        ips[name] = ipaddress.ip_address(pod["status"]["podIP"])
        assert pod["status"]["containerStatuses"][0]["ready"] is True
    assert len(set(ips.values())) == 4
    assert all(ips[f"web-{i}"] in ipaddress.ip_network("10.244.0.0/24") for i in range(3))
    assert ips["other"] in ipaddress.ip_network("10.244.1.0/24")
    logs = await kubelets[1].ask(ReadLogs("default", "other"))
    assert logs.text == "hello\nfrom node-2\n" and logs.running
    with pytest.raises(status.NotFound):
        await kubelets[0].ask(ReadLogs("default", "other"))
    # What kubectl describe shows: the kubelet pulled, created and started the container.
    about = "involvedObject.name=other"
    events = await cluster.api.ask(m.ListObjects("events", "default", field_selector=about))
    assert [e["reason"] for e in events["items"]] == ["Pulling", "Pulled", "Created", "Started"]
    assert events["items"][3]["message"] == "Started container app"
    assert events["items"][0]["source"] == {"component": "kubelet", "host": "node-2"}


async def test_crash_loop_restarts_follow_the_backoff(cluster: Cluster) -> None:
    cluster.start_nodes(node_pool(1))
    await cluster.run_pod("crasher", "node-1", annotations={f"{PREFIX}crash-after": "5s"})
    starts: list[float] = []

    async def seventh_start() -> bool:
        pod = await cluster.pod("crasher")
        assert pod is not None
        for container in pod["status"].get("containerStatuses") or []:
            running = container["state"].get("running")
            if running and (started := unix_seconds(running["startedAt"])) not in starts:
                starts.append(started or 0.0)
        return len(starts) >= 7

    await cluster.until(seventh_start, within=600)
    gaps = [round(b - a) for a, b in itertools.pairwise(starts)]
    assert gaps == [5, 15, 25, 45, 85, 165]  # 5 s of running, then backoffs of 0, 10, 20, 40, 80, 160 s
    pod = await cluster.pod("crasher")
    assert pod is not None and pod["status"]["containerStatuses"][0]["restartCount"] == 6


async def test_graceful_deletion_waits_for_containers_to_stop(cluster: Cluster) -> None:
    cluster.start_nodes(node_pool(1))
    await cluster.run_pod("slow", "node-1", annotations={f"{PREFIX}stop-seconds": "8"})
    await cluster.until(lambda: _is(cluster, "slow", "Running"), within=10)
    await cluster.api.ask(m.DeleteObject("pods", "default", "slow"))
    await cluster.wait(5)
    pod = await cluster.pod("slow")
    assert pod is not None and pod["metadata"]["deletionTimestamp"]
    took = await cluster.until(lambda: _is(cluster, "slow", "Gone"), within=30)
    assert took <= 5


async def test_a_job_like_pod_succeeds_and_frees_its_ip(cluster: Cluster) -> None:
    [kubelet] = cluster.start_nodes(node_pool(1))
    await cluster.run_pod("job", "node-1", restartPolicy="Never")
    await cluster.until(lambda: _is(cluster, "job", "Succeeded"), within=20)
    pod = await cluster.pod("job")
    assert pod is not None
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert (await kubelet.ask(Describe())).ips_in_use == 0


async def test_a_dead_kubelet_loses_its_pods_after_their_tolerations_and_comes_back(cluster: Cluster) -> None:
    configs = node_pool(2)
    kubelets = cluster.start_nodes(configs)
    cluster.start_node_lifecycle()
    await cluster.run_pod("web", "node-1")
    await cluster.until(lambda: _is(cluster, "web", "Running"), within=10)
    await cluster.system.stop(kubelets[0])

    async def unknown() -> bool:
        return ready(await cluster.node("node-1")) == "Unknown"

    assert 40 <= await cluster.until(unknown, within=60) <= 47  # the grace period, checked every 5 s
    node = await cluster.node("node-1")
    assert taint_keys(node) == {"unreachable:NoSchedule", "unreachable:NoExecute"}
    pod = await cluster.pod("web")
    assert (
        pod is not None
        and {"type": "Ready", "status": "False"}.items()
        <= next(c for c in pod["status"]["conditions"] if c["type"] == "Ready").items()
    )
    await cluster.wait(290)
    pod = await cluster.pod("web")
    assert pod is not None and not pod["metadata"].get("deletionTimestamp"), "tolerated for 300 s"

    async def evicted() -> bool:
        pod = await cluster.pod("web")
        return pod is not None and bool(pod["metadata"].get("deletionTimestamp"))

    assert await cluster.until(evicted, within=30) <= 15
    pod = await cluster.pod("web")
    assert pod is not None
    assert {"type": "DisruptionTarget", "reason": "DeletionByTaintManager"}.items() <= next(
        c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget"
    ).items()

    cluster.system.spawn(partial(Kubelet, cluster.api, configs[0]), kubelet_path("node-1"))

    async def recovered() -> bool:
        node = await cluster.node("node-1")
        return ready(node) == "True" and not taint_keys(node)

    await cluster.until(recovered, within=30)
    await cluster.until(lambda: _is(cluster, "web", "Gone"), within=30)  # the kubelet finishes the deletion


async def test_memory_pressure_evicts_best_effort_then_burstable(cluster: Cluster) -> None:
    small = KubeletConfig("node-1", capacity={"cpu": "4", "memory": "1Gi", "pods": "110"})
    cluster.start_nodes([small, *node_pool(2)[1:]])
    cluster.start_node_lifecycle()

    def limits(memory: str, *, limit: bool) -> dict[str, Any]:
        amounts = {"requests": {"memory": memory}}
        if limit:
            amounts["limits"] = {"memory": memory, "cpu": "100m"}
            amounts["requests"]["cpu"] = "100m"
        return {"containers": [{"name": "app", "image": "nginx:1.25", "resources": amounts}]}

    await cluster.run_pod("guaranteed", "node-1", **limits("256Mi", limit=True))
    await cluster.run_pod(
        "burstable",
        "node-1",
        annotations={f"{PREFIX}memory": "300Mi, 300Mi@30s, 400Mi@60s, 700Mi@120s"},
        **limits("200Mi", limit=False),
    )
    await cluster.run_pod("best-effort", "node-1", annotations={f"{PREFIX}memory": "300Mi"})
    phases = {}

    async def two_evicted() -> bool:
        for name in ("guaranteed", "burstable", "best-effort"):
            pod = await cluster.pod(name)
            assert pod is not None
            if pod["status"].get("reason") == "Evicted" and name not in phases:
                phases[name] = cluster.clock.now()
        return len(phases) == 2

    await cluster.until(two_evicted, within=300, step=2)
    assert sorted(phases, key=phases.__getitem__) == ["best-effort", "burstable"]
    assert await cluster.phase("guaranteed") == "Running"
    evicted = await cluster.pod("best-effort")
    assert evicted is not None and evicted["status"]["phase"] == "Failed"
    node = await cluster.node("node-1")
    pressure = next(c for c in node["status"]["conditions"] if c["type"] == "MemoryPressure")
    assert pressure["status"] == "True"
    assert "memory-pressure:NoSchedule" in taint_keys(node)


async def test_pod_ips_run_out_and_come_back(cluster: Cluster) -> None:
    cluster.start_nodes([KubeletConfig("node-1", pod_cidr="10.9.0.0/29")])  # five pod addresses
    for index in range(6):
        await cluster.run_pod(f"p{index}", "node-1")
    await cluster.wait(15)
    phases = [await cluster.phase(f"p{i}") for i in range(6)]
    assert phases.count("Running") == 5 and phases.count("Pending") == 1
    waiting = f"p{phases.index('Pending')}"
    await cluster.api.ask(
        m.DeleteObject("pods", "default", "p0" if waiting != "p0" else "p1", grace_period=0)
    )
    await cluster.until(lambda: _is(cluster, waiting, "Running"), within=20)


async def _is(cluster: Cluster, name: str, phase: str) -> bool:
    return await cluster.phase(name) == phase
