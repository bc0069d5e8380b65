"""Why: server-side apply decides who owns which field of an object, so it needs to name fields:
``.spec.replicas``, the ``image`` of the container named ``web``, the finalizer ``x``. This
module is that naming, in Kubernetes' own ``FieldsV1`` vocabulary, as pure functions over the
plain dicts objects are:

- a path is a tuple of elements: ``f:<field>`` for a map's field, ``k:{"name":"web"}`` for the
  item of a keyed list (``list_types``), ``v:"x"`` for a value of a set;
- the fields of an object are its leaves (scalars, atomic lists, empty maps) plus the items of its
  keyed lists and sets, which are owned in themselves;
- ``FieldsV1`` is the same set as a tree of those elements, ``{".": {}}`` marking an owned item
  that also has owned fields.

``field_managers`` (in the apiserver) builds ``managedFields`` and server-side apply on this.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kube_actors.api.list_types import MERGED_SETS, merge_key

Path = tuple[str, ...]
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

# Fields the server owns or that name the object: no manager owns them.
UNOWNED_TOP = frozenset({"apiVersion", "kind"})
UNOWNED_METADATA = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)


def fields_of(obj: dict[str, Any], *, skip: Iterable[str] = ()) -> set[Path]:
    """Every field of ``obj`` a manager can own; ``skip`` leaves out top-level fields (``status``
    where a subresource writes it).

    >>> sorted(fields_of({"kind": "Pod", "metadata": {"name": "a", "labels": {"app": "web"}},
    ...                   "spec": {"containers": [{"name": "web", "image": "nginx"}]}}))
    ... # doctest: +NORMALIZE_WHITESPACE
    [('f:metadata', 'f:labels', 'f:app'),
     ('f:spec', 'f:containers', 'k:{"name":"web"}'),
     ('f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'),
     ('f:spec', 'f:containers', 'k:{"name":"web"}', 'f:name')]
    """
    skipped = UNOWNED_TOP.union(skip)
    found: set[Path] = set()
    for key, value in obj.items():
        if key in skipped:
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in UNOWNED_METADATA}
            if not value:
                continue
        _collect(value, (f"f:{key}",), key, found)
    return found


def _collect(value: Any, path: Path, field: str, found: set[Path]) -> None:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            _collect(child, (*path, f"f:{key}"), key, found)
        return
    if isinstance(value, list) and value:
        elements = item_elements(field, value)
        if elements is not None:
            for element, item in zip(elements, value, strict=True):
                item_path = (*path, element)
                found.add(item_path)
                if isinstance(item, dict):
                    for key, child in item.items():
                        _collect(child, (*item_path, f"f:{key}"), key, found)
            return
    found.add(path)


def item_elements(field: str, items: list[Any]) -> list[str] | None:
    """How each item of list ``field`` is named, or None if the list is owned whole (atomic, or
    its items cannot be told apart).

    >>> item_elements("containers", [{"name": "a"}]), item_elements("finalizers", ["x"])
    (['k:{"name":"a"}'], ['v:"x"'])
    >>> item_elements("args", ["-v"]) is None
    True
    """
    key = merge_key(field, items)
    if key is not None:
        if not all(isinstance(item, dict) and key in item for item in items):
            return None
        elements = [f"k:{_compact({key: item[key]})}" for item in items]
    elif field in MERGED_SETS and all(isinstance(item, str | int | float | bool) for item in items):
        elements = [f"v:{_compact(item)}" for item in items]
    else:
        return None
    return elements if len(set(elements)) == len(elements) else None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def value_at(obj: Any, path: Path) -> Any:
    """The value a path names in ``obj``, or ``MISSING``.

    >>> value_at({"spec": {"containers": [{"name": "web", "image": "nginx"}]}},
    ...          ("f:spec", "f:containers", 'k:{"name":"web"}', "f:image"))
    'nginx'
    """
    node = obj
    for element in path:
        node = _step(node, element)
        if node is MISSING:
            break
    return node


def _step(node: Any, element: str) -> Any:
    kind, text = element[0], element[2:]
    if kind == "f":
        return node.get(text, MISSING) if isinstance(node, dict) else MISSING
    if not isinstance(node, list):
        return MISSING
    wanted = json.loads(text)
    if kind == "k":
        for item in node:
            if isinstance(item, dict) and all(item.get(k, MISSING) == v for k, v in wanted.items()):
                return item
        return MISSING
    return wanted if wanted in node else MISSING


def remove_at(obj: dict[str, Any], path: Path) -> None:
    """Remove the field or item a path names, and the maps it leaves empty (below the top)."""
    parents = [obj]
    for element in path[:-1]:
        parent = _step(parents[-1], element)
        if parent is MISSING:
            return
        parents.append(parent)
    _remove_child(parents[-1], path[-1])
    for depth in range(len(parents) - 1, 1, -1):
        if parents[depth] == {} and path[depth - 1].startswith("f:"):
            _remove_child(parents[depth - 1], path[depth - 1])


def _remove_child(node: Any, element: str) -> None:
    if element.startswith("f:"):
        if isinstance(node, dict):
            node.pop(element[2:], None)
        return
    item = _step(node, element)
    if item is not MISSING and isinstance(node, list):
        node.remove(item)


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[set[Path], set[Path]]:
    """What an update did: the fields it set (added or changed) and the fields it removed."""
    before, after = fields_of(old), fields_of(new)
    changed = after - before
    for path in after & before:
        if path[-1].startswith("f:") and value_at(old, path) != value_at(new, path):
            changed.add(path)
    return changed, before - after


def describe(path: Path) -> str:
    """A path as Kubernetes prints it in a conflict.

    >>> describe(("f:spec", "f:containers", 'k:{"name":"web"}', "f:image"))
    '.spec.containers[name="web"].image'
    """
    parts = []
    for element in path:
        kind, text = element[0], element[2:]
        if kind == "f":
            parts.append(f".{text}")
        elif kind == "k":
            keys = json.loads(text)
            parts.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]")
        else:
            parts.append(f"[={text}]")
    return "".join(parts)


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """A set of paths as the ``fieldsV1`` tree ``managedFields`` shows."""
    owned = set(paths)
    tree: dict[str, Any] = {}
    for path in sorted(owned):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    for path in owned:
        node = tree
        for element in path:
            node = node[element]
        if node:
            node["."] = {}
    return tree


def from_fields_v1(tree: Any) -> set[Path] | None:
    """The paths a ``fieldsV1`` tree names, or None if it is not one."""
    found: set[Path] = set()

    def walk(node: dict[str, Any], path: Path) -> bool:
        for element, child in node.items():
            if element == ".":
                found.add(path)
            elif not isinstance(child, dict) or not _is_element(element):
                return False
            elif child:
                if not walk(child, (*path, element)):
                    return False
            else:
                found.add((*path, element))
        return True

    return found if isinstance(tree, dict) and walk(tree, ()) else None


def _is_element(element: str) -> bool:
    if element.startswith("f:"):
        return True
    if not element.startswith(("k:", "v:")):
        return False
    try:
        value = json.loads(element[2:])
    except ValueError:
        return False
    return isinstance(value, dict) if element[0] == "k" else True
