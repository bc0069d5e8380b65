"""Why: the kube-apiserver as an actor: stateless, the only component that talks to the etcd
shards, serving the REST API on its own port. Several replicas can run at once; any serves any
request, since all state is in the shards (each follows the stored CustomResourceDefinitions to
serve the same custom resources, see ``crds.serving``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any

from kube_actors.api import status
from kube_actors.api.admission import default_chain
from kube_actors.api.resources import NAMESPACES, ResourceTable
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.admitting import BuiltinAdmission
from kube_actors.components.apiserver.crds.serving import CustomResources
from kube_actors.components.apiserver.deleting import DeleteOptions
from kube_actors.components.apiserver.http import ApiHttp
from kube_actors.components.apiserver.namespaces import ActiveNamespaces
from kube_actors.components.apiserver.objects import ObjectStore, storage_unavailable
from kube_actors.components.apiserver.pod_logs import PodLogReader
from kube_actors.components.apiserver.routes import Target
from kube_actors.components.apiserver.subresources import SERVED_SUBRESOURCES
from kube_actors.components.apiserver.verbs import Verbs, selection
from kube_actors.components.apiserver.watching import Watches
from kube_actors.components.etcd import StorageClient
from kube_actors.runtime import (
    Actor,
    BadRequestError,
    Deferred,
    defer,
    message,
)
from kube_actors.runtime.errors import UNREACHABLE
from kube_actors.runtime.tasks import KeyedTasks
from kube_actors.storage.sharding import ShardMap

WATCH_ACK_TIMEOUT = 60.0
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
        toleration_seconds: int = 300,
    ) -> None:
        """``toleration_seconds``: how long pods tolerate a not-ready or unreachable node."""
        self.shard_map = shard_map
        self.toleration_seconds = toleration_seconds
        self.host = host
        self.port = port
        self.shard_hosts = shard_hosts
        self.url = ""
        self.http: ApiHttp | None = None
        self.custom: CustomResources | None = None
        self.namespaces: ActiveNamespaces | None = None
        self._watches = KeyedTasks()
        self._storage_watches: Watches | None = None

    async def on_start(self) -> None:
        storage = StorageClient(self.system, self.shard_map, hosts=self.shard_hosts)
        objects = ObjectStore(storage, self.clock)
        await create_system_namespaces(objects)
        self.table = ResourceTable()
        watches = self._storage_watches = Watches(self, storage, objects)
        # The custom resources already defined are served before the first request is.
        self.custom = CustomResources(self.table, objects)
        await self.custom.start(watches.open)
        admission = BuiltinAdmission(default_chain(toleration_seconds=self.toleration_seconds))
        self.verbs = Verbs(objects, watches.open, self.custom, admission)
        self.namespaces = self.verbs.active_namespaces
        self.namespaces.start(watches.open)
        self.http = ApiHttp(self.table, self.verbs, PodLogReader(self.system, objects))
        self.url = await self.http.serve(self.host, self.port)
        self.log.info("apiserver_serving", url=self.url)

    async def on_stop(self) -> None:
        await self._watches.close()
        if self._storage_watches is not None:
            self._storage_watches.caches.close()
        if self.custom is not None:
            await self.custom.close()
        if self.namespaces is not None:
            await self.namespaces.close()
        if self.http is not None:
            await self.http.close()

    async def on_failure(self, error: BaseException) -> None:
        await self.on_stop()

    async def receive(self, message: Any) -> Any:
        verbs = self.verbs
        match message:  # the writes controllers and kubelets make most, first
            case m.CreateObject(resource, namespace, body):
                return _answer(verbs.create(self._target(resource, namespace), body))
            case m.PatchObject(resource, namespace, name, patch, patch_type, subresource):
                target = self._target(resource, namespace, name, subresource)
                return _answer(verbs.patch(target, patch_type, patch))
            case m.BindPod(namespace, name, node):
                binding = {"target": {"kind": "Node", "name": node}}
                return _answer(verbs.act(self._target("pods", namespace, name, "binding"), binding))
            case m.ReplaceObject(resource, namespace, name, body, subresource):
                return _answer(verbs.replace(self._target(resource, namespace, name, subresource), body))
            case m.GetObject(resource, namespace, name, subresource):
                return _answer(verbs.get(self._target(resource, namespace, name, subresource)))
            case m.ListObjects(resource, namespace, labels, fields, version):
                target = self._target(resource, namespace)
                match = selection(target, labels, fields)
                return _answer(verbs.list_objects(target, match, any_version=version == "0"))
            case m.DeleteObject(resource, namespace, name, grace_period, propagation, uid):
                options = DeleteOptions(propagation, grace_period, precondition_uid=uid)
                return _answer(verbs.delete(self._target(resource, namespace, name), options))
            case m.EvictPod(namespace, name, grace_period):
                eviction = {"deleteOptions": {"gracePeriodSeconds": grace_period}}
                return _answer(verbs.act(self._target("pods", namespace, name, "eviction"), eviction))
            case m.WatchObjects(watch_id, watcher):
                self._watches.start((watcher, watch_id), self._pump(message), f"api watch {watch_id}")
                return None
            case m.StopWatch(watch_id, watcher):
                self._watches.cancel((watcher, watch_id))
                return None
            case ServingAt():
                return self.url
        raise BadRequestError(f"the apiserver does not handle {type(message).__name__}")

    def _target(self, resource: str, namespace: str, name: str = "", subresource: str = "") -> Target:
        found = self.table.by_name(resource)
        if found is None:
            raise status.NotFound(f"the server does not serve {resource!r}")
        if subresource and subresource not in SERVED_SUBRESOURCES.intersection(found.subresources):
            raise status.NotFound(f"{resource} have no {subresource!r} subresource served")
        return Target(found, namespace if found.namespaced else "", name, subresource)

    async def _pump(self, request: m.WatchObjects) -> None:
        """Send one watch's batches to its watcher, each asked: a slow watcher slows the stream."""
        watcher = self.system.ref(request.watcher)
        try:
            target = self._target(request.resource, request.namespace)
            match = selection(target, request.label_selector, request.field_selector)
            batches = await self.verbs.watch(target, request.resource_version, match)
        except status.ApiError as error:
            watcher.tell(m.ObjectEvents(request.watch_id, [{"type": "ERROR", "object": error.status()}]))
            return
        try:
            async for batch in batches:
                await watcher.ask(m.ObjectEvents(request.watch_id, batch), timeout=WATCH_ACK_TIMEOUT)
        except UNREACHABLE as gone:
            self.log.info("api_watcher_gone", watch_id=request.watch_id, reason=str(gone))
        except asyncio.CancelledError:
            # This apiserver is stopping: say so, so the watcher lists again (elsewhere, later).
            closed = status.Gone("the apiserver serving this watch is shutting down")
            watcher.tell(m.ObjectEvents(request.watch_id, [{"type": "ERROR", "object": closed.status()}]))
            raise
        finally:
            await batches.aclose()


def _answer(work: Coroutine[Any, Any, Any]) -> Deferred:
    """Answer with ``work``'s outcome once it is done; storage that cannot be reached is the
    apiserver's 503, as the asker would hear it over HTTP."""

    async def answered() -> Any:
        try:
            return await work
        except UNREACHABLE as unreachable:
            raise storage_unavailable(unreachable) from unreachable

    return defer(answered())


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
