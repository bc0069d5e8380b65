"""Why: a ``Profile`` lists plugin *instances* in order with weights; the kernel needs, for
each, its vectorised twin (configured like the plugin: a scoring strategy, resources, the hard
affinity weight). ``ProfilePlan`` is that list, built once per profile. A profile holding a
plugin the kernel has no twin for (a custom plugin, a Reserve plugin) gets no plan: its pods
are placed by the reference scheduler, so the kernel never disagrees with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_actors.placement.jobs import VectorPlugin
from kube_actors.placement.label_plugins import (
    ImageLocalityTwin,
    NodeAffinityTwin,
    NodeNameTwin,
    NodeUnschedulableTwin,
    TaintTolerationTwin,
    VolumeBindingTwin,
    VolumeZoneTwin,
)
from kube_actors.placement.pod_affinity import InterPodAffinityTwin
from kube_actors.placement.resource_plugins import (
    BalancedAllocationTwin,
    NodePortsTwin,
    NodeResourcesFitTwin,
)
from kube_actors.placement.spreading import PodTopologySpreadTwin
from kube_actors.scheduling.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from kube_actors.scheduling.plugins.image_locality import ImageLocality
from kube_actors.scheduling.plugins.inter_pod_affinity import InterPodAffinity
from kube_actors.scheduling.plugins.node_affinity import NodeAffinity
from kube_actors.scheduling.plugins.node_name import NodeName
from kube_actors.scheduling.plugins.node_ports import NodePorts
from kube_actors.scheduling.plugins.node_resources_fit import NodeResourcesFit
from kube_actors.scheduling.plugins.node_unschedulable import NodeUnschedulable
from kube_actors.scheduling.plugins.pod_topology_spread import PodTopologySpread
from kube_actors.scheduling.plugins.taint_toleration import TaintToleration
from kube_actors.scheduling.plugins.volume_binding import VolumeBinding
from kube_actors.scheduling.plugins.volume_zone import VolumeZone
from kube_actors.scheduling.profiles import Profile

TWINS: dict[type, Callable[[Any], VectorPlugin]] = {
    NodeUnschedulable: NodeUnschedulableTwin,
    NodeName: NodeNameTwin,
    TaintToleration: TaintTolerationTwin,
    NodeAffinity: NodeAffinityTwin,
    NodePorts: NodePortsTwin,
    NodeResourcesFit: NodeResourcesFitTwin,
    VolumeBinding: VolumeBindingTwin,
    VolumeZone: VolumeZoneTwin,
    PodTopologySpread: PodTopologySpreadTwin,
    InterPodAffinity: InterPodAffinityTwin,
    NodeResourcesBalancedAllocation: BalancedAllocationTwin,
    ImageLocality: ImageLocalityTwin,
}
"""Plugin class -> twin factory. Exact classes only: a subclass may behave differently."""


class ProfilePlan:
    """A profile's twins at each extension point, in the profile's order."""

    def __init__(self, profile: Profile) -> None:
        twins = {plugin.name: TWINS[type(plugin)](plugin) for plugin in profile.plugins}
        self.profile = profile
        self.pre_filters = [twins[plugin.name] for plugin in profile.pre_filters]
        self.filters = [twins[plugin.name] for plugin in profile.filters]
        self.scores = [(twins[weighted.plugin.name], weighted.weight) for weighted in profile.scores]


def is_supported(profile: Profile) -> bool:
    """Whether every plugin of ``profile`` has a twin (and none reserves)."""
    return not profile.reserves and all(type(plugin) in TWINS for plugin in profile.plugins)


class Plans:
    """Plans by profile, built on first use; None for profiles the kernel leaves to the reference."""

    def __init__(self) -> None:
        self._plans: dict[int, tuple[Profile, ProfilePlan | None]] = {}

    def for_profile(self, profile: Profile) -> ProfilePlan | None:
        found = self._plans.get(id(profile))
        if found is None or found[0] is not profile:
            found = self._plans[id(profile)] = (
                profile,
                ProfilePlan(profile) if is_supported(profile) else None,
            )
        return found[1]
