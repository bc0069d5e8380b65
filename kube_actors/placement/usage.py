"""Why: what the pods on each node add up to (their number, summed requests, the non-zero
amounts scoring assumes) is what changes with every placement. ``NodeUsage`` keeps those sums
as arrays in node order, changed one node at a time as pods come and go, so that a pod's fit
and resource scores over every node are a few numpy operations and never a walk over pods.

It mirrors ``NodeInfo``'s sums (``requested``, ``non_zero_milli_cpu``, ``non_zero_memory``,
``len(pods)``) exactly; ``state.PlacementState`` changes both together. Each column also has a
Python list twin (``values``): the per-placement path reads one node's amounts, and a list
index costs a fraction of a numpy scalar read.
"""

from __future__ import annotations

import numpy as np

from kube_actors.placement.arithmetic import Ints
from kube_actors.scheduling.pods import PodRequirements

DELTAS_KEPT = 4096
"""Requirements whose changes to the columns are remembered."""


class NodeUsage:
    __slots__ = (
        "_deltas",
        "_last",
        "_values",
        "count",
        "ephemeral_storage",
        "memory",
        "milli_cpu",
        "negative",
        "non_zero_memory",
        "non_zero_milli_cpu",
        "pods",
        "scalars",
    )

    def __init__(self, node_count: int) -> None:
        self.count = node_count
        self.pods = np.zeros(node_count, dtype=np.int64)
        self.milli_cpu = np.zeros(node_count, dtype=np.int64)
        self.memory = np.zeros(node_count, dtype=np.int64)
        self.ephemeral_storage = np.zeros(node_count, dtype=np.int64)
        self.non_zero_milli_cpu = np.zeros(node_count, dtype=np.int64)
        self.non_zero_memory = np.zeros(node_count, dtype=np.int64)
        self.scalars: dict[str, Ints] = {}
        self.negative = False  # whether a pod ever requested a negative amount
        self._deltas: dict[PodRequirements, tuple[tuple[Ints, list[int], int], ...]] = {}
        self._last: tuple[PodRequirements | None, tuple[tuple[Ints, list[int], int], ...]] = (None, ())
        self._values: dict[int, list[int]] = {
            id(column): [0] * node_count
            for column in (
                self.pods,
                self.milli_cpu,
                self.memory,
                self.ephemeral_storage,
                self.non_zero_milli_cpu,
                self.non_zero_memory,
            )
        }

    def values(self, column: Ints) -> list[int]:
        """The live Python list twin of one of the columns."""
        return self._values[id(column)]

    def scalar(self, name: str) -> Ints:
        """Requested amounts of an extended resource per node."""
        column = self.scalars.get(name)
        if column is None:
            column = self.scalars[name] = np.zeros(self.count, dtype=np.int64)
            self._values[id(column)] = [0] * self.count
        return column

    def change(self, node: int, requirements: PodRequirements, sign: int) -> None:
        """Add (``sign=1``) or take away (``sign=-1``) one pod with ``requirements`` on ``node``."""
        if requirements is self._last[0]:  # the replicas of a ReplicaSet come one after another
            deltas = self._last[1]
        else:
            known = self._deltas.get(requirements)
            deltas = self._deltas_of(requirements) if known is None else known
            self._last = (requirements, deltas)
        for column, values, amount in deltas:
            value = values[node] = values[node] + sign * amount
            column[node] = value

    def _deltas_of(self, requirements: PodRequirements) -> tuple[tuple[Ints, list[int], int], ...]:
        """The columns one pod with ``requirements`` changes, with its amount in each
        (remembered per requirements: the replicas of a ReplicaSet share theirs)."""
        requests = requirements.requests
        amounts = [
            (self.pods, 1),
            (self.milli_cpu, requests.milli_cpu),
            (self.memory, requests.memory),
            (self.ephemeral_storage, requests.ephemeral_storage),
            (self.non_zero_milli_cpu, requirements.non_zero_milli_cpu),
            (self.non_zero_memory, requirements.non_zero_memory),
            *((self.scalar(name), amount) for name, amount in requests.scalars),
        ]
        if any(amount < 0 for _, amount in amounts[1:4]) or any(amount < 0 for _, amount in requests.scalars):
            self.negative = True
        if len(self._deltas) >= DELTAS_KEPT:
            self._deltas.clear()
        deltas = self._deltas[requirements] = tuple(
            (column, self.values(column), amount) for column, amount in amounts if amount
        )
        return deltas
