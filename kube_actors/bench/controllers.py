"""Why: measures the workload controllers end to end: 1,000 Deployments of 30 replicas (30,000
pods) created at once against an in-process control plane on the memory backend, the
ReplicaSet and Deployment controllers making their sets and pods, and a stand-in kubelet
(``fake_kubelet``: binds each pod to a fake node and marks it Running and Ready at once)
until every Deployment reports all its replicas available.

Results: ``all_available_s`` (from the first create to the last Deployment available) and
``pods_created_per_s`` (pods created by the ReplicaSet controller, from the first pod to the
last). Target (on a 2-core machine): at least 2,000 pods/s. For scale, Kubernetes'
ClusterLoader2 load test creates 10 to 20 pods per second. Everything shares one event loop,
so the figures include the apiserver's and the stand-in kubelet's work too.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from kube_actors.bench import Figure, Report
from kube_actors.bench.fake_kubelet import FakeKubelet
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.deployment import DeploymentController
from kube_actors.components.controllers.replicaset import ReplicaSetController
from kube_actors.components.informing import ADDED, Change, Informer, InformingActor, JsonObject
from kube_actors.runtime import ActorRef, ActorSystem, defer, message
from kube_actors.storage.config import StorageConfig

NAMESPACE = "bench-deployments"
CREATORS = 50


def deployment(name: str, replicas: int) -> JsonObject:
    container = {
        "name": "web",
        "image": "nginx:1.25",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
        },
    }


@message("bench.AllAvailable")
class AllAvailable:
    """Ask the stopwatch for (first pod, last pod, all available) once all are available."""


class Stopwatch(InformingActor):
    """Notes when the first and last pod appeared and when every Deployment had all its
    replicas available. Pods are counted straight off a watch, without an informer's cache,
    so that the measuring costs the event loop as little as it can."""

    POD_WATCH = "stopwatch-pods"

    def __init__(self, api: ActorRef, deployments: int, replicas: int) -> None:
        super().__init__(api)
        self.expected_pods = deployments * replicas
        self.deployments, self.replicas = deployments, replicas
        self.pods_seen = 0
        self.first_pod = self.last_pod = self.all_available = 0.0
        self.available: set[str] = set()
        self.done = asyncio.Event()

    async def on_start(self) -> None:
        self.api.tell(m.WatchObjects(self.POD_WATCH, str(self.ref.address), "pods", NAMESPACE))
        await self.inform("deployments.apps", namespace=NAMESPACE)

    async def on_stop(self) -> None:
        self.api.tell(m.StopWatch(self.POD_WATCH, str(self.ref.address)))
        await super().on_stop()

    async def receive(self, message: Any) -> Any:
        if isinstance(message, m.ObjectEvents) and message.watch_id == self.POD_WATCH:
            self._pods_added(sum(event["type"] == ADDED for event in message.events))
            return None
        return await super().receive(message)

    def _pods_added(self, added: int) -> None:
        now = time.perf_counter()
        if added and not self.pods_seen:
            self.first_pod = now
        self.pods_seen += added
        if added and self.pods_seen >= self.expected_pods and not self.last_pod:
            self.last_pod = now

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        for change in changes:
            status = change.object.get("status") or {}
            if status.get("availableReplicas", 0) == self.replicas == status.get("updatedReplicas", 0):
                self.available.add(change.object["metadata"]["name"])
        if len(self.available) == self.deployments and not self.done.is_set():
            self.all_available = time.perf_counter()
            self.done.set()

    async def handle(self, message: Any) -> Any:
        if isinstance(message, AllAvailable):
            return defer(self._times())
        return None

    async def _times(self) -> tuple[float, float, float]:
        await self.done.wait()
        return self.first_pod, self.last_pod, self.all_available


async def measure(quick: bool, size: tuple[int, int] | None = None) -> Report:
    """``size``: (deployments, replicas) instead of the benchmark's, for profiling."""
    deployments, replicas = size or ((50, 10) if quick else (1_000, 30))
    with tempfile.TemporaryDirectory(prefix="kube-actors-bench-") as data:
        async with ActorSystem("bench", strict=False) as system:
            await start_cluster(
                system, ClusterConfig(StorageConfig("memory", data_dir=Path(data)), api_port=0)
            )
            api = system.ref_for_path(API_PATH)
            await api.ask(m.CreateObject("namespaces", "", {"metadata": {"name": NAMESPACE}}))
            stopwatch = system.spawn(lambda: Stopwatch(api, deployments, replicas), "bench/stopwatch")
            system.spawn(lambda: FakeKubelet(api, nodes=100), "bench/fake-kubelet")
            system.spawn(lambda: ReplicaSetController(api), "controllers/replicaset")
            system.spawn(lambda: DeploymentController(api), "controllers/deployment")
            start = time.perf_counter()
            await _create_all(api, deployments, replicas)
            created_s = time.perf_counter() - start
            first_pod, last_pod, all_available = await stopwatch.ask(AllAvailable(), timeout=3600)
    pods = deployments * replicas
    report = Report("controllers", extra={"quick": quick, "deployments": deployments, "replicas": replicas})
    kubelet = "pods bound and started by the stand-in kubelet (bench/fake_kubelet.py)"
    report.results = [
        Figure(
            "all_available_s", all_available - start, "s", note=f"{deployments:,} x {replicas}, {kubelet}"
        ),
        Figure(
            "pods_created_per_s",
            pods / max(last_pod - first_pod, 1e-9),
            "pods/s",
            2_000,
            note=f"{pods:,} pods by the ReplicaSet controller, first to last",
        ),
        Figure("deployments_created_per_s", deployments / created_s, "creates/s", note=f"{CREATORS} callers"),
    ]
    return report


async def _create_all(api: ActorRef, deployments: int, replicas: int) -> None:
    names = iter(range(deployments))

    async def creator() -> None:
        for i in names:
            await api.ask(
                m.CreateObject("deployments.apps", NAMESPACE, deployment(f"web-{i}", replicas)), timeout=120
            )

    await asyncio.gather(*(creator() for _ in range(CREATORS)))


def run(quick: bool = False) -> Report:
    return asyncio.run(measure(quick))
