"""Why: a custom resource is only as well-formed as its definition's ``openAPIV3Schema`` says,
and the apiserver is the one place that can hold every writer to it. As Kubernetes does, a
custom object is first pruned (fields the schema does not declare are dropped, unless it says
``x-kubernetes-preserve-unknown-fields``; ``null`` is dropped where the schema is not
``nullable``), then defaulted, then validated; each failure names its field the way kubectl
prints it: ``spec.replicas: Invalid value: "string": spec.replicas in body must be of type
integer: "string"``.

Pure functions on plain JSON values, so ``tests/unit/test_crd_schema.py`` feeds them tables of
cases. Validated: ``type`` (and ``x-kubernetes-int-or-string``), ``required``, ``enum``,
``nullable``, the numeric bounds, string lengths and ``pattern``, item counts, ``properties``,
``additionalProperties`` and ``items``. Not (yet): ``anyOf``/``allOf``/``oneOf``/``not``,
``format``, ``x-kubernetes-validations`` (CEL) and list-type uniqueness.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.trees import copy_tree

JsonObject = dict[str, Any]
Schema = Mapping[str, Any]
Cause = tuple[str, str]
ROOT_FIELDS = ("apiVersion", "kind", "metadata")
"""Kept at the root of every object (and of an ``x-kubernetes-embedded-resource``) whatever the
schema says: the apiserver itself owns them."""


@dataclass(frozen=True, slots=True)
class Checked:
    """An object as it would be stored, what was pruned from it, and what is wrong with it."""

    obj: Any
    pruned: list[str] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)


def check(schema: Schema, obj: JsonObject) -> Checked:
    """Prune, default and validate a whole custom object against its version's schema.

    >>> schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
    ...     "replicas": {"type": "integer"}}}}}
    >>> checked = check(schema, {"kind": "Widget", "spec": {"replicas": "two", "color": "red"}})
    >>> checked.pruned
    ['spec.color']
    >>> checked.causes
    [('spec.replicas', 'Invalid value: "string": spec.replicas in body must be of type integer: "string"')]
    """
    pruned: list[str] = []
    kept = prune(schema, obj, pruned=pruned, root=True)
    defaulted = apply_defaults(schema, kept)
    return Checked(defaulted, pruned, validate(schema, defaulted))


# Pruning.


def prune(
    schema: Schema, value: Any, *, pruned: list[str] | None = None, path: str = "", root: bool = False
) -> Any:
    """``value`` without the fields ``schema`` does not declare; their paths go to ``pruned``.

    >>> prune({"type": "object", "properties": {"a": {"type": "string"}}}, {"a": "x", "b": None, "c": 1})
    {'a': 'x'}
    """
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            return [prune(items, item, pruned=pruned, path=f"{path}[{i}]") for i, item in enumerate(value)]
        return copy_tree(value)
    if not isinstance(value, dict):
        return value
    if schema.get("type") not in (None, "object"):
        return copy_tree(value)  # the wrong type: validation says so, pruning leaves it be
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    keep_root = root or bool(schema.get("x-kubernetes-embedded-resource"))
    kept: JsonObject = {}
    for key, item in value.items():
        inner = _join(path, key)
        if keep_root and key in ROOT_FIELDS and key not in properties:
            kept[key] = copy_tree(item)
        elif key in properties or isinstance(additional, Mapping):
            sub = properties.get(key, additional)
            assert isinstance(sub, Mapping)
            if item is None and not sub.get("nullable"):
                continue  # null where it may not be: dropped, as if never sent
            kept[key] = prune(sub, item, pruned=pruned, path=inner)
        elif preserve or additional is True:
            kept[key] = copy_tree(item)
        elif pruned is not None:
            pruned.append(inner)
    return kept


# Defaulting.


def apply_defaults(schema: Schema, value: Any) -> Any:
    """``value`` with each absent property that has a ``default`` set to it.

    >>> apply_defaults({"properties": {"size": {"type": "string", "default": "M"}}}, {})
    {'size': 'M'}
    """
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [apply_defaults(schema["items"], item) for item in value]
    if not isinstance(value, dict):
        return value
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key, sub in properties.items():
        if key not in value and "default" in sub:
            value[key] = copy_tree(sub["default"])
    for key, item in value.items():
        inner = properties.get(key) or (additional if isinstance(additional, Mapping) else None)
        if inner is not None:
            value[key] = apply_defaults(inner, item)
    return value


# Validation.


def validate(schema: Schema, value: Any, path: str = "") -> list[Cause]:
    """Every way ``value`` breaks ``schema``, as (field path, message) pairs.

    >>> validate({"type": "object", "required": ["spec"]}, {})
    [('spec', 'Required value')]
    """
    causes: list[Cause] = []
    _validate(schema, value, path, causes)
    return causes


def _validate(schema: Schema, value: Any, path: str, causes: list[Cause]) -> None:
    if value is None:
        if not schema.get("nullable") and (schema.get("type") or schema.get("x-kubernetes-int-or-string")):
            expected = "integer or string" if schema.get("x-kubernetes-int-or-string") else schema["type"]
            causes.append((path, _type_message(path, "null", expected)))
        return
    if not _type_matches(schema, value):
        expected = "integer or string" if schema.get("x-kubernetes-int-or-string") else schema["type"]
        causes.append((path, _type_message(path, json_type(value), expected)))
        return  # nothing else means much once the type is wrong
    enum = schema.get("enum")
    if enum is not None and not any(_same(value, allowed) for allowed in enum):
        supported = ", ".join(json.dumps(allowed) for allowed in enum)
        causes.append((path, f"Unsupported value: {json.dumps(value)}: supported values: {supported}"))
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        _check_number(schema, value, path, causes)
    elif isinstance(value, str):
        _check_string(schema, value, path, causes)
    elif isinstance(value, list):
        _check_array(schema, value, path, causes)
    elif isinstance(value, dict):
        _check_object(schema, value, path, causes)


def _check_number(schema: Schema, value: float, path: str, causes: list[Cause]) -> None:
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if minimum is not None:
        if schema.get("exclusiveMinimum") and value <= minimum:
            _out_of_bounds(causes, path, value, f"should be greater than {minimum}")
        elif value < minimum:
            _out_of_bounds(causes, path, value, f"should be greater than or equal to {minimum}")
    if maximum is not None:
        if schema.get("exclusiveMaximum") and value >= maximum:
            _out_of_bounds(causes, path, value, f"should be less than {maximum}")
        elif value > maximum:
            _out_of_bounds(causes, path, value, f"should be less than or equal to {maximum}")


def _check_string(schema: Schema, value: str, path: str, causes: list[Cause]) -> None:
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        causes.append((path, f"Too long: may not be more than {schema['maxLength']} bytes"))
    if "minLength" in schema and len(value) < schema["minLength"]:
        _out_of_bounds(causes, path, value, f"should be at least {schema['minLength']} chars long")
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and re.search(pattern, value) is None:
        _out_of_bounds(causes, path, value, f"should match '{pattern}'")


def _check_array(schema: Schema, value: list[Any], path: str, causes: list[Cause]) -> None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append((path, f"Too many: {len(value)}: must have at most {schema['maxItems']} items"))
    if "minItems" in schema and len(value) < schema["minItems"]:
        _out_of_bounds(causes, path, value, f"should have at least {schema['minItems']} items")
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            _validate(items, item, f"{path}[{index}]", causes)


def _out_of_bounds(causes: list[Cause], path: str, value: Any, text: str) -> None:
    causes.append((path, f"Invalid value: {json.dumps(value)}: {_body(path)} {text}"))


def _check_object(schema: Schema, value: JsonObject, path: str, causes: list[Cause]) -> None:
    for name in schema.get("required") or ():
        if value.get(name) is None:
            causes.append((_join(path, name), "Required value"))
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key, item in value.items():
        if not path and key in ROOT_FIELDS and key not in properties:
            continue  # the apiserver's own fields, checked elsewhere
        inner = properties.get(key) or (additional if isinstance(additional, Mapping) else None)
        if inner is not None:
            _validate(inner, item, _join(path, key), causes)
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append((path, f"Too many: {len(value)}: must have at most {schema['maxProperties']} items"))


def _type_matches(schema: Schema, value: Any) -> bool:
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    expected = schema.get("type")
    if not expected:
        return True
    actual = json_type(value)
    return actual == expected or (expected == "number" and actual == "integer")


def json_type(value: Any) -> str:
    """The JSON Schema type of a decoded JSON value.

    >>> [json_type(v) for v in (True, 1, 1.5, "a", [], {}, None)]
    ['boolean', 'integer', 'number', 'string', 'array', 'object', 'null']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _same(a: Any, b: Any) -> bool:
    """Equality as JSON means it: ``true`` is not ``1``."""
    return json_type(a) == json_type(b) and a == b


def _type_message(path: str, actual: str, expected: str) -> str:
    return f'Invalid value: "{actual}": {_body(path)} must be of type {expected}: "{actual}"'


def _body(path: str) -> str:
    return f"{path} in body" if path else "body"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
