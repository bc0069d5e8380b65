"""Why: the three patch formats clients send, applied to a stored object.

- JSON merge patch (RFC 7386): ``kubectl label``, ``scale``, kopf; ``null`` deletes.
- JSON patch (RFC 6902): ``kubectl rollout undo``, kopf finalizers; a failed ``test`` is 422.
- Strategic merge patch: ``kubectl apply``, ``set image``, ``cordon``; like a merge patch, but
  lists of objects merge by their merge key (containers by ``name``, ...) and ``$``
  directives are honoured where kubectl sends them.
Pure functions; a malformed patch raises a 400/422 ``ApiError`` and the object is untouched.
Merged objects share the values they take from a patch (a status write's patch is most of it):
the apiserver defaults a copy of what it stores.
"""

from __future__ import annotations

from typing import Any

from kube_actors.api import status
from kube_actors.api.list_types import MERGED_SETS, merge_key
from kube_actors.api.trees import copy_tree

JsonObject = dict[str, Any]

_DELETE = object()  # a map whose patch says ``$patch: delete``


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386.

    >>> merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}})
    {'a': 1, 'b': {'d': 3}}
    """
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """A merge patch whose lists of objects with a known merge key merge item by item.

    >>> strategic_merge_patch(
    ...     {"containers": [{"name": "web", "image": "nginx:1"}, {"name": "log", "image": "fluent"}]},
    ...     {"containers": [{"name": "web", "image": "nginx:2"}]})
    {'containers': [{'name': 'web', 'image': 'nginx:2'}, {'name': 'log', 'image': 'fluent'}]}
    """
    merged = _strategic(target, patch)
    return None if merged is _DELETE else merged


def _strategic(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy_tree(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return _DELETE
    result = dict(target) if isinstance(target, dict) else {}
    directives = False
    for key, value in patch.items():
        if key[:1] == "$":
            directives = True  # $setElementOrder, $retainKeys, $deleteFromPrimitiveList: below or hints
            continue
        if value is None:
            result.pop(key, None)
        elif (
            isinstance(value, list)
            and isinstance(result.get(key), list)
            and (key_field := merge_key(key, value)) is not None
        ):
            result[key] = _merge_list(result[key], value, key_field)
        elif isinstance(value, list) and key in MERGED_SETS and isinstance(result.get(key), list):
            result[key] = result[key] + [item for item in value if item not in result[key]]
        else:
            merged = _strategic(result.get(key), value)
            if merged is _DELETE:
                result.pop(key, None)
            else:
                result[key] = merged
    for key, value in patch.items() if directives else ():
        if key.startswith("$deleteFromPrimitiveList/") and isinstance(value, list):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [item for item in result[field] if item not in value]
    return result


def _merge_list(current: list[Any], patch: list[Any], key_field: str) -> list[Any]:
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy_tree(i) for i in patch if not (isinstance(i, dict) and i.get("$patch") == "replace")]
    merged = list(current)  # items are merged into new dicts, never changed
    for item in patch:
        if not isinstance(item, dict) or key_field not in item:
            raise status.BadRequest(
                f"a list merged by {key_field!r} needs that key in every item: {item!r:.100}"
            )
        index = next(
            (
                i
                for i, existing in enumerate(merged)
                if isinstance(existing, dict) and existing.get(key_field) == item[key_field]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append({k: v for k, v in item.items() if not k.startswith("$")})
        else:
            merged[index] = _strategic(merged[index], item)
    return merged


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902: add, remove, replace, move, copy, test.

    >>> json_patch({"finalizers": ["a"]}, [{"op": "add", "path": "/finalizers/-", "value": "b"}])
    {'finalizers': ['a', 'b']}
    """
    if not isinstance(operations, list):
        raise status.BadRequest("a JSON patch must be a list of operations")
    document = copy_tree(target)
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise status.BadRequest(f"JSON patch operation {number} needs an 'op' and a 'path'")
        document = _apply_operation(document, operation)
    return document


def _apply_operation(document: Any, operation: JsonObject) -> Any:
    op, path = operation.get("op"), _pointer(operation["path"])
    if op == "test":
        if not _same_json(_resolve(document, path), operation.get("value")):
            raise status.Invalid(f"the test operation on {operation['path']} failed: the value differs")
        return document
    if op in ("add", "replace"):
        if "value" not in operation:
            raise status.BadRequest(f"JSON patch '{op}' on {operation['path']} has no value")
        if op == "replace":
            _resolve(document, path)  # must exist
        return _set(document, path, copy_tree(operation["value"]), insert=op == "add")
    if op == "remove":
        return _remove(document, path)[0]
    if op in ("move", "copy"):
        source = _pointer(str(operation.get("from", "")))
        value = copy_tree(_resolve(document, source))
        if op == "move":
            document = _remove(document, source)[0]
        return _set(document, path, value, insert=True)
    raise status.BadRequest(f"unknown JSON patch operation {op!r}")


def _same_json(a: Any, b: Any) -> bool:
    """Equality as JSON means it: ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _pointer(text: str) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise status.BadRequest(f"JSON pointer {text!r} must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/")]


def _resolve(document: Any, path: list[str]) -> Any:
    node = document
    for part in path:
        node = _child(node, part, path)
    return node


def _child(node: Any, part: str, path: list[str]) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise status.Invalid(f"JSON patch path /{'/'.join(path)} does not exist")


def _set(document: Any, path: list[str], value: Any, *, insert: bool) -> Any:
    if not path:
        return value
    parent = _resolve(document, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        index = len(parent) if last == "-" else int(last) if last.isdigit() else -1
        if not 0 <= index <= len(parent) or (not insert and index == len(parent)):
            raise status.Invalid(f"JSON patch index {last} is out of range")
        if insert:
            parent.insert(index, value)
        else:
            parent[index] = value
    else:
        raise status.Invalid(f"JSON patch path /{'/'.join(path)} has no container")
    return document


def _remove(document: Any, path: list[str]) -> tuple[Any, Any]:
    if not path:
        raise status.Invalid("JSON patch cannot remove the whole document")
    parent = _resolve(document, path[:-1])
    value = _child(parent, path[-1], path)
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:
        del parent[int(path[-1])]
    return document, value
