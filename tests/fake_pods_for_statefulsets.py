"""TEST-ONLY stand-in for the scheduler and kubelets, for the StatefulSet and volume integration
tests until the real ones run in an in-process cluster.

``FakeNodes`` registers nodes (alternating zones), puts each unscheduled pod on the next node
round-robin that can reach the volumes its bound claims have (first writing
``volume.kubernetes.io/selected-node`` on its unbound claims: the scheduler's half of the
WaitForFirstConsumer contract), marks a placed pod Running and Ready
once every claim it mounts is Bound (a kubelet waits for its volumes), and confirms the
deletion of pods marked for deletion (a kubelet's zero-grace delete). Nothing else: no
resources, no affinity, no probes.
"""

from __future__ import annotations

import itertools
from typing import Any

from kube_actors.api import status
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.volumes.matching import volume_fits_node
from kube_actors.components.informing import Change, Informer, InformingActor
from kube_actors.runtime import ActorRef
from kube_actors.scheduling.volumes import SELECTED_NODE_ANNOTATION as SELECTED_NODE

JsonObject = dict[str, Any]

ZONES = ("zone-a", "zone-b")


def node_names(count: int) -> list[str]:
    return [f"node-{i}" for i in range(count)]


def zone_of(node: str) -> str:
    return ZONES[int(node.rsplit("-", 1)[1]) % len(ZONES)]


class FakeNodes(InformingActor):
    def __init__(self, api: ActorRef, nodes: int = 2) -> None:
        super().__init__(api)
        self.node_names = node_names(nodes)
        self._next_node = itertools.cycle(self.node_names)
        self._done: set[tuple[str, str]] = set()  # (pod uid, step): written, maybe not yet seen
        self.pods: Informer
        self.claims: Informer
        self.volumes: Informer

    async def on_start(self) -> None:
        for name in self.node_names:
            node = {"apiVersion": "v1", "kind": "Node", **self._node(name)}
            try:
                await self.api.ask(m.CreateObject("nodes", "", node))
            except status.ApiError as error:
                if error.code != 409:
                    raise
        self.volumes = await self.inform("persistentvolumes")
        self.claims = await self.inform("persistentvolumeclaims")
        self.pods = await self.inform("pods")
        self.pods.add_index(
            "claim", lambda pod: [(pod["metadata"]["namespace"], c) for c in _claim_names(pod)]
        )

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        if informer.resource == "persistentvolumes":
            return
        if informer.resource == "persistentvolumeclaims":
            if hasattr(self, "pods"):  # not while the claims are first listed
                for change in changes:
                    claim = change.object["metadata"]
                    for pod in self.pods.by_index("claim", (claim["namespace"], claim["name"])):
                        await self._tend(pod)
            return
        for change in changes:
            if change.type == "DELETED":
                uid = change.object["metadata"]["uid"]
                self._done -= {(uid, step) for step in ("bind", "start", "delete")}
            else:
                await self._tend(change.object)

    async def _tend(self, pod: JsonObject) -> None:
        metadata, spec = pod["metadata"], pod.get("spec") or {}
        namespace, name = metadata.get("namespace", ""), metadata["name"]
        step = "delete" if metadata.get("deletionTimestamp") else "start" if spec.get("nodeName") else "bind"
        if (metadata["uid"], step) in self._done:
            return
        try:
            if step == "delete":
                await self.api.ask(m.DeleteObject("pods", namespace, name, grace_period=0))
            elif step == "bind":
                if any(self.claims.get(namespace, claim) is None for claim in _claim_names(pod)):
                    return  # its claim's ADDED event brings it back
                node = self._reaching_volumes(namespace, pod)
                if node is None:
                    return
                for claim_name in _claim_names(pod):
                    await self._select_node(namespace, claim_name, node)
                await self.api.ask(m.BindPod(namespace, name, node))
            elif (pod.get("status") or {}).get("phase") == "Pending" and self._volumes_ready(namespace, pod):
                now = timestamp(self.clock.now())
                conditions = [
                    {"type": kind, "status": "True", "lastTransitionTime": now}
                    for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
                ]
                body = {"status": {"phase": "Running", "conditions": conditions, "startTime": now}}
                await self.api.ask(m.PatchObject("pods", namespace, name, body, subresource="status"))
            else:
                return
        except status.ApiError as error:
            if error.code not in (404, 409):  # gone or changed meanwhile: a later event brings it back
                raise
            return
        self._done.add((metadata["uid"], step))

    async def _select_node(self, namespace: str, claim_name: str, node: str) -> None:
        claim = self.claims.get(namespace, claim_name)
        if claim is None or (claim.get("spec") or {}).get("volumeName"):
            return
        if (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE):
            return
        patch = {"metadata": {"annotations": {SELECTED_NODE: node}}}
        await self.api.ask(m.PatchObject("persistentvolumeclaims", namespace, claim_name, patch))

    def _reaching_volumes(self, namespace: str, pod: JsonObject) -> str | None:
        """The next node round-robin that can reach the volumes of the pod's bound claims."""
        volumes = []
        for claim_name in _claim_names(pod):
            claim = self.claims.get(namespace, claim_name)
            volume_name = (claim or {}).get("spec", {}).get("volumeName")
            if volume_name:
                volume = self.volumes.get("", volume_name)
                if volume is None:
                    return None  # not seen yet: its event brings the pod back through a claim's
                volumes.append(volume)
        for _ in self.node_names:
            node = next(self._next_node)
            if all(volume_fits_node(volume, self._node(node)) for volume in volumes):
                return node
        return None

    def _node(self, name: str) -> JsonObject:
        labels = {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone_of(name)}
        return {"metadata": {"name": name, "labels": labels}}

    def _volumes_ready(self, namespace: str, pod: JsonObject) -> bool:
        for claim_name in _claim_names(pod):
            claim = self.claims.get(namespace, claim_name)
            if claim is None or (claim.get("status") or {}).get("phase") != "Bound":
                return False
        return True


def _claim_names(pod: JsonObject) -> list[str]:
    return [
        volume["persistentVolumeClaim"]["claimName"]
        for volume in (pod.get("spec") or {}).get("volumes") or []
        if isinstance(volume.get("persistentVolumeClaim"), dict)
    ]
