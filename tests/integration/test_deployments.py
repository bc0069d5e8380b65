"""Deployments on an in-process cluster with the virtual clock: the ReplicaSet and Deployment
controllers, and a stand-in kubelet that binds and starts every pod."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.deployment import DeploymentController
from kube_actors.components.controllers.deployment.revisions import POD_TEMPLATE_HASH, REVISION, without_hash
from kube_actors.components.controllers.replicaset import ReplicaSetController
from kube_actors.runtime import Actor, ActorRef, ActorSystem
from kube_actors.runtime.clock import VirtualClock, sleep
from kube_actors.storage.config import StorageConfig
from tests.fake_kubelet import FakeKubelet

JsonObject = dict[str, Any]


@pytest.fixture
async def cluster(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[tuple[ActorSystem, ActorRef]]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        system.spawn(lambda: ReplicaSetController(api), "controllers/replicaset")
        system.spawn(lambda: DeploymentController(api), "controllers/deployment")
        system.spawn(lambda: FakeKubelet(api, start_seconds=2.0), "test/fake-kubelet")
        yield system, api


def deployment(name: str, replicas: int, image: str = "nginx:1.25", **spec: Any) -> JsonObject:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


async def rolled_out(api: ActorRef, name: str, timeout: float = 20.0) -> JsonObject:
    """The Deployment once ``kubectl rollout status`` would call it successfully rolled out."""

    async def poll() -> JsonObject:
        while True:
            d: JsonObject = await api.ask(m.GetObject("deployments.apps", "default", name))
            s, replicas = d.get("status") or {}, d["spec"]["replicas"]
            if (
                d["metadata"]["generation"] <= s.get("observedGeneration", 0)
                and s.get("updatedReplicas", 0) == replicas
                and s.get("replicas", 0) == replicas
                and s.get("availableReplicas", 0) == replicas
            ):
                return d
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(poll(), timeout)


async def pods_of(api: ActorRef, name: str) -> list[JsonObject]:
    listed = await api.ask(m.ListObjects("pods", "default", label_selector=f"app={name}"))
    return [p for p in listed["items"] if not p["metadata"].get("deletionTimestamp")]


async def test_fifty_replicas_become_available(cluster: tuple[ActorSystem, ActorRef]) -> None:
    _, api = cluster
    await api.ask(m.CreateObject("deployments.apps", "default", deployment("web", 50)))
    d = await rolled_out(api, "web")
    assert d["metadata"]["annotations"][REVISION] == "1"
    conditions = {c["type"]: c for c in d["status"]["conditions"]}
    assert conditions["Available"]["status"] == "True"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
    pods = await pods_of(api, "web")
    assert len(pods) == 50 and all(p["status"]["phase"] == "Running" for p in pods)
    sets = (await api.ask(m.ListObjects("replicasets.apps", "default")))["items"]
    assert len(sets) == 1 and sets[0]["status"]["availableReplicas"] == 50
    pod_hash = sets[0]["metadata"]["labels"][POD_TEMPLATE_HASH]
    assert sets[0]["metadata"]["name"] == f"web-{pod_hash}"
    assert all(p["metadata"]["labels"][POD_TEMPLATE_HASH] == pod_hash for p in pods)
    events = (await api.ask(m.ListObjects("events", "default")))["items"]
    assert any(e["reason"] == "ScalingReplicaSet" for e in events)
    assert any(e["reason"] == "SuccessfulCreate" for e in events)


class PodWatcher(Actor):
    """Replays the pod watch stream into pods by name, noting after every event the most pods
    alive and (once ``started``) the fewest of them ready."""

    def __init__(self) -> None:
        self.pods: dict[str, JsonObject] = {}
        self.started = False
        self.peak = 0
        self.floor = 10**9

    async def receive(self, message: Any) -> Any:
        if isinstance(message, m.ObjectEvents):
            for event in message.events:
                pod = event["object"]
                if event["type"] == "DELETED":
                    self.pods.pop(pod["metadata"]["name"], None)
                elif event["type"] in ("ADDED", "MODIFIED"):
                    self.pods[pod["metadata"]["name"]] = pod
                live = [p for p in self.pods.values() if not p["metadata"].get("deletionTimestamp")]
                available = [
                    p for p in live if _ready(p)
                ]  # ready; available is later still (minReadySeconds)
                self.peak = max(self.peak, len(live))
                if self.started:
                    self.floor = min(self.floor, len(available))
        return self.peak


def _ready(pod: JsonObject) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions") or []
    )


async def test_a_rolling_update_stays_within_surge_and_availability(
    cluster: tuple[ActorSystem, ActorRef],
) -> None:
    system, api = cluster
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 1}}
    web = deployment("web", 10, strategy=strategy, minReadySeconds=3)
    await api.ask(m.CreateObject("deployments.apps", "default", web))
    await rolled_out(api, "web")
    watcher_ref = system.spawn(PodWatcher, "test/pod-watcher")
    listed = await api.ask(m.ListObjects("pods", "default"))
    api.tell(
        m.WatchObjects(
            "w", str(watcher_ref.address), "pods", "default", listed["metadata"]["resourceVersion"]
        )
    )
    watcher: PodWatcher = system._cells["test/pod-watcher"].actor  # type: ignore[assignment]
    watcher.pods = {p["metadata"]["name"]: p for p in listed["items"]}
    watcher.started = True
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}}}
    await api.ask(
        m.PatchObject("deployments.apps", "default", "web", patch, "application/strategic-merge-patch+json")
    )
    d = await rolled_out(api, "web")
    await asyncio.sleep(0.05)
    api.tell(m.StopWatch("w", str(watcher_ref.address)))
    assert d["metadata"]["annotations"][REVISION] == "2"
    assert {p["spec"]["containers"][0]["image"] for p in await pods_of(api, "web")} == {"nginx:1.26"}
    assert watcher.peak <= 12, "more pods than replicas + maxSurge"
    assert watcher.floor >= 9, "fewer available pods than replicas - maxUnavailable"
    assert watcher.peak > 10, watcher.peak  # the rollout did surge
    assert watcher.floor == 9, watcher.floor  # and did take an old pod down before new ones were ready


async def test_rollback_restores_the_previous_template(cluster: tuple[ActorSystem, ActorRef]) -> None:
    _, api = cluster
    first = deployment("web", 3)
    first["metadata"]["annotations"] = {"kubernetes.io/change-cause": "v1"}
    await api.ask(m.CreateObject("deployments.apps", "default", first))
    await rolled_out(api, "web")
    patch = {
        "metadata": {"annotations": {"kubernetes.io/change-cause": "v2"}},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}},
    }
    await api.ask(
        m.PatchObject("deployments.apps", "default", "web", patch, "application/strategic-merge-patch+json")
    )
    await rolled_out(api, "web")
    sets = (await api.ask(m.ListObjects("replicasets.apps", "default")))["items"]
    by_revision = {rs["metadata"]["annotations"][REVISION]: rs for rs in sets}
    assert by_revision["1"]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "v1"
    assert by_revision["2"]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "v2"
    # What `kubectl rollout undo` sends: revision 1's template and annotations, as a JSON patch.
    undo = [
        {
            "op": "replace",
            "path": "/spec/template",
            "value": without_hash(by_revision["1"]["spec"]["template"]),
        },
        {"op": "replace", "path": "/metadata/annotations", "value": {"kubernetes.io/change-cause": "v1"}},
    ]
    await api.ask(m.PatchObject("deployments.apps", "default", "web", undo, "application/json-patch+json"))
    d = await rolled_out(api, "web")
    assert d["metadata"]["annotations"][REVISION] == "3"
    assert {p["spec"]["containers"][0]["image"] for p in await pods_of(api, "web")} == {"nginx:1.25"}
    sets = (await api.ask(m.ListObjects("replicasets.apps", "default")))["items"]
    assert len(sets) == 2  # the old set came back: no third one
    back = next(rs for rs in sets if rs["metadata"]["name"] == by_revision["1"]["metadata"]["name"])
    assert back["metadata"]["annotations"][REVISION] == "3"
    assert back["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert back["spec"]["replicas"] == 3


async def test_a_replica_set_adopts_releases_and_scales_down(
    cluster: tuple[ActorSystem, ActorRef], virtual_clock: VirtualClock
) -> None:
    _, api = cluster
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "orphan", "labels": {"app": "db"}},
        "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
    }
    await api.ask(m.CreateObject("pods", "default", orphan))
    rs = deployment("db", 3, image="postgres:16")
    rs["kind"] = "ReplicaSet"
    await api.ask(m.CreateObject("replicasets.apps", "default", rs))

    async def settled(count: int) -> list[JsonObject]:
        while True:
            got = await api.ask(m.GetObject("replicasets.apps", "default", "db"))
            pods = await pods_of(api, "db")
            if got.get("status", {}).get("availableReplicas") == count and len(pods) == count:
                return pods
            await asyncio.sleep(0.01)

    pods = await asyncio.wait_for(settled(3), 20)
    adopted = next(p for p in pods if p["metadata"]["name"] == "orphan")
    assert adopted["metadata"]["ownerReferences"][0]["name"] == "db"
    assert adopted["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] is True
    # A pod relabelled out of the selector is released, and replaced (much later).
    await sleep(virtual_clock, 1000)
    before = {p["metadata"]["name"] for p in pods}
    await api.ask(m.PatchObject("pods", "default", "orphan", {"metadata": {"labels": {"app": "loose"}}}))
    replaced = await asyncio.wait_for(settled(3), 20)
    released = await api.ask(m.GetObject("pods", "default", "orphan"))
    assert not released["metadata"].get("ownerReferences")
    (newest,) = [p["metadata"]["name"] for p in replaced if p["metadata"]["name"] not in before]
    # Scaling down deletes the most recently ready pod first.
    await api.ask(m.PatchObject("replicasets.apps", "default", "db", {"spec": {"replicas": 2}}))
    remaining = await asyncio.wait_for(settled(2), 20)
    assert newest not in {p["metadata"]["name"] for p in remaining}
