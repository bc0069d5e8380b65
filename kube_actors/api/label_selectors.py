"""Why: workloads, services and disruption budgets carry their selector as an object
(``matchLabels`` and ``matchExpressions``), not as the query string ``selectors`` parses; the
validation that a Deployment's selector matches its template, and the controllers that count
a ReplicaSet's pods, must read it with the same semantics.

A missing selector selects nothing; an empty one selects everything, as Kubernetes'
``LabelSelectorAsSelector`` has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, Any] | None) -> bool:
    """Whether ``labels`` satisfy a ``LabelSelector`` object.

    >>> selector = {"matchLabels": {"app": "web"},
    ...             "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}
    >>> selector_matches(selector, {"app": "web"}), selector_matches(selector, {"app": "web", "tier": "db"})
    (True, False)
    >>> selector_matches({}, {}), selector_matches(None, {"app": "web"})
    (True, False)
    """
    # Plain dicts first: this runs for every pod of every set on every sync, and an abstract
    # ``Mapping`` check costs more than the match.
    if type(selector) is not dict and not isinstance(selector, Mapping):
        return False
    labels = labels or {}
    match_labels = selector.get("matchLabels") or {}
    requirements = selector.get("matchExpressions") or []
    if type(match_labels) is not dict and not isinstance(match_labels, Mapping):
        return False  # malformed: validation reports it
    if not isinstance(requirements, list):
        return False
    for key, value in match_labels.items():
        if labels.get(key) != value:
            return False
    return all(_requirement_holds(r, labels) for r in requirements) if requirements else True


def is_empty(selector: Mapping[str, Any]) -> bool:
    """A selector with no terms, which would select every pod in the namespace."""
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _requirement_holds(requirement: Any, labels: Mapping[str, Any]) -> bool:
    if not isinstance(requirement, Mapping):
        return False
    key, operator = str(requirement.get("key")), requirement.get("operator")
    values = requirement.get("values") or []
    if not isinstance(values, list):
        return False
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False  # an unknown operator selects nothing; validation reports it
