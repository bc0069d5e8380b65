"""Why: Kubernetes computes node scores in Go's ``int64`` and ``float64`` arithmetic, and both
this reference scheduler and the numpy placement kernel must reach exactly its integers. Go's
integer division truncates toward zero and its ``math.Round`` rounds halves away from zero,
where Python's ``//`` floors and ``round`` rounds halves to even. This module is the one place
that difference is spelled out; every plugin that divides or rounds uses it.

``float64`` operations themselves (``+ - * /``, ``sqrt``) are IEEE 754 in Go, Python and numpy
alike, so a formula evaluated in the same order gives the same bits everywhere.
"""

from __future__ import annotations

import math

MAX_NODE_SCORE = 100
"""The highest score a Score plugin may give a node after normalisation (``framework.MaxNodeScore``)."""

MIN_NODE_SCORE = 0


def go_div(dividend: int, divisor: int) -> int:
    """``dividend / divisor`` as Go divides integers: the quotient truncated toward zero.

    >>> go_div(7, 2), go_div(-7, 2), 7 // 2, -7 // 2
    (3, -3, 3, -4)
    """
    quotient = abs(dividend) // abs(divisor)
    return quotient if (dividend >= 0) == (divisor > 0) else -quotient


def go_round(value: float) -> int:
    """Go's ``int64(math.Round(value))``: the nearest integer, halves away from zero.

    ``abs(value) - floor(abs(value))`` is exact in binary floating point, so the comparison
    with one half is too.

    >>> go_round(2.5), go_round(3.5), go_round(-2.5), round(2.5)
    (3, 4, -3, 2)
    >>> go_round(0.49999999999999994)
    0
    """
    magnitude = abs(value)
    whole = math.floor(magnitude)
    if magnitude - whole >= 0.5:
        whole += 1
    return int(whole) if value >= 0 else -int(whole)


def default_normalize_score(scores: list[int], *, reverse: bool) -> None:
    """Kubernetes' ``helper.DefaultNormalizeScore``, in place: scale raw scores so the highest
    becomes ``MAX_NODE_SCORE`` (integer division); ``reverse`` turns the scale upside down, for
    plugins whose raw score counts something bad. All-zero scores stay 0, or all become
    ``MAX_NODE_SCORE`` when reversed.

    >>> scores = [0, 1, 3]; default_normalize_score(scores, reverse=False); scores
    [0, 33, 100]
    >>> scores = [0, 1, 3]; default_normalize_score(scores, reverse=True); scores
    [100, 67, 0]
    >>> scores = [0, 0]; default_normalize_score(scores, reverse=True); scores
    [100, 100]
    """
    highest = max(scores, default=0)
    if highest == 0:
        if reverse:
            scores[:] = [MAX_NODE_SCORE] * len(scores)
        return
    for position, score in enumerate(scores):
        scaled = go_div(MAX_NODE_SCORE * score, highest)
        scores[position] = MAX_NODE_SCORE - scaled if reverse else scaled
