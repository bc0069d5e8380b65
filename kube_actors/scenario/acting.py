"""Why: the timeline's actions done to a running cluster, each the way its real counterpart
does it: ``apply``, ``delete``, ``scale`` (the ``scale`` subresource), ``set_image`` (a
strategic merge patch), ``rollout_undo`` (kubectl's: the previous ReplicaSet's template put
back), ``cordon``/``drain`` (``spec.unschedulable`` and the eviction API, retrying a refused
eviction every 5 s as kubectl does), node and control-plane faults through the ``Cluster``
handle. Random choices (which node of a pool, which pod of a selector) come from the run's one
seeded ``random.Random``. Every action returns what it did, in words, or raises
``ActionFailed``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from kube_actors.api import status
from kube_actors.cluster import Cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH, STRATEGIC_MERGE
from kube_actors.components.kubelet import kubelet_path
from kube_actors.runtime import ActorRef
from kube_actors.runtime.clock import sleep
from kube_actors.runtime.errors import KubeActorsError
from kube_actors.scenario import booting
from kube_actors.scenario.applying import apply_manifest, resource_name
from kube_actors.scenario.loader import LoadedScenario
from kube_actors.scenario.manifests import ManifestChecker
from kube_actors.scenario.schema import actions as a
from kube_actors.scenario.view import (
    ClusterView,
    controller_of,
    is_daemonset_pod,
    is_terminating,
    node_of,
    phase_of,
)

TIMEOUT = 30.0
EVICTION_RETRY_SECONDS = 5.0
REVISION = "deployment.kubernetes.io/revision"
Report = Callable[[str, str], None]
"""Called by an action that finishes later (a drain, a timed restart): description, error."""


class ActionFailed(Exception):
    pass


class Acting:
    def __init__(
        self,
        cluster: Cluster,
        scenario: LoadedScenario,
        view: ClusterView,
        rng: random.Random,
        *,
        on_api_change: Callable[[], Awaitable[None]],
        report: Report,
    ) -> None:
        self.cluster = cluster
        self.scenario = scenario
        self.view = view
        self.rng = rng
        self.on_api_change = on_api_change
        self.report = report
        self.background: set[asyncio.Task[None]] = set()
        self.kinds = ManifestChecker().resources
        self.added = {pool.name: pool.count for pool in scenario.spec.cluster.node_pools}

    @property
    def api(self) -> ActorRef:
        """The first apiserver replica running, as a client behind a load balancer would reach."""
        for replica in range(self.scenario.spec.cluster.control_plane.apiservers):
            path = f"apiserver/{replica}"
            if self.cluster.running(path):
                return self.cluster.system.ref_for_path(path)
        return self.cluster.api

    async def run(self, index: int, action: a.Action) -> str:
        try:
            return await self._dispatch(index, action)
        except (status.ApiError, KubeActorsError, KeyError, TimeoutError) as exc:
            raise ActionFailed(f"{type(exc).__name__}: {exc}") from exc

    async def cancel_background(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)

    async def _dispatch(self, index: int, action: a.Action) -> str:
        if isinstance(action, a.Apply):
            said = [
                await apply_manifest(self.api, manifest, action.namespace)
                for manifest in self.scenario.applies[index]
            ]
            return "; ".join(said)
        if isinstance(action, a.Delete):
            return await self._delete(action)
        if isinstance(action, a.Scale):
            resource = {"Deployment": "deployments.apps", "StatefulSet": "statefulsets.apps"}.get(
                action.kind, "replicasets.apps"
            )
            replicas = {"spec": {"replicas": action.replicas}}
            await self.api.ask(
                m.PatchObject(resource, action.namespace, action.name, replicas, subresource="scale"),
                timeout=TIMEOUT,
            )
            return f"scale {action.kind} {action.name} to {action.replicas}"
        if isinstance(action, a.SetImage):
            resource = {"Deployment": "deployments.apps", "StatefulSet": "statefulsets.apps"}.get(
                action.kind, "daemonsets.apps"
            )
            patch = {
                "spec": {
                    "template": {"spec": {"containers": [{"name": action.container, "image": action.image}]}}
                }
            }
            kind = STRATEGIC_MERGE
            await self.api.ask(
                m.PatchObject(resource, action.namespace, action.name, patch, kind), timeout=TIMEOUT
            )
            return f"set image {action.kind} {action.name} {action.container}={action.image}"
        if isinstance(action, a.RolloutUndo):
            return await self._rollout_undo(action)
        if isinstance(action, a.Cordon):
            unschedulable = {"spec": {"unschedulable": True if action.action == "cordon" else None}}
            await self.api.ask(m.PatchObject("nodes", "", action.node, unschedulable), timeout=TIMEOUT)
            return f"{action.action} {action.node}"
        if isinstance(action, a.Drain):
            await self.api.ask(
                m.PatchObject("nodes", "", action.node, {"spec": {"unschedulable": True}}), timeout=TIMEOUT
            )
            self._later(self._drain(action))
            return f"drain {action.node}: cordoned, evicting"
        if isinstance(action, a.NodeFault):
            node = action.node or self._pick_node(action.pool or "")
            path = kubelet_path(node)
            if action.action == "kill_node":
                await self.cluster.stop(path)
            else:
                await self.cluster.restart(path)
            return f"{action.action} {node}"
        if isinstance(action, a.AddNodes):
            return await self._add_nodes(action)
        if isinstance(action, a.CrashContainer | a.SetUsage):
            return await self._node_agent(action)
        assert isinstance(action, a.Component)
        return await self._component(action)

    async def _delete(self, action: a.Delete) -> str:
        if action.api_version:
            resource = self.kinds.by_kind(action.api_version, action.kind)
        else:
            served = [
                found
                for group, versions in sorted(self.kinds.group_versions().items())
                if (
                    found := self.kinds.by_kind(
                        f"{group}/{versions[0]}" if group else versions[0], action.kind
                    )
                )
            ]
            resource = served[0] if served else None
        if resource is None:
            raise ActionFailed(
                f"the cluster does not serve kind {action.kind!r} {action.api_version}".rstrip()
            )
        namespace = action.namespace if resource.namespaced else ""
        await self.api.ask(m.DeleteObject(resource_name(resource), namespace, action.name), timeout=TIMEOUT)
        return f"delete {action.kind} {action.name}"

    async def _rollout_undo(self, action: a.RolloutUndo) -> str:
        deployment = await self.api.ask(
            m.GetObject("deployments.apps", action.namespace, action.deployment), timeout=TIMEOUT
        )
        listed = await self.api.ask(m.ListObjects("replicasets.apps", action.namespace), timeout=TIMEOUT)
        uid = deployment["metadata"]["uid"]
        revisions = {}
        for replica_set in listed["items"]:
            owner = controller_of(replica_set)
            revision = (replica_set["metadata"].get("annotations") or {}).get(REVISION)
            if owner is not None and owner.get("uid") == uid and revision and revision.isdigit():
                revisions[int(revision)] = replica_set
        if len(revisions) < 2 and not action.to_revision:
            raise ActionFailed(f"deployment {action.deployment} has no previous revision to roll back to")
        target = action.to_revision or sorted(revisions)[-2]
        if target not in revisions:
            raise ActionFailed(f"deployment {action.deployment} has no revision {target}")
        template = revisions[target]["spec"]["template"]
        labels = {
            k: v
            for k, v in (template.get("metadata", {}).get("labels") or {}).items()
            if k != "pod-template-hash"
        }
        template = {**template, "metadata": {**template.get("metadata", {}), "labels": labels}}
        patch = [{"op": "replace", "path": "/spec/template", "value": template}]
        await self.api.ask(
            m.PatchObject("deployments.apps", action.namespace, action.deployment, patch, JSON_PATCH),
            timeout=TIMEOUT,
        )
        return f"rollout undo {action.deployment} to revision {target}"

    async def _drain(self, action: a.Drain) -> None:
        clock = self.cluster.system.clock
        deadline = clock.now() + action.timeout
        evicted: set[str] = set()
        while True:
            pods = await self.api.ask(
                m.ListObjects("pods", field_selector=f"spec.nodeName={action.node}"), timeout=TIMEOUT
            )
            left = [
                p
                for p in pods["items"]
                if not is_daemonset_pod(p)
                and phase_of(p) not in ("Succeeded", "Failed")
                and not is_terminating(p)
            ]
            refused = 0
            for pod in left:
                try:
                    await self.api.ask(
                        m.EvictPod(pod["metadata"]["namespace"], pod["metadata"]["name"]), timeout=TIMEOUT
                    )
                    evicted.add(pod["metadata"]["name"])
                except status.TooManyRequests:
                    refused += 1
                except status.NotFound:
                    pass
            if not refused:
                self.report(f"drain {action.node}: {len(evicted)} pod(s) evicted", "")
                return
            if clock.now() >= deadline:
                self.report(
                    f"drain {action.node}",
                    f"{refused} pod(s) still refused eviction after {action.timeout:g}s",
                )
                return
            await sleep(clock, EVICTION_RETRY_SECONDS)

    async def _add_nodes(self, action: a.AddNodes) -> str:
        cluster_spec = self.scenario.spec.cluster
        pool = next(p for p in cluster_spec.node_pools if p.name == action.pool)
        if not isinstance(self.cluster, booting.NodeAgents):
            raise ActionFailed("this cluster cannot add nodes yet (Cluster.add_nodes is missing)")
        offset = sum(self.added.values())
        first = self.added[pool.name] + 1
        nodes = booting.pool_nodes(cluster_spec, pool, first=first, count=action.count, offset=offset)
        await self.cluster.add_nodes(nodes)
        self.added[pool.name] += action.count
        return f"add {action.count} node(s) to {pool.name}: {', '.join(n.name for n in nodes)}"

    async def _node_agent(self, action: a.CrashContainer | a.SetUsage) -> str:
        pod = self._pick_pod(action)
        name, namespace, node = pod["metadata"]["name"], pod["metadata"]["namespace"], node_of(pod)
        container = action.container or pod["spec"]["containers"][0]["name"]
        if not isinstance(self.cluster, booting.NodeAgents):
            raise ActionFailed(
                f"this cluster cannot {action.action} yet (Cluster.{action.action} is missing)"
            )
        if isinstance(action, a.CrashContainer):
            await self.cluster.crash_container(node, namespace, name, container, action.exit_code)
            return f"crash {namespace}/{name} {container} (exit {action.exit_code}) on {node}"
        await self.cluster.set_usage(node, namespace, name, container, action.memory, action.cpu)
        return f"set usage of {namespace}/{name} {container}: memory={action.memory} cpu={action.cpu}"

    async def _component(self, action: a.Component) -> str:
        path = booting.component_path(action.component)
        if action.action == "start":
            await self.cluster.restart(path)
            await self.on_api_change()
            return f"start {action.component}"
        await self.cluster.stop(path)
        await self.on_api_change()
        if action.for_ is not None:
            self._later(self._restart_after(action.component, path, action.for_))
        return f"stop {action.component}" + (f" for {action.for_:g}s" if action.for_ is not None else "")

    async def _restart_after(self, component: str, path: str, delay: float) -> None:
        await sleep(self.cluster.system.clock, delay)
        try:
            await self.cluster.restart(path)
            await self.on_api_change()
            self.report(f"start {component}", "")
        except (KubeActorsError, KeyError, TimeoutError) as exc:
            self.report(f"start {component}", str(exc))

    def _pick_node(self, pool: str) -> str:
        prefix = f"{pool}-"
        candidates = sorted(
            name
            for name in self.view.objects["nodes"]
            if name.startswith(prefix) and name[len(prefix) :].isdigit()
        )
        if not candidates:
            raise ActionFailed(f"pool {pool!r} has no registered node to choose from")
        return self.rng.choice(candidates)

    def _pick_pod(self, action: a.PodTarget) -> dict[str, Any]:
        if action.pod is not None:
            pod = self.view.get("pods", action.namespace, action.pod)
            if pod is None:
                raise ActionFailed(f"no pod {action.namespace}/{action.pod}")
            candidates = [pod]
        else:
            candidates = sorted(
                (
                    p
                    for p in self.view.pods(action.selector or "", action.namespace)
                    if phase_of(p) == "Running"
                ),
                key=lambda p: str(p["metadata"]["name"]),
            )
        candidates = [p for p in candidates if node_of(p) and not is_terminating(p)]
        if not candidates:
            raise ActionFailed("no running pod matches")
        return self.rng.choice(candidates)

    def _later(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
