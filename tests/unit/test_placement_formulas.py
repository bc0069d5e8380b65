"""The kernel's arithmetic over arrays reaches the reference's integers exactly: Go's division
and rounding, and every resource score formula, for many nodes at once and (the plain forms)
for one node's integers, compared with ``kube_actors.scheduling`` on generated amounts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kube_actors.placement.arithmetic import go_div, go_round
from kube_actors.placement.resource_formulas import (
    Column,
    OneNodeSources,
    balanced,
    balanced_at,
    requested_to_capacity_ratio,
    weighted_mean,
    weighted_mean_at,
)
from kube_actors.scheduling import arithmetic
from kube_actors.scheduling.plugins.resource_allocation import (
    ResourceWeight,
    UtilizationShapePoint,
    balanced_allocation,
    least_allocated,
    most_allocated,
)
from kube_actors.scheduling.plugins.resource_allocation import (
    requested_to_capacity_ratio as reference_ratio,
)

SOME = settings(max_examples=150, deadline=None)
amounts = st.integers(0, 2**44)
signed = st.integers(-(2**40), 2**40)


@SOME
@given(st.lists(st.tuples(signed, signed), min_size=1, max_size=20))
def test_go_division_truncates_toward_zero(pairs: list[tuple[int, int]]) -> None:
    dividends = np.array([a for a, _ in pairs], dtype=np.int64)
    divisors = np.array([b for _, b in pairs], dtype=np.int64)
    expected = [arithmetic.go_div(a, b) if b else 0 for a, b in pairs]
    assert go_div(dividends, divisors).tolist() == expected
    if pairs[0][1]:
        assert go_div(dividends, pairs[0][1]).tolist() == [
            arithmetic.go_div(a, pairs[0][1]) for a, _ in pairs
        ]


@SOME
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.integers(-1000, 1000).map(lambda n: n + 0.5)), min_size=1))
def test_go_rounding_takes_halves_away_from_zero(values: list[float]) -> None:
    assert go_round(np.array(values)).tolist() == [arithmetic.go_round(v) for v in values]


@st.composite
def plain_nodes(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]], list[ResourceWeight]]:
    """Per node (requested, allocatable) vectors over the same resources, every allocatable > 0."""
    count = draw(st.integers(1, 4))
    resources = [ResourceWeight(f"r{i}", draw(st.integers(1, 4))) for i in range(count)]
    nodes = draw(st.integers(1, 12))
    allocatable = [[draw(st.integers(1, 2**40)) for _ in resources] for _ in range(nodes)]
    requested = [[draw(st.integers(0, 2 * capacity)) for capacity in row] for row in allocatable]
    return requested, allocatable, resources


def _columns(
    requested: list[list[int]], allocatable: list[list[int]], resources: list[ResourceWeight]
) -> list[Column]:
    return [
        Column(
            np.array([row[i] for row in allocatable], dtype=np.int64),
            np.array([row[i] for row in requested], dtype=np.int64),
            resource.weight,
        )
        for i, resource in enumerate(resources)
    ]


def _one_node(columns: list[Column]) -> OneNodeSources:
    """The columns as one node's formulas read them (the requested amounts as used, the pod
    asking for nothing more)."""
    return tuple(
        (column.allocatable.tolist(), column.requested.tolist(), 0, column.weight) for column in columns
    )


@SOME
@given(plain_nodes())
def test_plain_formulas_match_the_reference_over_arrays_and_for_one_node(
    case: tuple[list[list[int]], list[list[int]], list[ResourceWeight]],
) -> None:
    requested, allocatable, resources = case
    columns = _columns(requested, allocatable, resources)
    count = len(requested)
    for least, reference in ((True, least_allocated), (False, most_allocated)):
        expected = [reference(r, a, resources) for r, a in zip(requested, allocatable, strict=True)]
        assert weighted_mean(columns, count, least=least, plain=True).tolist() == expected
        assert weighted_mean(columns, count, least=least, plain=False).tolist() == expected
        weighted_mean_of_node = weighted_mean_at(_one_node(columns), least=least)
        assert [weighted_mean_of_node(node) for node in range(count)] == expected
    expected = [balanced_allocation(r, a) for r, a in zip(requested, allocatable, strict=True)]
    assert balanced(columns, count, plain=True).tolist() == expected
    assert balanced(columns, count, plain=False).tolist() == expected
    balanced_of_node = balanced_at(_one_node(columns))
    assert [balanced_of_node(node) for node in range(count)] == expected


@SOME
@given(plain_nodes(), st.data())
def test_nodes_that_do_not_offer_a_resource_leave_it_out_as_the_reference_does(
    case: tuple[list[list[int]], list[list[int]], list[ResourceWeight]], data: st.DataObject
) -> None:
    requested, allocatable, resources = case
    for row, wanted in zip(allocatable, requested, strict=True):
        for i in range(len(row)):
            if data.draw(st.integers(0, 2)) == 0:
                row[i], wanted[i] = 0, 0  # ``resource_vectors`` zeroes both
    columns = _columns(requested, allocatable, resources)
    count = len(requested)
    pairs = list(zip(requested, allocatable, strict=True))
    assert weighted_mean(columns, count, least=True, plain=False).tolist() == [
        least_allocated(r, a, resources) for r, a in pairs
    ]
    assert weighted_mean(columns, count, least=False, plain=False).tolist() == [
        most_allocated(r, a, resources) for r, a in pairs
    ]
    assert balanced(columns, count, plain=False).tolist() == [balanced_allocation(r, a) for r, a in pairs]
    points = sorted(data.draw(st.lists(st.integers(0, 100), min_size=1, max_size=4, unique=True)))
    shape = [UtilizationShapePoint(u, data.draw(st.integers(0, 10))) for u in points]
    assert requested_to_capacity_ratio(columns, count, shape).tolist() == [
        reference_ratio(r, a, resources, shape) for r, a in pairs
    ]
