"""Why: the kernel computes Kubernetes' scores for thousands of nodes at once, and must reach
exactly the integers the reference computes one node at a time with
``kube_actors.scheduling.arithmetic`` (Go's truncating integer division, ``math.Round``'s
halves away from zero, ``float64`` formulas evaluated in the same order). These are those
rules over numpy arrays, in one place; every vectorised plugin divides and rounds with them.

Arrays are ``int64`` (Go's ``int64``) and ``float64``; nothing here warns on a zero divisor,
the callers mask those entries.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from kube_actors.scheduling.arithmetic import MAX_NODE_SCORE

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.int32]
Nodes = slice | npt.NDArray[np.intp]
"""Which nodes to compute for: ``ALL``, or node positions."""
ALL = slice(None)

INFEASIBLE = np.iinfo(np.int64).min
"""The total an infeasible node carries, below any score, so ``argmax`` never picks it while
a feasible node exists."""


def go_div(dividend: Ints, divisor: Ints | int) -> Ints:
    """Element-wise ``arithmetic.go_div``: quotients truncated toward zero; a zero divisor
    gives 0 (the callers never use those entries).

    >>> go_div(np.array([7, -7, 7, 0]), np.array([2, 2, -2, 0])).tolist()
    [3, -3, -3, 0]
    >>> go_div(np.array([7, -7]), -2).tolist()
    [-3, 3]
    """
    if isinstance(divisor, int) and divisor:
        quotient = np.abs(dividend) // abs(divisor)
        return np.where((dividend >= 0) == (divisor > 0), quotient, -quotient)
    divisor_array = np.asarray(divisor, dtype=np.int64)
    safe = np.where(divisor_array == 0, 1, divisor_array)
    quotient = np.abs(dividend) // np.abs(safe)
    same_sign = (dividend >= 0) == (safe > 0)
    return np.where(divisor_array == 0, 0, np.where(same_sign, quotient, -quotient))


def go_round(values: Floats, *, nonnegative: bool = False) -> Ints:
    """Element-wise ``arithmetic.go_round`` (halves away from zero), by the same float steps;
    ``nonnegative`` says the caller knows no value is below 0 (saving the check).

    >>> go_round(np.array([2.5, 3.5, -2.5, 0.49999999999999994])).tolist()
    [3, 4, -3, 0]
    """
    if nonnegative or (values.size and values.min() >= 0):  # the usual case, in fewer steps
        whole = np.floor(values)
        return (whole + (values - whole >= 0.5)).astype(np.int64)
    magnitude = np.abs(values)
    whole = np.floor(magnitude)
    whole = np.where(magnitude - whole >= 0.5, whole + 1, whole)
    return np.where(values >= 0, whole, -whole).astype(np.int64)


def default_normalize(raw: Ints, feasible: Bools, *, reverse: bool) -> Ints:
    """``arithmetic.default_normalize_score`` over the ``feasible`` entries of ``raw`` (the
    others get values the caller ignores).

    >>> default_normalize(np.array([0, 1, 3, 9]), np.array([True, True, True, False]), reverse=True).tolist()
    [100, 67, 0, -200]
    """
    return normalized_by(raw, feasible_max(raw, feasible), reverse=reverse)


def feasible_max(raw: Ints, feasible: Bools) -> int:
    """The highest of the ``feasible`` entries of ``raw``; 0 when none is feasible (what
    ``default_normalize`` divides by)."""
    highest = int(np.where(feasible, raw, INFEASIBLE).max())  # twice as quick as max(where=)
    return 0 if highest == INFEASIBLE else highest


def normalized_by(raw: Ints, highest: int, *, reverse: bool) -> Ints:
    """``default_normalize`` once the highest feasible raw score is known: the result depends on
    nothing else, so it can be remembered by ``highest``."""
    if highest == 0:
        return np.full_like(raw, MAX_NODE_SCORE) if reverse else raw.copy()
    scaled = go_div(MAX_NODE_SCORE * raw, highest)
    return MAX_NODE_SCORE - scaled if reverse else scaled


def by_value(values: Ints, function: Callable[[int], int]) -> Ints:
    """``function`` applied to each entry, called once per distinct value (for scores read off
    tables, such as a utilisation shape).

    >>> by_value(np.array([3, 1, 3]), lambda v: v * 10).tolist()
    [30, 10, 30]
    """
    distinct, positions = np.unique(values, return_inverse=True)
    table = np.array([function(int(value)) for value in distinct], dtype=np.int64)
    return table[positions.reshape(values.shape)]
