"""Why: what every object's metadata must satisfy (Kubernetes' ``ValidateObjectMeta``): a name
of the kind's syntax, label keys and values, annotation keys and their total size, finalizer
names; and the ``LabelSelector`` objects workloads and services carry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kube_actors.api import names
from kube_actors.api.label_selectors import OPERATORS
from kube_actors.api.validation.fields import FieldErrors, child, index

ANNOTATIONS_MAX_BYTES = 256 * 1024

NameCheck = Callable[[str, bool], list[str]]
DNS_SUBDOMAIN: NameCheck = names.name_rule(names.is_dns1123_subdomain)
DNS_LABEL: NameCheck = names.name_rule(names.is_dns1123_label)
DNS1035_LABEL: NameCheck = names.name_rule(names.is_dns1035_label)

# Kinds whose names become something stricter than a DNS subdomain: a namespace and a
# StatefulSet's pods become DNS labels, a service becomes a DNS-1035 label and env variables.
VALID_LABEL_SETS_REMEMBERED = 4096
_VALID_LABEL_SETS: set[tuple[tuple[Any, Any], ...]] = set()
_NAME_CHECKS: dict[str, NameCheck] = {
    "Namespace": DNS_LABEL,
    "StatefulSet": DNS_LABEL,
    "Service": DNS1035_LABEL,
}


def check_object_meta(errors: FieldErrors, kind: str, metadata: Any, path: str = "metadata") -> None:
    """A top-level object's metadata.

    A missing name is fine when ``generateName`` is given: the store generates it.
    """
    if not isinstance(metadata, Mapping):
        errors.required(child(path, "name"), "name or generateName is required")
        return
    name_check = _NAME_CHECKS.get(kind, DNS_SUBDOMAIN)
    generate_name = metadata.get("generateName")
    if generate_name:
        if isinstance(generate_name, str):
            errors.invalid_each(child(path, "generateName"), generate_name, name_check(generate_name, True))
        else:
            errors.invalid(child(path, "generateName"), generate_name, "must be a string")
    name = metadata.get("name")
    if not name:
        if not generate_name:
            errors.required(child(path, "name"), "name or generateName is required")
    elif not isinstance(name, str):
        errors.invalid(child(path, "name"), name, "must be a string")
    else:
        errors.invalid_each(child(path, "name"), name, name_check(name, False))
    namespace = metadata.get("namespace")
    if namespace and isinstance(namespace, str):
        errors.invalid_each(child(path, "namespace"), namespace, names.is_dns1123_label(namespace))
    check_labels(errors, metadata.get("labels"), child(path, "labels"))
    check_annotations(errors, metadata.get("annotations"), child(path, "annotations"))
    _check_finalizers(errors, metadata.get("finalizers"), child(path, "finalizers"))


def check_template_meta(errors: FieldErrors, metadata: Any, path: str) -> None:
    """A pod template's metadata: only labels and annotations matter there."""
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        errors.invalid(path, metadata, "must be an object")
        return
    check_labels(errors, metadata.get("labels"), child(path, "labels"))
    check_annotations(errors, metadata.get("annotations"), child(path, "annotations"))


def check_labels(errors: FieldErrors, labels: Any, path: str) -> None:
    """Label keys are qualified names, values short names or empty; both reported on the map's
    own path, as Kubernetes does (``metadata.labels: Invalid value: "-bad": ...``)."""
    if labels is None:
        return
    if not isinstance(labels, Mapping):
        errors.invalid(path, labels, "must be a map of strings")
        return
    for value, problem in _label_problems(labels):
        errors.invalid(path, value, problem)


def _label_problems(labels: Mapping[Any, Any]) -> list[tuple[Any, str]]:
    """(value, problem) for each key and value that breaks the rules. Valid label sets are
    remembered, as every pod of a workload carries the same ones."""
    try:
        items: tuple[tuple[Any, Any], ...] | None = tuple(labels.items())
        if items in _VALID_LABEL_SETS:
            return []
    except TypeError:  # an unhashable value: validation says so below
        items = None
    problems: list[tuple[Any, str]] = []
    for label_key, value in labels.items():
        problems += [(label_key, problem) for problem in names.is_qualified_name(str(label_key))]
        if not isinstance(value, str):
            problems.append((value, "label values must be strings"))
        else:
            problems += [(value, problem) for problem in names.is_label_value(value)]
    if not problems and items is not None:
        if len(_VALID_LABEL_SETS) >= VALID_LABEL_SETS_REMEMBERED:
            _VALID_LABEL_SETS.clear()
        _VALID_LABEL_SETS.add(items)
    return problems


def check_annotations(errors: FieldErrors, annotations: Any, path: str) -> None:
    """Keys are qualified names (case does not matter); all keys and values together fit in
    256 KiB."""
    if annotations is None:
        return
    if not isinstance(annotations, Mapping):
        errors.invalid(path, annotations, "must be a map of strings")
        return
    size = 0
    for annotation_key, value in annotations.items():
        errors.invalid_each(path, annotation_key, names.is_qualified_name(str(annotation_key).lower()))
        size += len(str(annotation_key).encode()) + len(str(value).encode())
    if size > ANNOTATIONS_MAX_BYTES:
        errors.too_long(path, ANNOTATIONS_MAX_BYTES)


def check_label_selector(errors: FieldErrors, selector: Any, path: str) -> None:
    """A ``LabelSelector``: valid labels to match, and expressions whose operator and values
    agree."""
    if selector is None:
        return
    if not isinstance(selector, Mapping):
        errors.invalid(path, selector, "must be a label selector object")
        return
    check_labels(errors, selector.get("matchLabels"), child(path, "matchLabels"))
    for position, requirement in enumerate(selector.get("matchExpressions") or []):
        at = index(child(path, "matchExpressions"), position)
        if not isinstance(requirement, Mapping):
            errors.invalid(at, requirement, "must be a label selector requirement")
            continue
        operator, values = requirement.get("operator"), requirement.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                errors.required(child(at, "values"), "must be specified when `operator` is 'In' or 'NotIn'")
        elif operator in OPERATORS:
            if values:
                errors.forbidden(
                    child(at, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                )
        else:
            errors.invalid(child(at, "operator"), operator, "not a valid selector operator")
        errors.invalid_each(
            child(at, "key"),
            requirement.get("key"),
            names.is_qualified_name(str(requirement.get("key") or "")),
        )
        for value_position, value in enumerate(values):
            errors.invalid_each(
                index(child(at, "values"), value_position), value, names.is_label_value(str(value))
            )


def _check_finalizers(errors: FieldErrors, finalizers: Any, path: str) -> None:
    if finalizers is None:
        return
    if not isinstance(finalizers, list):
        errors.invalid(path, finalizers, "must be a list of strings")
        return
    for finalizer in finalizers:
        errors.invalid_each(path, finalizer, names.is_qualified_name(str(finalizer)))
