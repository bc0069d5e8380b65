"""Why: the scheduler reads Node, Pod and volume objects as the REST API shows them (plain JSON
dicts), where any field may be absent or ``null``. These accessors are the one place that
reading is lenient about absence and strict about wrong types, so a malformed object fails
with an error naming the object and the field instead of an ``AttributeError`` deep inside a
plugin.

Neighbours: ``nodes``, ``pods`` and ``volumes`` parse objects with them; the snapshot and the
actor shell catch ``InvalidObject``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.api.quantity import Quantity, QuantityError, parse_quantity

JsonObject = Mapping[str, Any]


class InvalidObject(ValueError):
    """An object the scheduler cannot read; the message names the object and the field."""


def mapping_at(obj: JsonObject, name: str, where: str) -> JsonObject:
    """``obj[name]`` as a mapping; absent or null reads as empty."""
    value = obj.get(name)
    if value is None:
        return {}
    if not _is_mapping(value):
        raise InvalidObject(f"{where}.{name}: must be an object")
    return value  # type: ignore[no-any-return]


def list_at(obj: JsonObject, name: str, where: str) -> list[Any]:
    """``obj[name]`` as a list; absent or null reads as empty."""
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidObject(f"{where}.{name}: must be a list")
    return value


def mappings_at(obj: JsonObject, name: str, where: str) -> list[JsonObject]:
    """``obj[name]`` as a list of mappings (containers, taints, terms)."""
    items = list_at(obj, name, where)
    for position, item in enumerate(items):
        if not _is_mapping(item):
            raise InvalidObject(f"{where}.{name}[{position}]: must be an object")
    return items


def string_at(obj: JsonObject, name: str, where: str, default: str = "") -> str:
    """``obj[name]`` as a string; absent or null reads as ``default``."""
    value = obj.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidObject(f"{where}.{name}: must be a string")
    return value


def int_at(obj: JsonObject, name: str, where: str, default: int = 0) -> int:
    """``obj[name]`` as an integer; absent or null reads as ``default``."""
    value = obj.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidObject(f"{where}.{name}: must be an integer")
    return value


def strings_at(obj: JsonObject, name: str, where: str) -> tuple[str, ...]:
    """``obj[name]`` as a list of strings."""
    items = list_at(obj, name, where)
    if not all(isinstance(item, str) for item in items):
        raise InvalidObject(f"{where}.{name}: must be a list of strings")
    return tuple(items)


def labels_at(obj: JsonObject, name: str, where: str) -> dict[str, str]:
    """``obj[name]`` as a string-to-string map (labels, ``nodeSelector``)."""
    labels = mapping_at(obj, name, where)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise InvalidObject(f"{where}.{name}: must map strings to strings")
    return dict(labels)


def quantity_of(value: Any, where: str) -> Quantity:
    """A resource amount (``"100m"``, ``"1Gi"``, or a JSON number)."""
    try:
        return parse_quantity(value)
    except QuantityError as exc:
        raise InvalidObject(f"{where}: {exc}") from exc


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, quick for the plain dicts JSON decodes to."""
    return type(value) is dict or isinstance(value, Mapping)


def name_of(obj: JsonObject) -> str:
    """``metadata.name``, for error messages and identities."""
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return name if isinstance(name, str) else ""
