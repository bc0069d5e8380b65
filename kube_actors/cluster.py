"""Why: one place that boots a cluster of the components that exist, in this process, for
``kube-actors up`` and for tests: the etcd shards, then the apiserver, and a kubeconfig that
points ``kubectl`` at it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

from kube_actors.components.apiserver.server import ApiServer, ServingAt
from kube_actors.components.controllers.manager import CONTROLLERS, ControllerManager, ControllerSettings
from kube_actors.components.etcd.client import shard_factory, shard_path
from kube_actors.components.kubelet import CrashContainer, Kubelet, KubeletConfig, SetUsage, kubelet_path
from kube_actors.components.scheduler.scheduler import Scheduler
from kube_actors.runtime import Actor, ActorRef, ActorSystem
from kube_actors.scheduling.profiles import SHIPPED_PROFILES
from kube_actors.storage.config import StorageConfig

API_PATH = "apiserver/0"
CONTROLLER_MANAGER_PATH = "controller-manager"
SCHEDULER_PATH = "scheduler"


@dataclass(frozen=True)
class ClusterConfig:
    """``api_replicas`` apiservers serve on ``api_port``, ``api_port + 1``, ... (all on any free
    port when ``api_port`` is 0); any of them serves any request. ``controllers`` names the
    controllers the controller-manager runs (None: no controller-manager; empty: all of them);
    ``scheduler`` runs the scheduler with the shipped ``profiles`` (all if empty); ``nodes`` are
    the kubelets (each registers its Node). ``toleration_seconds`` is how long pods stay on a
    not-ready or unreachable node (DefaultTolerationSeconds admission), ``controller_settings``
    the controller-manager's flags (the node monitor grace period ...)."""

    storage: StorageConfig = field(default_factory=StorageConfig)
    api_host: str = "127.0.0.1"
    api_port: int = 6443
    api_replicas: int = 1
    controllers: tuple[str, ...] | None = None
    scheduler: bool = False
    profiles: tuple[str, ...] = ()
    nodes: tuple[KubeletConfig, ...] = ()
    toleration_seconds: int = 300
    controller_settings: ControllerSettings = field(default_factory=ControllerSettings)

    def __post_init__(self) -> None:
        if self.api_replicas < 1:
            raise ValueError("a cluster needs at least one apiserver replica")
        unknown = sorted(set(self.controllers or ()) - set(CONTROLLERS))
        if unknown:
            raise ValueError(f"unknown controllers {unknown}: known are {sorted(CONTROLLERS)}")
        unknown = sorted(set(self.profiles) - set(SHIPPED_PROFILES))
        if unknown:
            raise ValueError(f"unknown scheduler profiles {unknown}: known are {sorted(SHIPPED_PROFILES)}")


class Cluster:
    """A running cluster's components in one ``ActorSystem``, by actor path: what
    ``kube-actors up`` serves and what a scenario stops, restarts and adds nodes to. Each
    component is remembered with the factory that made it, so a stopped one can start again
    (an apiserver on the port it had)."""

    def __init__(self, system: ActorSystem, config: ClusterConfig) -> None:
        self.system = system
        self.config = config
        self.urls: list[str] = []
        self._factories: dict[str, Callable[[], Actor]] = {}

    @property
    def api(self) -> ActorRef:
        """The first apiserver, for in-cluster components and tests."""
        return self.system.ref_for_path(API_PATH)

    async def start(self) -> None:
        config = self.config
        for shard in config.storage.shard_map.shards:
            self._spawn(shard_path(shard), shard_factory(self.system, config.storage, shard))
        for replica in range(config.api_replicas):
            port = config.api_port + replica if config.api_port else 0
            self.urls.append(await self._start_apiserver(replica, port))
        if config.controllers is not None:
            manager = partial(ControllerManager, self.api, config.controllers, config.controller_settings)
            self._spawn(CONTROLLER_MANAGER_PATH, manager)
        if config.scheduler:
            profiles = {name: SHIPPED_PROFILES[name] for name in config.profiles or SHIPPED_PROFILES}
            self._spawn(SCHEDULER_PATH, partial(Scheduler, self.api, profiles))
        await self.add_nodes(config.nodes)

    async def add_nodes(self, nodes: Iterable[KubeletConfig]) -> None:
        """Start a kubelet per node; each registers its Node and heartbeats on its own."""
        for node in nodes:
            self._spawn(kubelet_path(node.name), partial(Kubelet, self.api, node))

    async def crash_container(
        self, node: str, namespace: str, pod: str, container: str, exit_code: int
    ) -> None:
        """The container's process exits now (the kubelet restarts it per restartPolicy)."""
        await self._kubelet(node).ask(CrashContainer(namespace, pod, container, exit_code))

    async def set_usage(
        self, node: str, namespace: str, pod: str, container: str, memory: str | None, cpu: str | None
    ) -> None:
        """From now on the container uses this memory (a quantity or a ramp) and cpu."""
        await self._kubelet(node).ask(SetUsage(namespace, pod, container, memory, cpu))

    def _kubelet(self, node: str) -> ActorRef:
        return self.system.ref_for_path(kubelet_path(node))

    def running(self, path: str) -> bool:
        return self.system.is_alive(self.system.ref_for_path(path))

    async def stop(self, path: str) -> None:
        """Stop the component at ``path`` (its children too)."""
        if path not in self._factories:
            raise KeyError(f"no component at {path!r}; there are {sorted(self._factories)}")
        await self.system.stop(self.system.ref_for_path(path))

    async def stop_all(self) -> None:
        """Stop every component, the last started first: the node agents and controllers
        before the apiservers they talk to, the apiservers before the storage."""
        for path in reversed(list(self._factories)):
            await self.system.stop(self.system.ref_for_path(path))

    async def restart(self, path: str) -> None:
        """Start a stopped component again, as it was configured."""
        if self.running(path):
            return
        ref = self._spawn(path, self._factories[path])
        if path.startswith("apiserver/"):
            await ref.ask(ServingAt(), timeout=60)

    def _spawn(self, path: str, factory: Callable[[], Actor]) -> ActorRef:
        self._factories[path] = factory
        return self.system.spawn(factory, path)

    async def _start_apiserver(self, replica: int, port: int) -> str:
        config = self.config
        path = f"apiserver/{replica}"
        serving = partial(
            ApiServer,
            config.storage.shard_map,
            host=config.api_host,
            toleration_seconds=config.toleration_seconds,
        )
        url: str = await self._spawn(path, partial(serving, port=port)).ask(ServingAt(), timeout=60)
        if not port:  # serve on the same port after a restart, so clients find it again
            self._factories[path] = partial(serving, port=int(url.rsplit(":", 1)[1]))
        return url


async def start_cluster(system: ActorSystem, config: ClusterConfig) -> str:
    """Start the components on ``system``; returns the first apiserver's URL once all serve."""
    return (await start_cluster_replicas(system, config))[0]


async def start_cluster_replicas(system: ActorSystem, config: ClusterConfig) -> list[str]:
    """Start the components on ``system``; returns every apiserver replica's URL."""
    cluster = Cluster(system, config)
    await cluster.start()
    return cluster.urls


def kubeconfig(server: str) -> str:
    """A kubeconfig for ``server`` (plain HTTP on loopback, no credentials).

    >>> print(kubeconfig("http://127.0.0.1:6443").splitlines()[3])
    - cluster:
    """
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"cluster": {"server": server}, "name": "kube-actors"}],
            "users": [{"name": "kube-actors", "user": {}}],
            "contexts": [
                {
                    "context": {"cluster": "kube-actors", "user": "kube-actors", "namespace": "default"},
                    "name": "kube-actors",
                }
            ],
            "current-context": "kube-actors",
        },
        sort_keys=False,
    )


def write_kubeconfig(path: Path, server: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kubeconfig(server))


async def serve_until(stopped: asyncio.Event, config: ClusterConfig, kubeconfig_path: Path) -> None:
    """Run a cluster until ``stopped`` is set, with a kubeconfig written for it."""
    async with ActorSystem("local") as system:
        cluster = Cluster(system, config)
        await cluster.start()
        urls = cluster.urls
        await asyncio.to_thread(write_kubeconfig, kubeconfig_path, urls[0])
        print(f"kube-actors is serving the Kubernetes API at {' '.join(urls)}", flush=True)
        print(f"kubectl --kubeconfig {kubeconfig_path} get namespaces", flush=True)
        await stopped.wait()
        await cluster.stop_all()
