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
    if not isinstance(selector, Mapping):
        return False
    labels = labels or {}
    match_labels = selector.get("matchLabels") or {}
    requirements = selector.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(requirements, list):
        return False  # malformed: validation reports it
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    return all(_requirement_holds(r, labels) for r in requirements)


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
