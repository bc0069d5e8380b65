"""Why: most of what decides where a pod may go is written on the Node objects (labels, taints,
``unschedulable``, allocatable resources, images) and does not change while pods are placed.
``NodeTable`` turns the snapshot's nodes into columns, one entry per node in node order (the
snapshot's order, which is also the tie-break order), so a pod's node affinity or tolerations
are checked against every node in a few numpy operations.

Matching keeps the reference's semantics by construction: a label requirement is evaluated by
``NodeSelectorRequirement.matches_labels`` once per *distinct value* of its label (and once for
"label missing"), and the answers are spread over the nodes by their value codes; a taint rule
is evaluated once per distinct list of taints. Results are cached per requirement object, since
the pods of a cluster share few distinct selectors.

Neighbours: ``state.PlacementState`` owns the table; the vectorised plugins (``filters``,
``scores``, ``spreading``, ``pod_affinity``) read it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Bools, Ids, Ints
from kube_actors.scheduling.node_selectors import (
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    RequiredNodeAffinity,
)
from kube_actors.scheduling.snapshot import Snapshot
from kube_actors.scheduling.taints import Taint

CACHE_LIMIT = 4096


class LabelColumn:
    """One label key over all nodes: its distinct values and, per node, the code of its value
    (``-1`` where the node does not carry the key)."""

    __slots__ = ("codes", "index", "values")

    def __init__(self, node_count: int) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}
        self.codes: Ids = np.full(node_count, -1, dtype=np.int32)

    def set(self, node: int, value: str) -> None:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
        self.codes[node] = code

    @property
    def present(self) -> Bools:
        return self.codes >= 0

    def spread(self, by_value: list[bool], missing: bool) -> Bools:
        """Per node: ``by_value[code]``, or ``missing`` where the key is absent."""
        table = np.array([*by_value, missing], dtype=np.bool_)
        spread: Bools = table[self.codes]  # code -1 reads the last entry: ``missing``
        return spread


class NodeTable:
    """The static columns of a snapshot's nodes."""

    def __init__(self, snapshot: Snapshot) -> None:
        infos = snapshot.nodes
        count = len(infos)
        self.count = count
        self.names: tuple[str, ...] = tuple(info.name for info in infos)
        self.positions: dict[str, int] = {name: position for position, name in enumerate(self.names)}
        self.labels: dict[str, LabelColumn] = {}
        self.has_labels = np.zeros(count, dtype=np.bool_)
        self.unschedulable = np.zeros(count, dtype=np.bool_)
        self.allowed_pods = np.zeros(count, dtype=np.int64)
        self.milli_cpu = np.zeros(count, dtype=np.int64)
        self.memory = np.zeros(count, dtype=np.int64)
        self.ephemeral_storage = np.zeros(count, dtype=np.int64)
        self.scalars: dict[str, Ints] = {}
        self.taint_lists: list[tuple[Taint, ...]] = []
        self.taint_list_nodes: list[int] = []  # the first node carrying each list
        self.taint_list_of = np.zeros(count, dtype=np.int32)
        taint_lists: dict[tuple[Taint, ...], int] = {}
        self._nodes_with_image: dict[str, list[int]] = {}
        for position, info in enumerate(infos):
            node = info.node
            for key, value in node.labels.items():
                column = self.labels.get(key)
                if column is None:
                    column = self.labels[key] = LabelColumn(count)
                column.set(position, value)
            self.has_labels[position] = bool(node.labels)
            self.unschedulable[position] = node.unschedulable
            self.allowed_pods[position] = node.allowed_pod_number
            allocatable = node.allocatable
            self.milli_cpu[position] = allocatable.milli_cpu
            self.memory[position] = allocatable.memory
            self.ephemeral_storage[position] = allocatable.ephemeral_storage
            for name, amount in allocatable.scalars:
                self.scalar(name)[position] = amount
            code = taint_lists.setdefault(node.taints, len(taint_lists))
            if code == len(self.taint_lists):
                self.taint_lists.append(node.taints)
                self.taint_list_nodes.append(position)
            self.taint_list_of[position] = code
            for image in node.images:
                self._nodes_with_image.setdefault(image, []).append(position)
        self._cache: dict[Hashable, np.ndarray] = {}
        self._positive: dict[int, tuple[Ints, bool]] = {}
        self._lists: dict[int, tuple[Ints, list[int]]] = {}
        self._domain_indexes: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] = {}

    def scalar(self, name: str) -> Ints:
        """Allocatable amounts of an extended resource (0 where a node offers none)."""
        column = self.scalars.get(name)
        if column is None:
            column = self.scalars[name] = np.zeros(self.count, dtype=np.int64)
        return column

    def as_list(self, column: Ints) -> list[int]:
        """A static column as Python integers, for reading one node at a time (remembered)."""
        key = id(column)
        found = self._lists.get(key)
        if found is None or found[0] is not column:
            found = self._lists[key] = (column, column.tolist())
        return found[1]

    def positive(self, allocatable: Ints) -> bool:
        """Whether a column of allocatable amounts is positive on every node (remembered)."""
        key = id(allocatable)
        found = self._positive.get(key)
        if found is None or found[0] is not allocatable:
            found = self._positive[key] = (
                allocatable,
                bool(allocatable.size) and bool((allocatable > 0).all()),
            )
        return found[1]

    def cached(self, key: Hashable, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """A per-node array computed once per ``key`` (a requirement, a toleration list...)."""
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[key] = compute()
            found.setflags(write=False)
        return found

    # Labels -----------------------------------------------------------------------------

    def label_equals(self, key: str, value: str) -> Bools:
        column = self.labels.get(key)
        if column is None or value not in column.index:
            return np.zeros(self.count, dtype=np.bool_)
        equal: Bools = column.codes == column.index[value]
        return equal

    def label_present(self, key: str) -> Bools:
        column = self.labels.get(key)
        return column.present if column is not None else np.zeros(self.count, dtype=np.bool_)

    def nodes_in(self, key: str, domains: Ids) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """The nodes whose value of ``key`` is one of the value codes ``domains``, and for each
        the position of its domain in ``domains``."""
        column = self.labels.get(key)
        if column is None or not len(domains):
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        order, starts = self._domain_index(key, column)
        pieces = [order[starts[domain] : starts[domain + 1]] for domain in domains.tolist()]
        sizes = np.array([len(piece) for piece in pieces], dtype=np.intp)
        return np.concatenate(pieces), np.repeat(np.arange(len(pieces), dtype=np.intp), sizes)

    def domain_of(self, key: str, node: int) -> npt.NDArray[np.intp]:
        """The nodes sharing ``node``'s value of ``key`` (none if it has no such label)."""
        column = self.labels.get(key)
        code = column.codes.item(node) if column is not None else -1
        if column is None or code < 0:
            return np.zeros(0, dtype=np.intp)
        order, starts = self._domain_index(key, column)
        return order[starts.item(code) : starts.item(code + 1)]

    def _domain_index(
        self, key: str, column: LabelColumn
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Node positions sorted by value code, and where each code's run starts (remembered)."""
        found = self._domain_indexes.get(key)
        if found is None:
            order = np.argsort(column.codes, kind="stable")
            starts = np.searchsorted(column.codes[order], np.arange(len(column.values) + 1))
            order.setflags(write=False)  # handed out in slices (``domain_of``)
            found = self._domain_indexes[key] = (order, starts)
        return found

    def by_label(self, key: str, function: Callable[[str | None], bool]) -> Bools:
        """``function(value of key, or None)`` per node, called once per distinct value."""
        column = self.labels.get(key)
        if column is None:
            return np.full(self.count, function(None), dtype=np.bool_)
        return column.spread([function(value) for value in column.values], function(None))

    def requirement_matches(self, requirement: NodeSelectorRequirement) -> Bools:
        """``requirement.matches_labels`` per node (the caller checks validity)."""
        key = requirement.key
        return self.by_label(
            key, lambda value: requirement.matches_labels({} if value is None else {key: value})
        )

    def field_matches(self, requirement: NodeSelectorRequirement) -> Bools:
        """``requirement.matches_fields`` per node: only ``metadata.name`` has a value."""
        constant = requirement.matches_fields("")
        result = np.full(self.count, constant, dtype=np.bool_)
        if requirement.key == "metadata.name":
            # Only the node so named can answer differently from a nameless one.
            position = self.positions.get(requirement.values[0])
            if position is not None:
                result[position] = requirement.matches_fields(requirement.values[0])
        return result

    def term_matches(self, term: NodeSelectorTerm) -> Bools:
        def compute() -> Bools:
            result = np.full(self.count, not term.is_empty, dtype=np.bool_)
            for requirement in term.match_expressions:
                if not requirement.is_valid_for_labels():
                    return np.zeros(self.count, dtype=np.bool_)
                result &= self.requirement_matches(requirement)
            for requirement in term.match_fields:
                if not requirement.is_valid_for_fields():
                    return np.zeros(self.count, dtype=np.bool_)
                result &= self.field_matches(requirement)
            return result

        return self.cached(("term", term), compute)

    def selector_matches(self, selector: NodeSelector) -> Bools:
        def compute() -> Bools:
            result = np.zeros(self.count, dtype=np.bool_)
            for term in selector.terms:
                result |= self.term_matches(term)
            return result

        return self.cached(("selector", selector), compute)

    def affinity_matches(self, affinity: RequiredNodeAffinity) -> Bools:
        """``RequiredNodeAffinity.matches`` per node."""

        def compute() -> Bools:
            result = np.ones(self.count, dtype=np.bool_)
            for key, value in affinity.node_selector:
                result &= self.label_equals(key, value)
            if affinity.required is not None:
                result &= self.selector_matches(affinity.required)
            return result

        return self.cached(("affinity", affinity), compute)

    # Taints and images --------------------------------------------------------------------

    def by_taints(self, key: Hashable, function: Callable[[int], int]) -> Ints:
        """``function(node)`` per node, called once per distinct list of taints with the first
        node that carries it."""

        def compute() -> Ints:
            table = np.array([function(node) for node in self.taint_list_nodes], dtype=np.int64)
            return table[self.taint_list_of]

        return self.cached(("taints", key), compute)

    def has_image(self, image: str) -> Bools:
        def compute() -> Bools:
            result = np.zeros(self.count, dtype=np.bool_)
            result[self._nodes_with_image.get(image, [])] = True
            return result

        return self.cached(("image", image), compute)
