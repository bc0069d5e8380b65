"""maxSurge and maxUnavailable as numbers and percentages, rounded as Kubernetes rounds them."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.controllers.deployment.fenceposts import (
    FencepostError,
    max_surge,
    max_unavailable,
    resolve_fenceposts,
)
from tests.unit.deployment_fixtures import deployment


@pytest.mark.parametrize(
    ("surge", "unavailable", "replicas", "expected"),
    [
        ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailability down
        ("25%", "25%", 3, (1, 0)),
        ("25%", "25%", 1, (1, 0)),
        ("0%", "25%", 3, (0, 1)),  # both would be zero: one may be unavailable
        (0, 0, 5, (0, 1)),
        (2, "50%", 5, (2, 2)),
        ("100%", 0, 4, (4, 0)),
        ("10%", "10%", 0, (0, 1)),
    ],
)
def test_fenceposts(surge: Any, unavailable: Any, replicas: int, expected: tuple[int, int]) -> None:
    assert resolve_fenceposts(surge, unavailable, replicas) == expected


def test_unavailability_is_capped_at_replicas_and_recreate_has_neither() -> None:
    rolling = deployment(
        2, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 5}}
    )
    assert (max_surge(rolling), max_unavailable(rolling)) == (0, 2)
    assert max_unavailable(deployment(0)) == 0
    recreate = deployment(4, strategy={"type": "Recreate"})
    assert (max_surge(recreate), max_unavailable(recreate)) == (0, 0)


def test_a_fencepost_must_be_a_number_or_a_percentage() -> None:
    with pytest.raises(FencepostError, match="neither an integer nor a percentage"):
        resolve_fenceposts("two", 0, 3)
