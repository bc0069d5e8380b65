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


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
