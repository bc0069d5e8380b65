"""Hypothesis strategies for scheduling profiles, for the placement kernel's agreement tests:
the shipped ones, and profiles under the scenarios' scheduler names (``default-scheduler``,
``bin-packing``) with the plugins in another order or some left out, other weights, every
NodeResourcesFit scoring strategy over more resources (ephemeral storage, an extended
resource), BalancedAllocation over three or four resources, and another hard pod affinity
weight."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import strategies as st

from kube_actors.scheduling import SHIPPED_PROFILES, Profile, profiles_by_name
from kube_actors.scheduling.framework import Plugin
from kube_actors.scheduling.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from kube_actors.scheduling.plugins.inter_pod_affinity import InterPodAffinity
from kube_actors.scheduling.plugins.node_resources_fit import (
    LEAST_ALLOCATED,
    MOST_ALLOCATED,
    REQUESTED_TO_CAPACITY_RATIO,
    ScoringStrategy,
)
from kube_actors.scheduling.plugins.resource_allocation import ResourceWeight, UtilizationShapePoint
from kube_actors.scheduling.profiles import DEFAULT_WEIGHTS, default_plugins

RESOURCES = ("cpu", "memory", "ephemeral-storage", "example.com/gpu")


@st.composite
def resource_weights(draw: st.DrawFn) -> tuple[ResourceWeight, ...]:
    names = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=4, unique=True))
    return tuple(ResourceWeight(name, draw(st.integers(1, 3))) for name in names)


@st.composite
def shapes(draw: st.DrawFn) -> tuple[UtilizationShapePoint, ...]:
    utilizations = sorted(draw(st.lists(st.integers(0, 100), min_size=1, max_size=4, unique=True)))
    return tuple(UtilizationShapePoint(u, draw(st.integers(0, 10))) for u in utilizations)


@st.composite
def strategies(draw: st.DrawFn) -> ScoringStrategy:
    kind = draw(st.sampled_from((LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO)))
    shape = draw(shapes()) if kind == REQUESTED_TO_CAPACITY_RATIO else ()
    return ScoringStrategy(kind, draw(resource_weights()), shape)


@st.composite
def profiles(draw: st.DrawFn, name: str) -> Profile:
    plugins: list[Plugin] = []
    for plugin in default_plugins(draw(strategies())):
        if isinstance(plugin, NodeResourcesBalancedAllocation):
            plugin = NodeResourcesBalancedAllocation(draw(resource_weights()))
        elif isinstance(plugin, InterPodAffinity):
            plugin = InterPodAffinity(draw(st.integers(0, 5)))
        if draw(st.integers(0, 7)):  # most plugins stay
            plugins.append(plugin)
    if draw(st.booleans()):
        plugins = draw(st.permutations(plugins))
    weights = (
        {name: draw(st.integers(0, 5)) for name in DEFAULT_WEIGHTS}
        if draw(st.booleans())
        else DEFAULT_WEIGHTS
    )
    return Profile(name, tuple(plugins), weights)


@st.composite
def profile_sets(draw: st.DrawFn) -> Mapping[str, Profile]:
    """Profiles for ``default-scheduler`` and ``bin-packing``: shipped or drawn."""
    if draw(st.integers(0, 2)) == 0:
        return SHIPPED_PROFILES
    return profiles_by_name(
        draw(profiles("default-scheduler")),
        draw(profiles("bin-packing")) if draw(st.booleans()) else SHIPPED_PROFILES["bin-packing"],
    )
