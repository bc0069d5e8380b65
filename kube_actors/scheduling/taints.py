"""Why: taints let a node repel pods and tolerations let a pod accept a taint; four plugins
ask the same question ("does this pod tolerate that taint?"): TaintToleration,
NodeUnschedulable (the ``node.kubernetes.io/unschedulable`` taint), and PodTopologySpread and
its ``nodeTaintsPolicy``. The matching rule is Kubernetes' ``Toleration.ToleratesTaint``.

Neighbours: ``nodes`` and ``pods`` parse taints and tolerations into these values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kube_actors.scheduling.objects import JsonObject, mappings_at, string_at

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"

DO_NOT_SCHEDULE_EFFECTS = (NO_SCHEDULE, NO_EXECUTE)
"""The effects that keep a pod off a node; ``PreferNoSchedule`` only lowers its score."""

UNSCHEDULABLE_TAINT_KEY = "node.kubernetes.io/unschedulable"


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str = ""
    effect: str = NO_SCHEDULE


@dataclass(frozen=True, slots=True)
class Toleration:
    """An empty ``key`` with ``Exists`` matches every key; an empty ``effect`` every effect; an
    empty ``operator`` means ``Equal``."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    def tolerates(self, taint: Taint) -> bool:
        """
        >>> Toleration("gpu", "Exists").tolerates(Taint("gpu", "a100", NO_SCHEDULE))
        True
        >>> Toleration("gpu", "Equal", "t4").tolerates(Taint("gpu", "a100", NO_SCHEDULE))
        False
        >>> Toleration(operator="Exists").tolerates(Taint("anything", "x", NO_EXECUTE))
        True
        """
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator in ("", "Equal"):
            return self.value == taint.value
        return self.operator == "Exists"


def tolerates(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    """Whether any of ``tolerations`` tolerates ``taint``."""
    return any(toleration.tolerates(taint) for toleration in tolerations)


def first_untolerated_taint(
    taints: Sequence[Taint],
    tolerations: Sequence[Toleration],
    effects: Sequence[str] = DO_NOT_SCHEDULE_EFFECTS,
) -> Taint | None:
    """The first of the node's ``taints`` with one of ``effects`` that no toleration tolerates,
    in the node's order (``FindMatchingUntoleratedTaint``); its key and value name the reason."""
    for taint in taints:
        if taint.effect in effects and not tolerates(tolerations, taint):
            return taint
    return None


def parse_taints(node_spec: JsonObject, where: str) -> tuple[Taint, ...]:
    return tuple(
        Taint(
            key=string_at(taint, "key", f"{where}.taints[{position}]"),
            value=string_at(taint, "value", f"{where}.taints[{position}]"),
            effect=string_at(taint, "effect", f"{where}.taints[{position}]"),
        )
        for position, taint in enumerate(mappings_at(node_spec, "taints", where))
    )


def parse_tolerations(pod_spec: JsonObject, where: str) -> tuple[Toleration, ...]:
    return tuple(
        Toleration(
            key=string_at(toleration, "key", f"{where}.tolerations[{position}]"),
            operator=string_at(toleration, "operator", f"{where}.tolerations[{position}]", "Equal"),
            value=string_at(toleration, "value", f"{where}.tolerations[{position}]"),
            effect=string_at(toleration, "effect", f"{where}.tolerations[{position}]"),
        )
        for position, toleration in enumerate(mappings_at(pod_spec, "tolerations", where))
    )
