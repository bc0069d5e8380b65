"""The DaemonSet controller on an in-process cluster with the virtual clock. Nodes are created
through the API; a test-only stand-in for the scheduler and kubelets binds each daemon pod to
the node its affinity names and marks it Running and Ready."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.times import timestamp
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.base import ProcessQueue
from kube_actors.components.controllers.daemonset import DaemonSetController
from kube_actors.components.controllers.daemonset.pods import REVISION_LABEL, target_node
from kube_actors.components.informing import Change, Informer, InformingActor
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.runtime.clock import VirtualClock
from kube_actors.storage.config import StorageConfig

JsonObject = dict[str, Any]
NAMESPACE = "kube-system"


class PinnedPodRunner(InformingActor):
    """TEST-ONLY: binds each pod to the node its affinity pins it to, marks it Running and
    Ready, and confirms deletions (a kubelet's zero-grace delete). Notes every pod change it
    sees, in order, for tests that check what held at each instant."""

    def __init__(self, api: ActorRef, seen: list[Change]) -> None:
        super().__init__(api)
        self.seen = seen

    async def on_start(self) -> None:
        await self.inform("pods", namespace=NAMESPACE)

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        self.seen.extend(changes)
        for change in changes:
            pod = change.object
            if change.type == "DELETED":
                continue
            name = pod["metadata"]["name"]
            try:
                if pod["metadata"].get("deletionTimestamp"):
                    await self.api.ask(m.DeleteObject("pods", NAMESPACE, name, grace_period=0))
                elif not pod["spec"].get("nodeName"):
                    await self.api.ask(m.BindPod(NAMESPACE, name, target_node(pod)))
                elif pod["status"].get("phase") == "Pending":
                    ready = [
                        {"type": "Ready", "status": "True", "lastTransitionTime": timestamp(self.clock.now())}
                    ]
                    running = {"status": {"phase": "Running", "conditions": ready}}
                    await self.api.ask(m.PatchObject("pods", NAMESPACE, name, running, subresource="status"))
            except (status.NotFound, status.Conflict):
                pass


@pytest.fixture
async def cluster(
    tmp_path: Path, virtual_clock: VirtualClock
) -> AsyncIterator[tuple[ActorRef, list[Change]]]:
    seen: list[Change] = []
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        controller = system.spawn(lambda: DaemonSetController(api), "controllers/daemonset")
        system.spawn(lambda: PinnedPodRunner(api, seen), "test/kubelets")
        await controller.ask(ProcessQueue())
        yield api, seen


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 (the condition is the apiserver's state)
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


async def add_node(
    api: ActorRef,
    name: str,
    labels: dict[str, str] | None = None,
    taints: list[JsonObject] | None = None,
    *,
    ready: bool = True,
) -> None:
    """A node that has registered (tainted not-ready by admission) and, if ``ready``, become
    ready: rid of that taint, as the node lifecycle controller does once its kubelet says so."""
    body = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}}
    created = await api.ask(m.CreateObject("nodes", "", body))
    assert created["spec"]["taints"] == [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    if ready:
        await make_ready(api, name, taints)


async def make_ready(api: ActorRef, name: str, taints: list[JsonObject] | None = None) -> None:
    await api.ask(m.PatchObject("nodes", "", name, {"spec": {"taints": taints or []}}))


def daemon_set(
    name: str = "agent", image: str = "agent:1", strategy: JsonObject | None = None, **pod_spec: Any
) -> JsonObject:
    labels = {"app": name}
    spec: JsonObject = {
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "agent", "image": image}], **pod_spec},
        },
    }
    if strategy is not None:
        spec["updateStrategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name}, "spec": spec}


async def placement(api: ActorRef) -> dict[str, list[str]]:
    """Node to the revisions of the live daemon pods running there."""
    listed = await api.ask(m.ListObjects("pods", NAMESPACE))
    placed: dict[str, list[str]] = {}
    for pod in listed["items"]:
        if pod["status"].get("phase") == "Running" and not pod["metadata"].get("deletionTimestamp"):
            placed.setdefault(pod["spec"]["nodeName"], []).append(pod["metadata"]["labels"][REVISION_LABEL])
    return placed


async def ds_status(api: ActorRef, name: str = "agent") -> JsonObject:
    found: JsonObject = await api.ask(m.GetObject("daemonsets.apps", NAMESPACE, name))
    return dict(found.get("status") or {})


async def test_a_daemon_set_covers_every_node_and_nodes_that_join_later(
    cluster: tuple[ActorRef, list[Change]],
) -> None:
    api, _ = cluster
    for name in ["n1", "n2"]:
        await add_node(api, name)
    await api.ask(m.CreateObject("daemonsets.apps", NAMESPACE, daemon_set()))

    async def on_nodes(*nodes: str) -> bool:
        placed = await placement(api)
        return sorted(placed) == sorted(nodes) and all(len(revisions) == 1 for revisions in placed.values())

    await until(lambda: on_nodes("n1", "n2"))
    await add_node(api, "n3", ready=False)
    await asyncio.sleep(0.05)
    assert sorted(await placement(api)) == ["n1", "n2"]  # daemon pods wait for a node to be ready
    await make_ready(api, "n3")
    await until(lambda: on_nodes("n1", "n2", "n3"))

    async def counted() -> bool:
        found = await ds_status(api)
        return all(
            found.get(key) == 3
            for key in (
                "desiredNumberScheduled",
                "currentNumberScheduled",
                "numberReady",
                "numberAvailable",
                "updatedNumberScheduled",
            )
        )

    await until(counted)
    await api.ask(m.DeleteObject("nodes", "", "n2"))

    async def desired_two() -> bool:
        return (await ds_status(api)).get("desiredNumberScheduled") == 2

    await until(desired_two)


async def test_only_eligible_nodes_get_a_pod_and_nodes_that_stop_being_eligible_lose_it(
    cluster: tuple[ActorRef, list[Change]],
) -> None:
    api, _ = cluster
    await add_node(api, "ssd-1", {"disk": "ssd"})
    await add_node(api, "hdd-1", {"disk": "hdd"})
    await add_node(
        api, "gpu-1", {"disk": "ssd"}, taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    )
    await add_node(
        api,
        "cordoned",
        {"disk": "ssd"},
        taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
    )
    await api.ask(m.CreateObject("daemonsets.apps", NAMESPACE, daemon_set(nodeSelector={"disk": "ssd"})))

    async def on(*nodes: str) -> bool:
        return sorted(await placement(api)) == sorted(nodes)

    await until(lambda: on("cordoned", "ssd-1"))  # daemon pods tolerate a cordoned node
    await api.ask(m.PatchObject("nodes", "", "hdd-1", {"metadata": {"labels": {"disk": "ssd"}}}))
    await until(lambda: on("cordoned", "hdd-1", "ssd-1"))
    await api.ask(m.PatchObject("nodes", "", "ssd-1", {"metadata": {"labels": {"disk": "hdd"}}}))
    await until(lambda: on("cordoned", "hdd-1"))
    assert (await ds_status(api)).get("desiredNumberScheduled") == 2


async def test_a_rolling_update_replaces_pods_within_max_unavailable(
    cluster: tuple[ActorRef, list[Change]],
) -> None:
    api, seen = cluster
    nodes = [f"n{i}" for i in range(5)]
    for name in nodes:
        await add_node(api, name)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}
    await api.ask(m.CreateObject("daemonsets.apps", NAMESPACE, daemon_set(strategy=strategy)))

    async def all_at(revision_count: int) -> bool:
        placed = await placement(api)
        return (
            sorted(placed) == nodes
            and len({r for revisions in placed.values() for r in revisions}) == revision_count
        )

    await until(lambda: all_at(1))
    before = {r for revisions in (await placement(api)).values() for r in revisions}
    start = len(seen)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "agent:2"}]}}}}
    await api.ask(m.PatchObject("daemonsets.apps", NAMESPACE, "agent", patch))

    async def all_updated() -> bool:
        placed = await placement(api)
        revisions = {r for rs in placed.values() for r in rs}
        return sorted(placed) == nodes and len(revisions) == 1 and not revisions & before

    await until(all_updated)
    # At every instant the pods' watch showed, at most two nodes lacked a running, ready pod.
    pods: dict[str, JsonObject] = {
        c.object["metadata"]["name"]: c.object for c in seen[:start] if c.type != "DELETED"
    }
    worst = 0
    for change in seen[start:]:
        name = change.object["metadata"]["name"]
        if change.type == "DELETED":
            pods.pop(name, None)
        else:
            pods[name] = change.object
        serving = {
            p["spec"].get("nodeName")
            for p in pods.values()
            if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
        }
        worst = max(worst, len(set(nodes) - serving))
    assert worst == 2  # the budget was used, and never exceeded


async def test_on_delete_updates_a_node_only_when_its_pod_is_deleted(
    cluster: tuple[ActorRef, list[Change]],
) -> None:
    api, _ = cluster
    for name in ["n1", "n2"]:
        await add_node(api, name)
    await api.ask(m.CreateObject("daemonsets.apps", NAMESPACE, daemon_set(strategy={"type": "OnDelete"})))

    async def both_running() -> bool:
        return sorted(await placement(api)) == ["n1", "n2"]

    await until(both_running)
    old = (await placement(api))["n1"][0]
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "agent:2"}]}}}}
    await api.ask(m.PatchObject("daemonsets.apps", NAMESPACE, "agent", patch))
    await asyncio.sleep(0.05)
    assert {r for rs in (await placement(api)).values() for r in rs} == {old}
    listed = await api.ask(m.ListObjects("pods", NAMESPACE))
    on_n1 = next(p["metadata"]["name"] for p in listed["items"] if p["spec"].get("nodeName") == "n1")
    await api.ask(m.DeleteObject("pods", NAMESPACE, on_n1))

    async def n1_updated() -> bool:
        placed = await placement(api)
        return placed.get("n1", [old])[0] != old and placed.get("n2") == [old]

    await until(n1_updated)


async def test_a_set_made_before_the_controller_started_is_synced(
    tmp_path: Path, virtual_clock: VirtualClock
) -> None:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        await add_node(api, "n1")
        await api.ask(m.CreateObject("daemonsets.apps", NAMESPACE, daemon_set()))
        system.spawn(lambda: PinnedPodRunner(api, []), "test/kubelets")
        system.spawn(lambda: DaemonSetController(api), "controllers/daemonset")

        async def covered() -> bool:
            return sorted(await placement(api)) == ["n1"]

        await until(covered)
