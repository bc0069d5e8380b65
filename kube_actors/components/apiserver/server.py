"""Why: the kube-apiserver as an actor: stateless, the only component that talks to the etcd
shards, serving the REST API on its own port. Several replicas can run at once; any serves any
request, since all state is in the shards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import NAMESPACES, ResourceTable
from kube_actors.components.apiserver.http import ApiHttp
from kube_actors.components.apiserver.objects import ObjectStore
from kube_actors.components.apiserver.watching import HttpWatches
from kube_actors.components.etcd import StorageClient
from kube_actors.runtime import Actor, BadRequestError, message
from kube_actors.storage.sharding import ShardMap

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


@message("apiserver.ServingAt")
class ServingAt:
    """Ask an apiserver for the URL it serves at."""


class ApiServer(Actor):
    def __init__(
        self,
        shard_map: ShardMap,
        *,
        host: str = "127.0.0.1",
        port: int = 6443,
        shard_hosts: Mapping[str, str] | None = None,
    ) -> None:
        self.shard_map = shard_map
        self.host = host
        self.port = port
        self.shard_hosts = shard_hosts
        self.url = ""
        self.http: ApiHttp | None = None

    async def on_start(self) -> None:
        storage = StorageClient(self.system, self.shard_map, hosts=self.shard_hosts)
        objects = ObjectStore(storage, self.clock)
        await create_system_namespaces(objects)
        self.http = ApiHttp(ResourceTable(), objects, HttpWatches(self, storage, objects).open)
        self.url = await self.http.serve(self.host, self.port)
        self.log.info("apiserver_serving", url=self.url)

    async def on_stop(self) -> None:
        if self.http is not None:
            await self.http.close()

    async def on_failure(self, error: BaseException) -> None:
        await self.on_stop()

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ServingAt):
            return self.url
        raise BadRequestError(f"the apiserver does not handle {type(message).__name__}")


async def create_system_namespaces(objects: ObjectStore) -> None:
    """The namespaces Kubernetes starts with (kopf, for one, waits for ``default``)."""
    for name in SYSTEM_NAMESPACES:
        namespace = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }
        try:
            await objects.create(NAMESPACES, "", namespace)
        except status.ApiError as error:
            if error.code != 409:
                raise
