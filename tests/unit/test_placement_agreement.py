"""The placement kernel agrees with the reference scheduler on generated clusters
(``tests.scheduling_strategies.scenarios``): the same decisions, field for field, and the same
pods assumed onto the same nodes, under the shipped profiles and under profiles with other
plugin orders, weights, scoring strategies and resources; with pending pods as generated and
as runs of replicas sharing one requirements object; also when one state is kept across
batches while pods are bound and removed in between."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube_actors.placement import (
    PlacementState,
    classes,
    local_parts,
    place_batch,
    resource_plugins,
    spreading,
    state,
)
from kube_actors.scheduling import PodInfo, Snapshot, schedule_batch
from tests.placement_profiles import profile_sets
from tests.scheduling_strategies import Scenario, scenarios

GENERATED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def placements(snapshot: Snapshot) -> dict[str, list[str]]:
    return {info.name: [pod.key for pod in info.pods] for info in snapshot.nodes}


def replicas(pods: list[PodInfo], copies: int) -> list[PodInfo]:
    """Each pod followed by its copies, all sharing its requirements object as a ReplicaSet's
    replicas do (the kernel places such runs together), named apart."""
    if copies == 1:
        return pods
    return [replace(pod, name=f"{pod.name}-{copy}") for pod in pods for copy in range(copies)]


COPIES = st.sampled_from([1, 1, 2, 4])
"""Replicas per generated pending pod: most examples as generated, the others in runs."""


def _agree(scenario: Scenario, profiles: dict, copies: int = 1) -> None:  # type: ignore[type-arg]
    reference, kernel = scenario.snapshot(), scenario.snapshot()
    pending = replicas(scenario.pending_pods(), copies)
    expected = schedule_batch(reference, pending, profiles)
    assert place_batch(kernel, pending, profiles) == expected
    assert placements(kernel) == placements(reference)


@GENERATED
@given(scenarios(), profile_sets(), COPIES)
def test_the_kernel_decides_as_the_reference(scenario: Scenario, profiles: dict, copies: int) -> None:  # type: ignore[type-arg]
    _agree(scenario, profiles, copies)


@GENERATED
@given(scenarios(max_nodes=4, max_pending=6), profile_sets(), st.integers(2, 12))
def test_replicas_placed_in_runs_agree_until_the_nodes_are_full(
    scenario: Scenario,
    profiles: dict,  # type: ignore[type-arg]
    copies: int,
) -> None:
    _agree(scenario, profiles, copies)


@GENERATED
@given(scenarios(max_nodes=5, max_placed=10, max_pending=14), profile_sets(), st.data())
def test_a_kept_state_follows_pods_bound_and_removed_between_batches(
    scenario: Scenario,
    profiles: dict,  # type: ignore[type-arg]
    data: st.DataObject,
) -> None:
    reference = scenario.snapshot()
    state = PlacementState(scenario.snapshot())
    pending = scenario.pending_pods()
    split = data.draw(st.integers(0, len(pending)))
    for batch in (pending[:split], pending[split:]):
        assert place_batch(state, batch, profiles) == schedule_batch(reference, batch, profiles)
        # Some placed pod leaves (deleted, or its binding failed) in both.
        placed = [(pod, info.name) for info in reference.nodes for pod in info.pods]
        if placed:
            pod, node = data.draw(st.sampled_from(placed))
            assert reference.remove_pod(pod, node)
            assert state.remove_pod(pod, node)
    assert placements(state.snapshot) == placements(reference)


@contextmanager
def tuned(**constants: int) -> Iterator[None]:
    """The kernel with other thresholds (``module.NAME=value``), so the paths large clusters
    take (numpy over a few changed nodes, evaluations dropped, a log that forgot) run on small
    ones."""
    saved = []
    for dotted, value in constants.items():
        module, name = dotted.split("__")
        target = MODULES[module]
        saved.append((target, name, getattr(target, name)))
        setattr(target, name, value)
    try:
        yield
    finally:
        for target, name, value in saved:
            setattr(target, name, value)


MODULES = {
    "classes": classes,
    "local_parts": local_parts,
    "resource_plugins": resource_plugins,
    "spreading": spreading,
    "state": state,
}
TUNINGS = {
    "each plugin asked": {"local_parts__RESCORING": 0},
    "numpy over changed nodes": {
        "local_parts__ONE_BY_ONE": 0,
        "local_parts__REBUILD_SHARE": 1,
        "classes__REBUILD_SHARE": 1,
        "resource_plugins__FEW": 0,
    },
    "everything again": {
        "local_parts__ONE_BY_ONE": 0,
        "local_parts__REBUILD_SHARE": 10**9,
        "classes__REBUILD_SHARE": 10**9,
    },
    "a short log": {"state__CHANGES_KEPT": 1, "state__CHANGES_KEPT_PER_NODE": 0},
    "forgetful": {
        "state__CLASSES_KEPT": 0,
        "state__STATICS_KEPT": 0,
        "state__KEYS_KEPT": 1,
        "state__CHANGES_KEPT": 1,
        "state__CHANGES_KEPT_PER_NODE": 0,
        "spreading__REMEMBERED": 0,
        "spreading__FOLLOWED": 0,
    },
}


@pytest.mark.parametrize("tuning", TUNINGS)
@FEW
@given(scenarios(max_nodes=5, max_placed=10, max_pending=14), profile_sets(), COPIES)
def test_the_kernel_agrees_on_every_path(
    tuning: str, scenario: Scenario, profiles: dict, copies: int
) -> None:  # type: ignore[type-arg]
    with tuned(**TUNINGS[tuning]):
        _agree(scenario, profiles, copies)


@pytest.mark.slow
@pytest.mark.parametrize("tuning", ["as shipped", *TUNINGS])
@MANY
@given(scenarios(max_nodes=8, max_placed=12, max_pending=14), profile_sets(), COPIES)
def test_the_kernel_decides_as_the_reference_at_length(
    tuning: str, scenario: Scenario, profiles: dict, copies: int
) -> None:  # type: ignore[type-arg]
    with tuned(**TUNINGS.get(tuning, {})):
        _agree(scenario, profiles, copies)
