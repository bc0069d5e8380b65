"""Why: a scheduler runs one or more profiles, each a named, ordered set of plugins with score
weights; a pod picks its profile by ``spec.schedulerName``. Two ship:

- ``default-scheduler``: Kubernetes' default profile, same plugins, same order, same weights
  (TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1 with LeastAllocated,
  PodTopologySpread 2, InterPodAffinity 2, NodeResourcesBalancedAllocation 1,
  ImageLocality 1), less the plugins this cluster has nothing for (volume limits, dynamic
  resources, preemption);
- ``bin-packing``: the same with NodeResourcesFit on MostAllocated, which fills nodes before
  starting new ones (the cost-management profile).

``requested_to_capacity_ratio_profile`` builds a profile scoring with a custom utilisation
shape. The plugin order is the filter order (the first rejecting plugin names a node's
reason); the placement kernel reads the same ``Profile`` (plugins with their configuration,
weights) to reproduce the decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from kube_actors.scheduling.framework import (
    FilterPlugin,
    NormalizeScorePlugin,
    Plugin,
    PreFilterPlugin,
    PreScorePlugin,
    ReservePlugin,
    ScorePlugin,
)
from kube_actors.scheduling.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from kube_actors.scheduling.plugins.image_locality import ImageLocality
from kube_actors.scheduling.plugins.inter_pod_affinity import InterPodAffinity
from kube_actors.scheduling.plugins.node_affinity import NodeAffinity
from kube_actors.scheduling.plugins.node_name import NodeName
from kube_actors.scheduling.plugins.node_ports import NodePorts
from kube_actors.scheduling.plugins.node_resources_fit import (
    LEAST_ALLOCATED_CPU_AND_MEMORY,
    MOST_ALLOCATED,
    REQUESTED_TO_CAPACITY_RATIO,
    NodeResourcesFit,
    ScoringStrategy,
)
from kube_actors.scheduling.plugins.node_unschedulable import NodeUnschedulable
from kube_actors.scheduling.plugins.pod_topology_spread import PodTopologySpread
from kube_actors.scheduling.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceWeight,
    UtilizationShapePoint,
)
from kube_actors.scheduling.plugins.taint_toleration import TaintToleration
from kube_actors.scheduling.plugins.volume_binding import VolumeBinding
from kube_actors.scheduling.plugins.volume_zone import VolumeZone
from kube_actors.scheduling.pods import DEFAULT_SCHEDULER

BIN_PACKING = "bin-packing"

DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        TaintToleration.name: 3,
        NodeAffinity.name: 2,
        NodeResourcesFit.name: 1,
        PodTopologySpread.name: 2,
        InterPodAffinity.name: 2,
        NodeResourcesBalancedAllocation.name: 1,
        ImageLocality.name: 1,
    }
)


@dataclass(frozen=True, slots=True)
class WeightedScore:
    """A score plugin with its weight; ``normalizer`` is the plugin again when it normalises."""

    plugin: ScorePlugin
    weight: int
    normalizer: NormalizeScorePlugin | None


@dataclass(frozen=True)
class Profile:
    """Plugins in order, and weights by plugin name (a score plugin without one weighs 1).

    The extension-point lists are derived from which Protocols each plugin implements, as
    Kubernetes' ``multiPoint`` configuration does.
    """

    scheduler_name: str
    plugins: tuple[Plugin, ...]
    weights: Mapping[str, int] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    pre_filters: tuple[PreFilterPlugin, ...] = field(init=False)
    filters: tuple[FilterPlugin, ...] = field(init=False)
    pre_scores: tuple[PreScorePlugin, ...] = field(init=False)
    scores: tuple[WeightedScore, ...] = field(init=False)
    reserves: tuple[ReservePlugin, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = [plugin.name for plugin in self.plugins]
        if len(set(names)) != len(names):
            raise ValueError(f"profile {self.scheduler_name!r} lists a plugin twice: {names}")
        plugins = self.plugins
        derived = {
            "pre_filters": tuple(p for p in plugins if isinstance(p, PreFilterPlugin)),
            "filters": tuple(p for p in plugins if isinstance(p, FilterPlugin)),
            "pre_scores": tuple(p for p in plugins if isinstance(p, PreScorePlugin)),
            "scores": tuple(
                WeightedScore(
                    p, self.weights.get(p.name) or 1, p if isinstance(p, NormalizeScorePlugin) else None
                )
                for p in plugins
                if isinstance(p, ScorePlugin)
            ),
            "reserves": tuple(p for p in plugins if isinstance(p, ReservePlugin)),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def plugin(self, name: str) -> Plugin | None:
        """The plugin called ``name`` (to read its configuration), if the profile has it."""
        return next((p for p in self.plugins if p.name == name), None)


def default_plugins(strategy: ScoringStrategy = LEAST_ALLOCATED_CPU_AND_MEMORY) -> tuple[Plugin, ...]:
    """Kubernetes' default plugins in its order, NodeResourcesFit scoring with ``strategy``."""
    return (
        NodeUnschedulable(),
        NodeName(),
        TaintToleration(),
        NodeAffinity(),
        NodePorts(),
        NodeResourcesFit(strategy),
        VolumeBinding(),
        VolumeZone(),
        PodTopologySpread(),
        InterPodAffinity(),
        NodeResourcesBalancedAllocation(),
        ImageLocality(),
    )


def default_profile(scheduler_name: str = DEFAULT_SCHEDULER) -> Profile:
    return Profile(scheduler_name, default_plugins())


def bin_packing_profile(scheduler_name: str = BIN_PACKING) -> Profile:
    return Profile(scheduler_name, default_plugins(ScoringStrategy(MOST_ALLOCATED)))


def requested_to_capacity_ratio_profile(
    scheduler_name: str,
    shape: Sequence[UtilizationShapePoint],
    resources: Sequence[ResourceWeight] = DEFAULT_RESOURCES,
) -> Profile:
    """The default plugins with NodeResourcesFit scoring each resource by its utilisation read
    off ``shape``: ``(0, 0), (100, 10)`` packs like MostAllocated, ``(0, 10), (100, 0)`` spreads."""
    strategy = ScoringStrategy(REQUESTED_TO_CAPACITY_RATIO, tuple(resources), tuple(shape))
    return Profile(scheduler_name, default_plugins(strategy))


def profiles_by_name(*profiles: Profile) -> Mapping[str, Profile]:
    by_name = {profile.scheduler_name: profile for profile in profiles}
    if len(by_name) != len(profiles):
        raise ValueError("profiles must have distinct scheduler names")
    return MappingProxyType(by_name)


SHIPPED_PROFILES = profiles_by_name(default_profile(), bin_packing_profile())
"""``default-scheduler`` and ``bin-packing``."""
