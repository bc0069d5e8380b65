"""Why: the node lifecycle controller, the part of kube-controller-manager that notices dead
nodes: when a kubelet stops renewing its Lease, the node's conditions go Unknown after the
grace period, it is tainted ``unreachable:NoExecute`` (rate-limited per zone), and its pods are
deleted once their tolerations run out, so their controllers recreate them elsewhere; when the
kubelet comes back, the taints go. It also keeps the ``NoSchedule`` taints that mirror node
conditions and ``spec.unschedulable`` (cordon).

A ``Controller`` shell around two pure cores: ``node_health.NodeHealth`` (judging nodes) and
``taint_eviction.TaintEvictions`` (timing pod deletions). Keys are node names and pod
``namespace/name`` keys; each reconcile returns when to look again (a grace period expiring, a
toleration running out), so nothing scans every node on a timer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kube_actors.api import status
from kube_actors.api.times import timestamp
from kube_actors.components.apiserver import messages as api
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.node_health import NodeHealth, NodeLifecycleConfig
from kube_actors.components.controllers.taint_eviction import (
    EVICTION_MESSAGE,
    EVICTION_REASON,
    TaintEvictions,
    no_execute,
)
from kube_actors.components.informing import DELETED, Change, Informer, object_key, split_key
from kube_actors.runtime import ActorRef

JsonObject = dict[str, Any]
LEASES = "leases.coordination.k8s.io"
LEASE_NAMESPACE = "kube-node-lease"
NODE_INDEX = "node"


def _node_of(pod: JsonObject) -> list[str]:
    node = pod.get("spec", {}).get("nodeName")
    return [node] if node else []


class NodeLifecycleController(Controller):
    name: ClassVar[str] = "node-lifecycle"

    def __init__(self, api_ref: ActorRef, config: NodeLifecycleConfig | None = None) -> None:
        super().__init__(api_ref)
        self.config = config or NodeLifecycleConfig()
        self.health = NodeHealth(self.config)
        self.evictions = TaintEvictions()
        self.nodes: Informer | None = None
        self.leases: Informer | None = None
        self.pods: Informer | None = None

    async def on_start(self) -> None:
        self.nodes = await self.inform("nodes")
        self.leases = await self.inform(LEASES, namespace=LEASE_NAMESPACE)
        self.pods = await self.inform("pods")
        self.pods.add_index(NODE_INDEX, _node_of)
        for node in self.nodes.items():
            self._enqueue_pods_on(node["metadata"]["name"])

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        if informer.resource == "nodes":
            for change in changes:
                name = change.object["metadata"]["name"]
                self.enqueue(name)
                before = no_execute((change.old or {}).get("spec", {}).get("taints") or [])
                after = no_execute(change.object.get("spec", {}).get("taints") or [])
                if change.type == DELETED or _keys(before) != _keys(after):
                    self._enqueue_pods_on(name)
        elif informer.resource == LEASES:
            for change in changes:
                self.enqueue(change.object["metadata"]["name"])
        else:
            for change in changes:
                key = object_key(change.object)
                if change.type == DELETED:
                    self.evictions.forget(key)
                elif self._under_no_execute(change.object):
                    self.enqueue(key)

    async def reconcile(self, key: str) -> float | None:
        if "/" in key:
            return await self._reconcile_pod(key)
        return await self._reconcile_node(key)

    # Nodes.

    async def _reconcile_node(self, name: str) -> float | None:
        assert self.nodes is not None and self.leases is not None
        node = self.nodes.get("", name)
        if node is None:
            self.health.forget(name)
            return None
        decision = self.health.judge(node, self.leases.get(LEASE_NAMESPACE, name), self.clock.now())
        version = node["metadata"]["resourceVersion"]
        if decision.taints is not None:
            patch = {"metadata": {"resourceVersion": version}, "spec": {"taints": decision.taints}}
            updated = await self.api.ask(api.PatchObject("nodes", "", name, patch))
            version = updated["metadata"]["resourceVersion"]
            self.log.info("node_taints_set", node=name, taints=[t["key"] for t in decision.taints])
        if decision.conditions is not None:
            patch = {"metadata": {"resourceVersion": version}, "status": {"conditions": decision.conditions}}
            await self.api.ask(api.PatchObject("nodes", "", name, patch, subresource="status"))
            self.log.info("node_status_unknown", node=name)
        if decision.mark_pods_not_ready:
            await self._mark_pods_not_ready(name)
        return decision.recheck_after

    async def _mark_pods_not_ready(self, node: str) -> None:
        """The node is not Ready, so neither are its pods (Services stop sending them traffic)."""
        assert self.pods is not None
        now = timestamp(self.clock.now())
        for pod in self.pods.by_index(NODE_INDEX, node):
            conditions = [dict(c) for c in pod.get("status", {}).get("conditions") or []]
            changed = False
            for found in conditions:
                if found.get("type") == "Ready" and found.get("status") != "False":
                    found.update(status="False", lastTransitionTime=now)
                    changed = True
            if changed:
                await self._patch_pod_conditions(pod, conditions)

    # Pods.

    def _enqueue_pods_on(self, node: str) -> None:
        if self.pods is not None:
            for pod in self.pods.by_index(NODE_INDEX, node):
                self.enqueue(pod)

    def _under_no_execute(self, pod: JsonObject) -> bool:
        node = self.nodes.get("", _node_of(pod)[0]) if self.nodes is not None and _node_of(pod) else None
        return node is not None and bool(no_execute(node.get("spec", {}).get("taints") or []))

    async def _reconcile_pod(self, key: str) -> float | None:
        assert self.pods is not None and self.nodes is not None
        namespace, name = split_key(key)
        pod = self.pods.get(namespace, name)
        if pod is None:
            self.evictions.forget(key)
            return None
        nodes = _node_of(pod)
        node = self.nodes.get("", nodes[0]) if nodes else None
        taints = (node or {}).get("spec", {}).get("taints") or []
        delay = self.evictions.delay(key, pod, taints, self.clock.now())
        if delay is None or delay > 0:
            return delay
        conditions = [
            c for c in pod.get("status", {}).get("conditions") or [] if c.get("type") != "DisruptionTarget"
        ]
        conditions.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "lastTransitionTime": timestamp(self.clock.now()),
                "reason": EVICTION_REASON,
                "message": EVICTION_MESSAGE,
            }
        )
        await self._patch_pod_conditions(pod, conditions)
        try:
            await self.api.ask(api.DeleteObject("pods", namespace, name))
        except status.ApiError as error:
            if error.code != 404:
                raise
        self.evictions.forget(key)
        self.log.info("pod_evicted_by_taint", pod=key, node=nodes[0] if nodes else "")
        return None

    async def _patch_pod_conditions(self, pod: JsonObject, conditions: list[JsonObject]) -> None:
        metadata = pod["metadata"]
        patch = [
            {"op": "test", "path": "/metadata/uid", "value": metadata["uid"]},
            {"op": "add", "path": "/status/conditions", "value": conditions},
        ]
        namespace, name = metadata["namespace"], metadata["name"]
        try:
            await self.api.ask(api.PatchObject("pods", namespace, name, patch, JSON_PATCH, "status"))
        except status.ApiError as error:
            if error.code not in (404, 422):  # gone, or a new pod under the old name
                raise


def _keys(taints: list[JsonObject]) -> set[str]:
    return {str(t.get("key")) for t in taints}
