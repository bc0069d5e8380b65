"""Why: messages are frozen, slotted dataclasses registered by name, so bytes can become them again.

``@message("name")`` makes a class such a dataclass and records it. For each registered class a
field checker is compiled once from its type hints; the codec runs it on every decoded message,
so a peer that sends a string where an int belongs gets a ``CodecError`` naming the field
instead of an actor crashing later. This module knows nothing of msgpack: the codec does the
bytes, this module the names and types.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast, dataclass_transform

from kube_actors.runtime.errors import CodecError
from kube_actors.runtime.records import record

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
Checker = Callable[[Any, str], Any]
"""Takes a decoded value and the field's dotted name; returns the value (possibly converted,
e.g. a list to a tuple) or raises ``CodecError``."""


class MessageSpec:
    """What the codec needs to know about one registered message class."""

    __slots__ = ("_checks", "cls", "field_names", "name")

    def __init__(self, name: str, cls: type[Any], field_names: tuple[str, ...]) -> None:
        self.name = name
        self.cls = cls
        self.field_names = field_names
        self._checks: list[tuple[Checker, str]] | None = None

    def flatten(self, value: Any) -> list[Any]:
        """``[name, field, ...]``: the form a message takes on the wire."""
        return [self.name, *[getattr(value, f) for f in self.field_names]]

    def build(self, values: list[Any]) -> Any:
        """Check decoded field values and construct the message."""
        checks = self._checks
        if checks is None:
            # Compiled on first use: type hints may name classes defined after this one.
            hints = typing.get_type_hints(self.cls)
            checks = self._checks = [
                (compile_checker(hints[f]), f"{self.name}.{f}") for f in self.field_names
            ]
        if len(values) != len(checks):
            raise CodecError(f"message {self.name!r} needs {len(checks)} fields, got {len(values)}")
        return self.cls(*[check(v, label) for (check, label), v in zip(checks, values, strict=True)])


_BY_NAME: dict[str, MessageSpec] = {}
_BY_CLASS: dict[type[Any], MessageSpec] = {}


@dataclass_transform(frozen_default=True)
def message(name: str) -> Callable[[type[T]], type[T]]:
    """Make the decorated class a frozen, slotted dataclass registered under ``name``."""

    def register(cls: type[T]) -> type[T]:
        if name in _BY_NAME:
            raise ValueError(f"message name {name!r} is already registered")
        made = record(cls)
        fields = dataclasses.fields(cast("type[DataclassInstance]", made))
        spec = MessageSpec(name, made, tuple(f.name for f in fields))
        _BY_NAME[name] = spec
        _BY_CLASS[made] = spec
        return made

    return register


def spec_for_name(name: str) -> MessageSpec:
    """The registered message called ``name``; ``CodecError`` if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise CodecError(f"unknown message name {name!r}") from None


def spec_for_class(cls: type[Any]) -> MessageSpec | None:
    """The spec of a registered message class, or None for anything else."""
    return _BY_CLASS.get(cls)


def _fail(path: str, expected: str, value: Any) -> typing.NoReturn:
    raise CodecError(f"field {path}: expected {expected}, got {type(value).__name__} {value!r:.60}")


def _exact(kind: type[Any], label: str) -> Checker:
    def check(value: Any, path: str) -> Any:
        if type(value) is not kind:
            _fail(path, label, value)
        return value

    return check


def _check_float(value: Any, path: str) -> Any:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    _fail(path, "float", value)


def _check_any(value: Any, path: str) -> Any:
    return value


def _check_none(value: Any, path: str) -> Any:
    if value is not None:
        _fail(path, "None", value)
    return value


_SIMPLE: dict[Any, Checker] = {
    int: _exact(int, "int"),
    str: _exact(str, "str"),
    bool: _exact(bool, "bool"),
    bytes: _exact(bytes, "bytes"),
    float: _check_float,
    type(None): _check_none,
    None: _check_none,
    Any: _check_any,
    object: _check_any,
}


def compile_checker(hint: Any) -> Checker:
    """Turn a type hint into a checker. Supports the types messages are made of.

    >>> compile_checker(list[int])([1, 2], "m.xs")
    [1, 2]
    >>> compile_checker(tuple[str, ...])(["a"], "m.names")
    ('a',)
    >>> compile_checker(int | None)("3", "m.count")
    Traceback (most recent call last):
    ...
    kube_actors.runtime.errors.CodecError: field m.count: expected int | None, got str '3'
    """
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    spec = spec_for_class(hint) if isinstance(hint, type) else None
    if spec is not None:
        return _instance_of(hint, spec.name)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _union(hint, [compile_checker(a) for a in args])
    if origin is list:
        return _sequence(list, compile_checker(args[0]) if args else _check_any)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(tuple, compile_checker(args[0]))
        return _fixed_tuple([compile_checker(a) for a in args])
    if origin is dict:
        return _mapping(compile_checker(args[1]) if args else _check_any)
    if origin is typing.Literal:
        return _literal(args)
    raise TypeError(f"message fields cannot have type {hint!r}")


def _instance_of(cls: type[Any], name: str) -> Checker:
    def check(value: Any, path: str) -> Any:
        if type(value) is not cls:
            _fail(path, f"message {name}", value)
        return value

    return check


def _union(hint: Any, options: list[Checker]) -> Checker:
    label = " | ".join(
        "None" if a is type(None) else getattr(a, "__name__", repr(a)) for a in typing.get_args(hint)
    )

    def check(value: Any, path: str) -> Any:
        for option in options:
            try:
                return option(value, path)
            except CodecError:
                continue
        _fail(path, label, value)

    return check


def _sequence(kind: type[Any], item: Checker) -> Checker:
    def check(value: Any, path: str) -> Any:
        if not isinstance(value, (list, tuple)):
            _fail(path, kind.__name__, value)
        if item is _check_any:
            return kind(value)
        return kind(item(v, f"{path}[{i}]") for i, v in enumerate(value))

    return check


def _fixed_tuple(items: list[Checker]) -> Checker:
    def check(value: Any, path: str) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            _fail(path, f"tuple of {len(items)}", value)
        return tuple(c(v, f"{path}[{i}]") for i, (c, v) in enumerate(zip(items, value, strict=True)))

    return check


def _mapping(item: Checker) -> Checker:
    def check(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _fail(path, "dict", value)
        for key in value:
            if type(key) is not str:
                _fail(f"{path} key", "str", key)
        if item is _check_any:
            return value
        return {key: item(v, f"{path}[{key!r}]") for key, v in value.items()}

    return check


def _literal(allowed: tuple[Any, ...]) -> Checker:
    def check(value: Any, path: str) -> Any:
        if value not in allowed:
            _fail(path, f"one of {allowed!r}", value)
        return value

    return check
