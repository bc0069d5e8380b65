"""Why: ``topologySpreadConstraints`` ask the scheduler to keep a pod's group evenly spread over
topology domains (zones, nodes): ``DoNotSchedule`` constraints filter nodes, ``ScheduleAnyway``
ones only score them. A constraint is parsed once with its pod, with Kubernetes' defaults
(``minDomains`` 1, ``nodeAffinityPolicy`` Honor, ``nodeTaintsPolicy`` Ignore) and with its
``matchLabelKeys`` already folded into the selector, as the PodTopologySpread plugin reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kube_actors.scheduling.label_selection import LabelSelector
from kube_actors.scheduling.objects import JsonObject, int_at, mappings_at, string_at, strings_at

DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR = "Honor"
IGNORE = "Ignore"


@dataclass(frozen=True, slots=True)
class SpreadConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    selector: LabelSelector
    min_domains: int = 1
    node_affinity_policy: str = HONOR
    node_taints_policy: str = IGNORE

    @property
    def is_hard(self) -> bool:
        return self.when_unsatisfiable == DO_NOT_SCHEDULE


def parse_spread_constraints(
    spec: JsonObject, pod_labels: Mapping[str, str], where: str
) -> tuple[SpreadConstraint, ...]:
    constraints = []
    for position, raw in enumerate(mappings_at(spec, "topologySpreadConstraints", where)):
        at = f"{where}.topologySpreadConstraints[{position}]"
        selector = LabelSelector.of(raw.get("labelSelector"), f"{at}.labelSelector")
        own_values = {
            key: pod_labels[key] for key in strings_at(raw, "matchLabelKeys", at) if key in pod_labels
        }
        constraints.append(
            SpreadConstraint(
                max_skew=int_at(raw, "maxSkew", at, 1),
                topology_key=string_at(raw, "topologyKey", at),
                when_unsatisfiable=string_at(raw, "whenUnsatisfiable", at, DO_NOT_SCHEDULE),
                selector=selector.requiring(own_values),
                min_domains=int_at(raw, "minDomains", at, 1),
                node_affinity_policy=string_at(raw, "nodeAffinityPolicy", at, HONOR),
                node_taints_policy=string_at(raw, "nodeTaintsPolicy", at, IGNORE),
            )
        )
    return tuple(constraints)
