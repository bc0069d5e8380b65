"""Why: one place that boots a cluster of the components that exist, in this process, for
``kube-actors up`` and for tests: the etcd shards, then the apiserver, and a kubeconfig that
points ``kubectl`` at it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kube_actors.components.apiserver.server import ApiServer, ServingAt
from kube_actors.components.etcd import spawn_shards
from kube_actors.runtime import ActorSystem
from kube_actors.storage.config import StorageConfig

API_PATH = "apiserver/0"


@dataclass(frozen=True)
class ClusterConfig:
    storage: StorageConfig = field(default_factory=StorageConfig)
    api_host: str = "127.0.0.1"
    api_port: int = 6443


async def start_cluster(system: ActorSystem, config: ClusterConfig) -> str:
    """Start the components on ``system``; returns the apiserver's URL once it serves."""
    spawn_shards(system, config.storage)
    apiserver = system.spawn(
        lambda: ApiServer(config.storage.shard_map, host=config.api_host, port=config.api_port), API_PATH
    )
    url: str = await apiserver.ask(ServingAt(), timeout=60)
    return url


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
        url = await start_cluster(system, config)
        await asyncio.to_thread(write_kubeconfig, kubeconfig_path, url)
        print(f"kube-actors is serving the Kubernetes API at {url}", flush=True)
        print(f"kubectl --kubeconfig {kubeconfig_path} get namespaces", flush=True)
        await stopped.wait()
