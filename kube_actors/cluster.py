"""Why: one place that boots a cluster of the components that exist, in this process, for
``kube-actors up`` and for tests: the etcd shards, then the apiserver, and a kubeconfig that
points ``kubectl`` at it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

from kube_actors.components.apiserver.server import ApiServer, ServingAt
from kube_actors.components.etcd import spawn_shards
from kube_actors.runtime import ActorSystem
from kube_actors.storage.config import StorageConfig

API_PATH = "apiserver/0"


@dataclass(frozen=True)
class ClusterConfig:
    """``api_replicas`` apiservers serve on ``api_port``, ``api_port + 1``, ... (all on any free
    port when ``api_port`` is 0); any of them serves any request."""

    storage: StorageConfig = field(default_factory=StorageConfig)
    api_host: str = "127.0.0.1"
    api_port: int = 6443
    api_replicas: int = 1

    def __post_init__(self) -> None:
        if self.api_replicas < 1:
            raise ValueError("a cluster needs at least one apiserver replica")


async def start_cluster(system: ActorSystem, config: ClusterConfig) -> str:
    """Start the components on ``system``; returns the first apiserver's URL once all serve."""
    return (await start_cluster_replicas(system, config))[0]


async def start_cluster_replicas(system: ActorSystem, config: ClusterConfig) -> list[str]:
    """Start the components on ``system``; returns every apiserver replica's URL."""
    spawn_shards(system, config.storage)
    urls = []
    for replica in range(config.api_replicas):
        port = config.api_port + replica if config.api_port else 0
        apiserver = system.spawn(
            partial(ApiServer, config.storage.shard_map, host=config.api_host, port=port),
            f"apiserver/{replica}",
        )
        urls.append(await apiserver.ask(ServingAt(), timeout=60))
    return urls


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
        urls = await start_cluster_replicas(system, config)
        await asyncio.to_thread(write_kubeconfig, kubeconfig_path, urls[0])
        print(f"kube-actors is serving the Kubernetes API at {' '.join(urls)}", flush=True)
        print(f"kubectl --kubeconfig {kubeconfig_path} get namespaces", flush=True)
        await stopped.wait()
