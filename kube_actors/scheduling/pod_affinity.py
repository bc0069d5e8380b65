"""Why: inter-pod affinity places a pod relative to other pods ("in the same zone as the
cache", "never on a node with another replica"); its terms select pods by labels within a set
of namespaces, and a topology key names the domain (node, zone) they must share or avoid.
The InterPodAffinity plugin reads the incoming pod's terms and those of every pod already
placed, so terms are parsed once with the pod.

Namespaces, as Kubernetes' ``AffinityTerm``: the term's ``namespaces`` list, plus every
namespace whose labels match its ``namespaceSelector``; with neither, the pod's own namespace.
A missing ``namespaceSelector`` selects no namespace, an empty one (``{}``) every namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kube_actors.scheduling.label_selection import NOTHING, LabelSelector
from kube_actors.scheduling.objects import JsonObject, int_at, mapping_at, mappings_at, string_at, strings_at


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    selector: LabelSelector
    namespaces: frozenset[str]
    namespace_selector: LabelSelector
    topology_key: str

    def matches(self, namespace: str, labels: Mapping[str, str], namespace_labels: Mapping[str, str]) -> bool:
        """Whether a pod in ``namespace`` with ``labels`` is one this term selects;
        ``namespace_labels`` are the labels of that namespace."""
        if namespace in self.namespaces or self.namespace_selector.matches(namespace_labels):
            return self.selector.matches(labels)
        return False


@dataclass(frozen=True, slots=True)
class WeightedAffinityTerm:
    weight: int
    term: AffinityTerm


@dataclass(frozen=True, slots=True)
class PodAffinity:
    """A pod's ``podAffinity`` and ``podAntiAffinity``, required and preferred."""

    required_affinity: tuple[AffinityTerm, ...] = ()
    required_anti_affinity: tuple[AffinityTerm, ...] = ()
    preferred_affinity: tuple[WeightedAffinityTerm, ...] = ()
    preferred_anti_affinity: tuple[WeightedAffinityTerm, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.required_affinity
            or self.required_anti_affinity
            or self.preferred_affinity
            or self.preferred_anti_affinity
        )


NO_POD_AFFINITY = PodAffinity()


def parse_pod_affinity(affinity: JsonObject, namespace: str, where: str) -> PodAffinity:
    """The pod affinity parts of ``spec.affinity`` for a pod in ``namespace``."""
    if not affinity.get("podAffinity") and not affinity.get("podAntiAffinity"):
        return NO_POD_AFFINITY
    attract = mapping_at(affinity, "podAffinity", where)
    repel = mapping_at(affinity, "podAntiAffinity", where)
    return PodAffinity(
        required_affinity=_required(attract, namespace, f"{where}.podAffinity"),
        required_anti_affinity=_required(repel, namespace, f"{where}.podAntiAffinity"),
        preferred_affinity=_preferred(attract, namespace, f"{where}.podAffinity"),
        preferred_anti_affinity=_preferred(repel, namespace, f"{where}.podAntiAffinity"),
    )


def _required(rules: JsonObject, namespace: str, where: str) -> tuple[AffinityTerm, ...]:
    name = "requiredDuringSchedulingIgnoredDuringExecution"
    return tuple(
        _term(term, namespace, f"{where}.{name}[{position}]")
        for position, term in enumerate(mappings_at(rules, name, where))
    )


def _preferred(rules: JsonObject, namespace: str, where: str) -> tuple[WeightedAffinityTerm, ...]:
    name = "preferredDuringSchedulingIgnoredDuringExecution"
    terms = []
    for position, weighted in enumerate(mappings_at(rules, name, where)):
        at = f"{where}.{name}[{position}]"
        term = _term(mapping_at(weighted, "podAffinityTerm", at), namespace, f"{at}.podAffinityTerm")
        terms.append(WeightedAffinityTerm(int_at(weighted, "weight", at), term))
    return tuple(terms)


def _term(term: JsonObject, namespace: str, where: str) -> AffinityTerm:
    namespaces = strings_at(term, "namespaces", where)
    namespace_selector = LabelSelector.of(term.get("namespaceSelector"), f"{where}.namespaceSelector")
    if not namespaces and namespace_selector is NOTHING:
        namespaces = (namespace,)
    return AffinityTerm(
        selector=LabelSelector.of(term.get("labelSelector"), f"{where}.labelSelector"),
        namespaces=frozenset(namespaces),
        namespace_selector=namespace_selector,
        topology_key=string_at(term, "topologyKey", where),
    )
