"""The controller loop every controller shares: informers feed keys, reconciles act, failures
back off and delayed looks come back on the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.cluster import API_PATH, Cluster, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.base import Controller
from kube_actors.components.informing import Change, Informer, split_key
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.runtime.clock import VirtualClock, sleep
from kube_actors.storage.config import StorageConfig
from tests.waiting import eventually


class Stamper(Controller):
    """Labels every ConfigMap ``stamped=yes``; a ConfigMap named ``flaky-*`` fails its first two
    reconciles with a conflict, and ``timed-*`` asks once to be looked at again 60 s later."""

    name = "stamper"

    def __init__(self, api: ActorRef, seen: list[tuple[str, float]]) -> None:
        super().__init__(api)
        self.seen = seen
        self.configmaps: Informer

    async def on_start(self) -> None:
        self.configmaps = await self.inform("configmaps", namespace="default")

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        for change in changes:
            self.enqueue(change.object)

    async def reconcile(self, key: str) -> float | None:
        self.seen.append((key, self.clock.now()))
        namespace, name = split_key(key)
        configmap = self.configmaps.get(namespace, name)
        if configmap is None:
            return None
        looks = sum(k == key for k, _ in self.seen)
        if name.startswith("flaky") and looks <= 2:
            raise status.conflict("configmaps", name, "try again")
        if configmap["metadata"].get("labels", {}).get("stamped") != "yes":
            patch = {"metadata": {"labels": {"stamped": "yes"}}}
            await self.api.ask(m.PatchObject("configmaps", namespace, name, patch))
        return 60.0 if name.startswith("timed") and looks == 1 else None


@pytest.fixture
async def cluster(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[tuple[ActorSystem, ActorRef]]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        yield system, system.ref(f"ka://cp/{API_PATH}")


def configmap(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}


async def stamped(api: ActorRef) -> list[str]:
    listed = await api.ask(m.ListObjects("configmaps", "default", label_selector="stamped=yes"))
    return sorted(item["metadata"]["name"] for item in listed["items"])


async def test_reconciles_listed_and_watched_objects_and_retries_failures(
    cluster: tuple[ActorSystem, ActorRef], virtual_clock: VirtualClock
) -> None:
    system, api = cluster
    await api.ask(m.CreateObject("configmaps", "default", configmap("before")))
    seen: list[tuple[str, float]] = []
    system.spawn(lambda: Stamper(api, seen), "controllers/stamper")
    await eventually(lambda: any(key == "default/before" for key, _ in seen))
    for name in ["after", "flaky-1", "timed-1"]:
        await api.ask(m.CreateObject("configmaps", "default", configmap(name)))

    async def all_stamped() -> bool:
        return await stamped(api) == ["after", "before", "flaky-1", "timed-1"]

    await eventually(all_stamped)
    flaky = [at for key, at in seen if key == "default/flaky-1"]
    assert len(flaky) >= 3 and flaky[2] > flaky[0]  # two failures, each retried after a backoff
    started = next(at for key, at in seen if key == "default/timed-1")
    await eventually(lambda: any(k == "default/timed-1" and at >= started + 60 for k, at in seen))
    count = len(seen)
    await api.ask(m.DeleteObject("configmaps", "default", "after"))
    await eventually(lambda: ("default/after" in [k for k, _ in seen[count:]]))


async def test_controllers_carry_on_after_their_apiserver_restarts(
    tmp_path: Path, virtual_clock: VirtualClock
) -> None:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        cluster = Cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        await cluster.start()
        api = cluster.api
        seen: list[tuple[str, float]] = []
        system.spawn(lambda: Stamper(api, seen), "controllers/stamper")
        await api.ask(m.CreateObject("configmaps", "default", configmap("before")))

        async def stamped_before() -> bool:
            return await stamped(api) == ["before"]

        await eventually(stamped_before)
        await cluster.stop(API_PATH)
        await sleep(virtual_clock, 5)  # the controller's relists fail meanwhile, and back off
        await cluster.restart(API_PATH)
        await api.ask(m.CreateObject("configmaps", "default", configmap("after")))

        async def both_stamped() -> bool:
            return await stamped(api) == ["after", "before"]

        await eventually(both_stamped)
