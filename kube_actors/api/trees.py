"""Why: API objects are JSON trees (dicts, lists, scalars); copying one is on every write's
path, and ``copy.deepcopy`` spends most of its time on generality they never need.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

T = TypeVar("T")


def copy_tree(value: T) -> T:
    """A deep copy of a JSON-like tree: dicts and lists are copied, everything else is shared
    (strings, numbers, bools and None are immutable).

    >>> original = {"spec": {"containers": [{"name": "a"}]}}
    >>> copied = copy_tree(original)
    >>> copied == original, copied["spec"]["containers"] is original["spec"]["containers"]
    (True, False)
    """
    return cast(T, _copy(value))


# Types a tree shares rather than copies; checked by exact type first, as almost every value
# is one of these and a set lookup is cheaper than a call.
_LEAVES = frozenset((str, int, float, bool, type(None), bytes))


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return _copy_dict(value)
    if isinstance(value, list):
        return _copy_list(value)
    return value


def _copy_dict(value: dict[Any, Any]) -> dict[Any, Any]:
    copied = dict(value)
    for key, item in value.items():
        if type(item) not in _LEAVES:
            copied[key] = _copy(item)
    return copied


def _copy_list(value: list[Any]) -> list[Any]:
    return [item if type(item) in _LEAVES else _copy(item) for item in value]
