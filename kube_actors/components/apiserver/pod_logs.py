"""Why: ``kubectl logs`` reads ``pods/{name}/log``, which the apiserver does not store: as in
Kubernetes, it asks the kubelet of the pod's node. Here that is a message to the kubelet actor
(``ka://<host>/kubelet/<node>``, or the address a node names in its
``kube-actors.io/kubelet`` annotation when it runs on another host), and ``follow`` asks again
for the lines after the last answer while the container runs.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping

from kube_actors.api import status
from kube_actors.api.resources import NODES, PODS
from kube_actors.components.apiserver.objects import ObjectStore
from kube_actors.components.kubelet.messages import PodLogs, ReadLogs
from kube_actors.runtime import ActorSystem
from kube_actors.runtime.clock import sleep
from kube_actors.runtime.errors import UNREACHABLE

KUBELET_ANNOTATION = "kube-actors.io/kubelet"
FOLLOW_EVERY = 1.0  # seconds between a follower's reads
ASK_TIMEOUT = 10.0


def log_request(namespace: str, pod: str, query: Mapping[str, str]) -> tuple[ReadLogs, bool]:
    """The kubelet request a ``log`` query stands for, and whether to follow.

    >>> request, follow = log_request("shop", "web", {"container": "app", "tailLines": "5", "follow": "true"})
    >>> request.container, request.tail_lines, follow
    ('app', 5, True)
    """
    return (
        ReadLogs(
            namespace,
            pod,
            container=query.get("container", ""),
            previous=_flag(query, "previous"),
            tail_lines=_count(query, "tailLines"),
            since_seconds=_count(query, "sinceSeconds"),
            since_time=query.get("sinceTime", ""),
            timestamps=_flag(query, "timestamps"),
            limit_bytes=_count(query, "limitBytes"),
        ),
        _flag(query, "follow"),
    )


class PodLogReader:
    def __init__(self, system: ActorSystem, objects: ObjectStore) -> None:
        self.system = system
        self.objects = objects

    async def read(self, request: ReadLogs, follow: bool) -> AsyncGenerator[str, None]:
        """The log text, in pieces as it comes when following."""
        pod = await self.objects.get(PODS, request.namespace, request.pod)
        node = pod.get("spec", {}).get("nodeName", "")
        if not node:
            raise status.BadRequest(f'pod "{request.pod}" does not have a host assigned')
        kubelet = self.system.ref(await self._kubelet_address(node))
        while True:
            try:
                answer: PodLogs = await kubelet.ask(request, timeout=ASK_TIMEOUT)
            except UNREACHABLE as gone:
                raise status.ServiceUnavailable(f"the kubelet of {node} does not answer: {gone}") from gone
            if answer.text:
                yield answer.text
            if not follow or not answer.running:
                return
            request = ReadLogs(
                request.namespace,
                request.pod,
                container=request.container,
                timestamps=request.timestamps,
                after_line=answer.next_line,
            )
            await sleep(self.objects.clock, FOLLOW_EVERY)

    async def _kubelet_address(self, node_name: str) -> str:
        try:
            node = await self.objects.get(NODES, "", node_name)
        except status.NotFound:
            node = {}
        named = node.get("metadata", {}).get("annotations", {}).get(KUBELET_ANNOTATION)
        return named if isinstance(named, str) and named else self.system.address_of(f"kubelet/{node_name}")


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "false").lower() in ("1", "true")


def _count(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise status.BadRequest(f"{name} must be a whole number, got {raw!r}")
    return int(raw)
