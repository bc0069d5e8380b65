"""Why: a pod chooses nodes by their labels and name in three places that must agree: its
``nodeSelector``, its node affinity (required terms filter, preferred terms score), and the
node affinity of the persistent volumes it mounts. This module is Kubernetes'
``NodeSelector`` semantics (``component-helpers/scheduling/corev1/nodeaffinity``) once:

- terms are ORed, the requirements inside a term ANDed; a term with no requirements at all
  matches nothing, and so does a selector with no terms;
- label operators ``In``, ``NotIn``, ``Exists``, ``DoesNotExist``, ``Gt``, ``Lt`` (the last
  two compare the label as a base-10 integer, and a label that is not one never matches);
- field requirements only know ``metadata.name``, with ``In`` or ``NotIn`` and one value;
- a requirement Kubernetes would refuse to parse (``In`` without values, ``Gt`` without exactly
  one integer, an unknown operator) makes its whole term match nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kube_actors.scheduling.objects import JsonObject, int_at, mapping_at, mappings_at, string_at, strings_at

NODE_NAME_FIELD = "metadata.name"

_INTEGER = re.compile(r"^[+-]?[0-9]+$")  # what Go's strconv.ParseInt(text, 10, 64) accepts


@dataclass(frozen=True, slots=True)
class NodeSelectorRequirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def is_valid_for_labels(self) -> bool:
        if self.operator in ("In", "NotIn"):
            return bool(self.values)
        if self.operator in ("Exists", "DoesNotExist"):
            return not self.values
        if self.operator in ("Gt", "Lt"):
            return len(self.values) == 1 and _INTEGER.match(self.values[0]) is not None
        return False

    def is_valid_for_fields(self) -> bool:
        return self.operator in ("In", "NotIn") and len(self.values) == 1

    def matches_labels(self, labels: Mapping[str, str]) -> bool:
        """For a requirement that ``is_valid_for_labels``.

        >>> NodeSelectorRequirement("cores", "Gt", ("4",)).matches_labels({"cores": "8"})
        True
        >>> NodeSelectorRequirement("cores", "Gt", ("4",)).matches_labels({"cores": "many"})
        False
        """
        operator = self.operator
        if operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if operator == "Exists":
            return self.key in labels
        if operator == "DoesNotExist":
            return self.key not in labels
        label = labels.get(self.key)
        if label is None or _INTEGER.match(label) is None:
            return False
        if operator == "Gt":
            return int(label) > int(self.values[0])
        return int(label) < int(self.values[0])

    def matches_fields(self, node_name: str) -> bool:
        """For a requirement that ``is_valid_for_fields``: only ``metadata.name`` has a value."""
        value = node_name if self.key == NODE_NAME_FIELD else ""
        return (value == self.values[0]) == (self.operator == "In")


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    match_expressions: tuple[NodeSelectorRequirement, ...] = ()
    match_fields: tuple[NodeSelectorRequirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_expressions and not self.match_fields

    def matches(self, node_name: str, labels: Mapping[str, str]) -> bool:
        if self.is_empty:
            return False
        for requirement in self.match_expressions:
            if not requirement.is_valid_for_labels() or not requirement.matches_labels(labels):
                return False
        for requirement in self.match_fields:
            if not requirement.is_valid_for_fields() or not requirement.matches_fields(node_name):
                return False
        return True


@dataclass(frozen=True, slots=True)
class NodeSelector:
    """``nodeSelectorTerms``, ORed."""

    terms: tuple[NodeSelectorTerm, ...]

    def matches(self, node_name: str, labels: Mapping[str, str]) -> bool:
        return any(term.matches(node_name, labels) for term in self.terms)


@dataclass(frozen=True, slots=True)
class PreferredSchedulingTerm:
    weight: int
    preference: NodeSelectorTerm


@dataclass(frozen=True, slots=True)
class RequiredNodeAffinity:
    """What a node must satisfy for the pod: every ``nodeSelector`` label, and the required
    node affinity terms when there are any (``nodeaffinity.GetRequiredNodeAffinity``)."""

    node_selector: tuple[tuple[str, str], ...] = ()
    required: NodeSelector | None = None

    @property
    def is_unconstrained(self) -> bool:
        return not self.node_selector and self.required is None

    def matches(self, node_name: str, labels: Mapping[str, str]) -> bool:
        """
        >>> affinity = RequiredNodeAffinity((("disk", "ssd"),))
        >>> affinity.matches("n1", {"disk": "ssd"}), affinity.matches("n1", {"disk": "hdd"})
        (True, False)
        """
        for key, value in self.node_selector:
            if labels.get(key) != value:
                return False
        return self.required is None or self.required.matches(node_name, labels)


UNCONSTRAINED = RequiredNodeAffinity()


def parse_node_selector(selector: JsonObject, where: str) -> NodeSelector:
    """A ``NodeSelector`` object (``{"nodeSelectorTerms": [...]}``)."""
    return NodeSelector(
        tuple(
            parse_node_selector_term(term, f"{where}.nodeSelectorTerms[{position}]")
            for position, term in enumerate(mappings_at(selector, "nodeSelectorTerms", where))
        )
    )


def parse_node_selector_term(term: JsonObject, where: str) -> NodeSelectorTerm:
    return NodeSelectorTerm(
        match_expressions=_requirements(term, "matchExpressions", where),
        match_fields=_requirements(term, "matchFields", where),
    )


def parse_preferred_terms(node_affinity: JsonObject, where: str) -> tuple[PreferredSchedulingTerm, ...]:
    """Preferred terms that can score: Kubernetes drops those of weight 0 and those with an
    empty preference."""
    name = "preferredDuringSchedulingIgnoredDuringExecution"
    parsed = []
    for position, term in enumerate(mappings_at(node_affinity, name, where)):
        at = f"{where}.{name}[{position}]"
        preferred = PreferredSchedulingTerm(
            weight=int_at(term, "weight", at),
            preference=parse_node_selector_term(mapping_at(term, "preference", at), f"{at}.preference"),
        )
        if preferred.weight != 0 and not preferred.preference.is_empty:
            parsed.append(preferred)
    return tuple(parsed)


def _requirements(term: JsonObject, name: str, where: str) -> tuple[NodeSelectorRequirement, ...]:
    return tuple(
        NodeSelectorRequirement(
            key=string_at(requirement, "key", f"{where}.{name}[{position}]"),
            operator=string_at(requirement, "operator", f"{where}.{name}[{position}]"),
            values=strings_at(requirement, "values", f"{where}.{name}[{position}]"),
        )
        for position, requirement in enumerate(mappings_at(term, name, where))
    )
