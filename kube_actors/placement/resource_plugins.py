"""Why: the plugins whose answer for a node depends on the pods on *that* node only: host ports,
NodeResourcesFit (its filter and its three scoring strategies) and BalancedAllocation; all
``LOCAL``. Over many nodes they are the numpy formulas of ``resource_formulas`` on
``NodeTable`` (allocatable) and ``NodeUsage`` (requested); for the one node a placement
changed they call the reference's own code: the plugin's ``filter``, and its scoring function
fed from the arrays (or the plugin's ``score`` when the cluster is not plain).
"""

from __future__ import annotations

import numpy as np

from kube_actors.placement.arithmetic import ALL, Bools, Ids, Ints, Nodes
from kube_actors.placement.jobs import ClassContext, Kind, LocalFilterJob, LocalScoreJob, Twin
from kube_actors.placement.resource_formulas import (
    Read,
    Sources,
    balanced,
    balanced_at,
    requested_to_capacity_ratio,
    weighted_mean,
    weighted_mean_at,
)
from kube_actors.placement.statuses import PASSED
from kube_actors.scheduling.framework import FilterPlugin
from kube_actors.scheduling.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from kube_actors.scheduling.plugins.node_ports import NodePorts
from kube_actors.scheduling.plugins.node_resources_fit import (
    LEAST_ALLOCATED,
    MOST_ALLOCATED,
    NodeResourcesFit,
)
from kube_actors.scheduling.plugins.resource_allocation import (
    requested_to_capacity_ratio as requested_to_capacity_ratio_at,
)

FEW = 32
"""Rejected nodes up to which the reference filter is asked node by node."""


class _LocalFilter:
    """A per-node filter answered for one node by the reference plugin."""

    def __init__(self, context: ClassContext, plugin: FilterPlugin) -> None:
        self.context = context
        self.plugin = plugin
        self._nodes = context.state.snapshot.nodes
        self._statuses = context.state.statuses

    def verdict_at(self, node: int) -> int:
        context = self.context
        return self._statuses.rejecting(
            self.plugin.filter(context.cycle, context.pod, self._nodes[node]), self.plugin.name
        )

    def _verdicts_where(self, rejected: Bools, at: Nodes) -> Ids:
        """Verdicts for nodes ``at`` of which ``rejected`` may fail, each asked of the reference."""
        verdicts = np.zeros(rejected.shape, dtype=np.int32)
        positions = np.flatnonzero(rejected)
        nodes = positions if isinstance(at, slice) else at[positions]
        for position, node in zip(positions.tolist(), nodes.tolist(), strict=True):
            verdicts[position] = self.verdict_at(node)
        return verdicts


class _PortsFilter(_LocalFilter):
    def verdicts(self, at: Nodes = ALL) -> Ids:
        with_ports = np.zeros(self.context.node_count, dtype=np.bool_)
        with_ports[list(self.context.state.nodes_with_ports)] = True
        return self._verdicts_where(with_ports[at], at)


class FitFilter(_LocalFilter):
    def __init__(self, context: ClassContext, plugin: FilterPlugin) -> None:
        super().__init__(context, plugin)
        state, requests = context.state, context.requirements.requests
        table, usage = state.table, state.usage
        self.usage = usage
        self._pods, self._allowed = usage.values(usage.pods), table.as_list(table.allowed_pods)
        amounts = [
            (requests.milli_cpu, table.milli_cpu, usage.milli_cpu),
            (requests.memory, table.memory, usage.memory),
            (requests.ephemeral_storage, table.ephemeral_storage, usage.ephemeral_storage),
        ]
        amounts = [entry for entry in amounts if entry[0] > 0 and not requests.is_zero()]
        amounts += [(amount, table.scalar(name), usage.scalar(name)) for name, amount in requests.scalars]
        self._checks = [
            (amount, table.as_list(allocatable), usage.values(used)) for amount, allocatable, used in amounts
        ]
        self._check_columns = amounts
        self._allowed_column = table.allowed_pods
        self._by_shortfalls: dict[tuple[bool, ...], int] = {}

    def passes(self, read: Read) -> Bools:
        """``passes_at`` for the nodes ``read`` reads at."""
        fits: Bools = read(self.usage.pods) < read(self._allowed_column)
        for amount, allocatable, used in self._check_columns:
            fits &= amount <= read(allocatable) - read(used)
        return fits

    def one_node_reads(self) -> tuple[list[int], list[int], list[tuple[int, list[int], list[int]]]]:
        """What ``passes_at`` reads: pods per node, pods allowed per node, and per checked
        resource (the pod's request, allocatable per node, requested per node)."""
        return self._pods, self._allowed, self._checks

    def passes_at(self, node: int) -> bool:
        """Whether the pod fits on ``node``, from the arrays."""
        if self._pods[node] >= self._allowed[node]:
            return False
        return all(amount <= allocatable[node] - used[node] for amount, allocatable, used in self._checks)

    def verdict_at(self, node: int) -> int:
        """Passing is decided from the arrays; the reference gives the status of a rejection,
        asked once per combination of shortfalls (its reasons name them, nothing else)."""
        if self.passes_at(node):
            return PASSED
        shortfalls = (
            self._pods[node] >= self._allowed[node],
            *(amount > allocatable[node] - used[node] for amount, allocatable, used in self._checks),
        )
        found = self._by_shortfalls.get(shortfalls)
        if found is None:
            found = self._by_shortfalls[shortfalls] = super().verdict_at(node)
        return found

    def verdicts(self, at: Nodes = ALL) -> Ids:
        """The nodes short of something are found with numpy; the reference's status is asked
        for each of them when they are few, else once per distinct combination of shortfalls
        (pods, cpu, memory, ephemeral storage, extended resources, as bits)."""
        state, requests = self.context.state, self.context.requirements.requests
        table, usage = state.table, state.usage
        shortfalls = [usage.pods[at] + 1 > table.allowed_pods[at]]
        if not requests.is_zero():
            for amount, allocatable, used in (
                (requests.milli_cpu, table.milli_cpu, usage.milli_cpu),
                (requests.memory, table.memory, usage.memory),
                (requests.ephemeral_storage, table.ephemeral_storage, usage.ephemeral_storage),
            ):
                if amount > 0:
                    shortfalls.append(amount > allocatable[at] - used[at])
            for name, amount in requests.scalars:
                shortfalls.append(amount > table.scalar(name)[at] - usage.scalar(name)[at])
        short = shortfalls[0].copy()
        for shortfall in shortfalls[1:]:
            short |= shortfall
        if np.count_nonzero(short) <= FEW:
            return self._verdicts_where(short, at)
        bits = np.zeros(short.shape, dtype=np.int64)
        for position, shortfall in enumerate(shortfalls):
            bits |= shortfall.astype(np.int64) << position
        lookup = np.zeros(int(bits.max()) + 1, dtype=np.int32)
        for combination in np.flatnonzero(np.bincount(bits)).tolist():
            if combination:
                position = int(np.argmax(bits == combination))
                lookup[combination] = self.verdict_at(
                    position if isinstance(at, slice) else int(at[position])
                )
        return lookup[bits]


class NodePortsTwin(Twin[NodePorts]):
    filter_kind = Kind.LOCAL

    def local_filter_job(self, context: ClassContext) -> LocalFilterJob | None:
        return _PortsFilter(context, self.plugin) if context.requirements.host_ports else None


class FitScore:
    def __init__(self, context: ClassContext, plugin: NodeResourcesFit) -> None:
        self.context = context
        self.plugin = plugin
        self.strategy = plugin.strategy
        self.sources = Sources(context, plugin.strategy.resources, use_requested=False)
        self.one_node = self.sources.for_one_node()
        self.least = self.strategy.type == LEAST_ALLOCATED
        self.weighted_mean_at = weighted_mean_at(self.one_node, least=self.least)
        self._nodes = context.state.snapshot.nodes
        plugin.pre_score(context.cycle, context.pod, context.state.snapshot, ())

    def scores(self, at: Nodes = ALL) -> Ints:
        sources, strategy = self.sources, self.strategy
        plain = sources.plain
        columns = sources.columns(at)
        count = len(self.context.state.usage.pods[at])
        if strategy.type in (LEAST_ALLOCATED, MOST_ALLOCATED):
            return weighted_mean(columns, count, least=strategy.type == LEAST_ALLOCATED, plain=plain)
        return requested_to_capacity_ratio(columns, count, strategy.shape)

    def score_at(self, node: int) -> int:
        if not self.sources.plain:
            return self.plugin.score(self.context.cycle, self.context.pod, self._nodes[node])
        if self.strategy.type in (LEAST_ALLOCATED, MOST_ALLOCATED):
            return self.weighted_mean_at(node)
        columns = self.one_node
        requested = [used[node] + request for _, used, request, _ in columns]
        allocatable = [capacity[node] for capacity, _, _, _ in columns]
        return requested_to_capacity_ratio_at(
            requested, allocatable, self.sources.resources, self.strategy.shape
        )


class NodeResourcesFitTwin(Twin[NodeResourcesFit]):
    filter_kind = Kind.LOCAL
    score_kind = Kind.LOCAL

    def local_filter_job(self, context: ClassContext) -> LocalFilterJob | None:
        return FitFilter(context, self.plugin)

    def local_score_job(self, context: ClassContext) -> LocalScoreJob | None:
        return FitScore(context, self.plugin)


class BalancedScore:
    def __init__(self, context: ClassContext, plugin: NodeResourcesBalancedAllocation) -> None:
        self.context = context
        self.plugin = plugin
        self.sources = Sources(context, plugin.resources, use_requested=True)
        self.one_node = self.sources.for_one_node()
        self.balanced_at = balanced_at(self.one_node)
        self._nodes = context.state.snapshot.nodes
        plugin.pre_score(context.cycle, context.pod, context.state.snapshot, ())

    def scores(self, at: Nodes = ALL) -> Ints:
        return balanced(
            self.sources.columns(at), len(self.context.state.usage.pods[at]), plain=self.sources.plain
        )

    def score_at(self, node: int) -> int:
        if not self.sources.plain:
            return self.plugin.score(self.context.cycle, self.context.pod, self._nodes[node])
        return self.balanced_at(node)


class BalancedAllocationTwin(Twin[NodeResourcesBalancedAllocation]):
    score_kind = Kind.LOCAL

    def local_score_job(self, context: ClassContext) -> LocalScoreJob | None:
        return BalancedScore(context, self.plugin)
