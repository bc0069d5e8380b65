"""Why: some mistakes only show when the parts of a scenario are read together: an action
``after`` an id no action has, a node no pool makes, ``apiserver/2`` in a cluster of two
replicas, restarting a storage shard that keeps nothing (memory), a fault for a component the
cluster does not run. Found here, before anything boots, each pointed at its line.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_actors.scenario.errors import Problem
from kube_actors.scenario.schema import Scenario
from kube_actors.scenario.schema.actions import AddNodes, Component, CrashContainer, NodeFault, SetUsage
from kube_actors.scenario.yaml_source import Document

_NODE_FIELDS = ("node",)


def check_references(scenario: Scenario, document: Document) -> list[Problem]:
    return [document.problem(loc, message) for loc, message in _mistakes(scenario)]


def _mistakes(scenario: Scenario) -> Iterator[tuple[list[int | str], str]]:
    cluster = scenario.cluster
    ids: dict[str, int] = {}
    for index, action in enumerate(scenario.timeline):
        if action.id is not None:
            if action.id in ids:
                yield (
                    ["timeline", index, "id"],
                    f"id {action.id!r} is already used by timeline[{ids[action.id]}]",
                )
            ids.setdefault(action.id, index)
    pools = {pool.name: pool for pool in cluster.node_pools}
    seen_pools: set[str] = set()
    for index, pool in enumerate(cluster.node_pools):
        if pool.name in seen_pools:
            yield ["cluster", "node_pools", index, "name"], f"pool {pool.name!r} is defined twice"
        seen_pools.add(pool.name)
    nodes = set(cluster.node_names())
    added = {name: pool.count for name, pool in pools.items()}
    for action in scenario.timeline:
        if isinstance(action, AddNodes) and action.pool in pools:
            pool = pools[action.pool]
            nodes.update(pool.node_names(first=added[action.pool] + 1, count=action.count))
            added[action.pool] += action.count
    shards = cluster.storage.shard_names()
    for index, action in enumerate(scenario.timeline):
        here: list[int | str] = ["timeline", index]
        if action.after is not None and action.after not in ids:
            yield [*here, "after"], f"no action has id {action.after!r}"
        elif action.after is not None and _after_cycle(scenario, index, ids):
            yield [*here, "after"], "the actions' 'after' references go round in a circle"
        for name in _named_nodes(action):
            if name not in nodes:
                yield [*here, "node"], f"no node pool makes a node {name!r} (nodes: {_some(nodes)})"
        if isinstance(action, NodeFault | AddNodes) and action.pool is not None and action.pool not in pools:
            yield [*here, "pool"], f"no node pool is named {action.pool!r}"
        if (
            isinstance(action, NodeFault | AddNodes | CrashContainer | SetUsage)
            and "kubelets" not in cluster.components
        ):
            yield [*here, "action"], "this action needs the kubelets, which cluster.components leaves out"
        if isinstance(action, Component):
            yield from _component_mistakes(action, here, scenario, shards)
        if action.when is not None:
            yield from _check_mistakes(action.when, [*here, "when"], ids, nodes)
            if action.when.after is not None:
                yield [*here, "when", "after"], "give 'after' to the action, not to its condition"
    for index, check in enumerate(scenario.expect):
        yield from _check_mistakes(check, ["expect", index], ids, nodes)


def _component_mistakes(
    action: Component, here: list[int | str], scenario: Scenario, shards: list[str]
) -> Iterator[tuple[list[int | str], str]]:
    cluster = scenario.cluster
    kind, _, instance = action.component.partition("/")
    where = [*here, "component"]
    if kind == "apiserver" and int(instance or 0) >= cluster.control_plane.apiservers:
        yield (
            where,
            f"the cluster has {cluster.control_plane.apiservers} apiserver replica(s), numbered from 0",
        )
    if kind == "storage":
        if instance not in shards:
            yield where, f"no storage shard {instance!r} (shards: {', '.join(shards)})"
        elif cluster.storage.backend == "memory":
            yield where, "a memory shard keeps nothing when it stops: use cluster.storage.backend: sqlite"
    if kind in ("scheduler", "controller-manager") and kind not in cluster.components:
        yield where, f"cluster.components leaves out the {kind}"


def _check_mistakes(
    check: object, here: list[int | str], ids: dict[str, int], nodes: set[str]
) -> Iterator[tuple[list[int | str], str]]:
    after = getattr(check, "after", None)
    if after is not None and after not in ids:
        yield [*here, "after"], f"no action has id {after!r}"
    node = getattr(check, "node", None)
    if isinstance(node, str) and node not in nodes:
        yield [*here, "node"], f"no node pool makes a node {node!r} (nodes: {_some(nodes)})"
    if getattr(check, "check", "") == "pods_unaffected" and getattr(check, "during", None) is None:
        yield [*here, "during"], "pods_unaffected needs 'during': how long the pods must stay untouched"


def _named_nodes(action: object) -> list[str]:
    return [value for field in _NODE_FIELDS if isinstance(value := getattr(action, field, None), str)]


def _after_cycle(scenario: Scenario, start: int, ids: dict[str, int]) -> bool:
    seen = {start}
    current = scenario.timeline[start].after
    while current is not None and current in ids:
        index = ids[current]
        if index in seen:
            return True
        seen.add(index)
        current = scenario.timeline[index].after
    return False


def _some(names: set[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed[:6]) + (", ..." if len(listed) > 6 else "") if listed else "none"
