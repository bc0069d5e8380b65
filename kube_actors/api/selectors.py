"""Why: label and field selectors, parsed once per request and matched against objects, for
lists and watches alike (``kubectl get -l app=web``, ``--field-selector spec.nodeName=n1``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from kube_actors.api import status

JsonObject = dict[str, Any]
Matcher = Callable[[JsonObject], bool]

_SET_TERM = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_TERM = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(==|=|!=)\s*([\w./-]*))?\s*$")


def _split_terms(text: str) -> list[str]:
    """Split on commas outside parentheses: ``a in (x,y),b`` has two terms."""
    terms: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return [t for t in terms if t.strip()]


def label_selector(text: str) -> Matcher:
    """A matcher for a label selector: ``=``, ``==``, ``!=``, ``in``, ``notin``, ``key``, ``!key``.

    >>> match = label_selector("app=web,tier in (front, back),!canary")
    >>> match({"metadata": {"labels": {"app": "web", "tier": "front"}}})
    True
    >>> match({"metadata": {"labels": {"app": "web", "tier": "front", "canary": "1"}}})
    False
    """
    checks: list[Callable[[dict[str, str]], bool]] = []
    for term in _split_terms(text):
        if found := _SET_TERM.match(term):
            key, operator, values = (
                found.group(1),
                found.group(2),
                {v.strip() for v in found.group(3).split(",")},
            )
            if "" in values:
                raise status.BadRequest(f"invalid label selector {text!r}: {operator} needs non-empty values")
            checks.append(partial(_member, key=key, values=values, inside=operator == "in"))
        elif found := _TERM.match(term):
            negate, key, operator, value = found.groups()
            if operator is None:
                checks.append(partial(_has, key=key, present=not negate))
            elif negate:
                raise status.BadRequest(f"invalid label selector {text!r}: '!' goes only before a bare key")
            else:
                checks.append(partial(_equals, key=key, value=value, equal=operator != "!="))
        else:
            raise status.BadRequest(f"invalid label selector {text!r}: cannot parse {term.strip()!r}")

    def match(obj: JsonObject) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(check(labels) for check in checks)

    return match


# Fields every kind can be selected by, and the extra ones Kubernetes supports per kind.
_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
_KIND_FIELDS = {
    "Pod": (
        "spec.nodeName",
        "status.phase",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.podIP",
        "spec.restartPolicy",
        "spec.hostNetwork",
        "status.nominatedNodeName",
    ),
    "ReplicaSet": ("status.replicas",),
    "Job": ("status.successful",),
    "Event": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "Node": ("spec.unschedulable",),
    "Secret": ("type",),
    "Namespace": ("status.phase",),
}


def field_selector(text: str, kind: str) -> Matcher:
    """A matcher for a field selector; an unsupported field is a 400, as in Kubernetes.

    >>> field_selector("spec.nodeName=n1,status.phase!=Failed", "Pod")(
    ...     {"spec": {"nodeName": "n1"}, "status": {"phase": "Running"}})
    True
    """
    allowed = _COMMON_FIELDS + _KIND_FIELDS.get(kind, ())
    checks: list[Callable[[JsonObject], bool]] = []
    for term in _split_terms(text):
        found = re.match(r"^\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not found:
            raise status.BadRequest(f"invalid field selector {text!r}: cannot parse {term.strip()!r}")
        path, operator, value = found.groups()
        if path not in allowed:
            raise status.BadRequest(f'"{path}" is not a known field selector: only "{", ".join(allowed)}"')
        in_object = _ALIASES.get((kind, path), path)
        checks.append(partial(_field_is, path=in_object, value=value, equal=operator != "!="))
    return lambda obj: all(check(obj) for check in checks)


def _member(labels: dict[str, str], *, key: str, values: set[str], inside: bool) -> bool:
    return (labels.get(key) in values) == inside


def _has(labels: dict[str, str], *, key: str, present: bool) -> bool:
    return (key in labels) == present


def _equals(labels: dict[str, str], *, key: str, value: str, equal: bool) -> bool:
    return (labels.get(key) == value) == equal


def _field_is(obj: JsonObject, *, path: str, value: str, equal: bool) -> bool:
    return (_field(obj, path) == value) == equal


# Fields whose absence Kubernetes reads as a value.
_ABSENT_AS = {"spec.unschedulable": "false", "spec.hostNetwork": "false"}
# Field labels that stand for another path in the object.
_ALIASES = {("Event", "source"): "source.component", ("Job", "status.successful"): "status.succeeded"}


def _field(obj: JsonObject, path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return _ABSENT_AS.get(path, "")
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


@dataclass(frozen=True, slots=True)
class Selection:
    """A request's label and field selectors as one matcher. ``node_name`` is set when the field
    selector pins ``spec.nodeName`` to one value, so a watch cache can index the watch by node
    (a kubelet's watch) instead of testing every pod change against it."""

    checks: tuple[Matcher, ...] = ()
    node_name: str | None = None

    def __call__(self, obj: JsonObject) -> bool:
        return all(check(obj) for check in self.checks)

    @property
    def everything(self) -> bool:
        return not self.checks


EVERYTHING = Selection()


def selection(labels: str, fields: str, kind: str) -> Selection:
    """Both selectors (either may be empty) for objects of ``kind``.

    >>> selection("", "spec.nodeName=n1", "Pod").node_name, selection("app=x", "", "Pod").node_name
    ('n1', None)
    """
    checks = []
    if labels:
        checks.append(label_selector(labels))
    if fields:
        checks.append(field_selector(fields, kind))
    return Selection(tuple(checks), _pinned_node(fields) if kind == "Pod" else None) if checks else EVERYTHING


def _pinned_node(fields: str) -> str | None:
    for term in _split_terms(fields):
        found = re.match(r"^\s*spec\.nodeName\s*==?\s*(.*?)\s*$", term)
        if found:
            return found.group(1)
    return None
