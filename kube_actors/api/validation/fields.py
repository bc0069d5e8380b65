"""Why: every validation failure is a (field path, message) pair worded exactly as Kubernetes'
``field.Error`` words it (``Required value``, ``Invalid value: "x": ...``, ``Unsupported
value``, ...), because kubectl prints the message verbatim and users search for it.

``FieldErrors`` collects the pairs; the path helpers build ``spec.containers[0].image``.
Values are shown the way Kubernetes' Go types print them: strings quoted, numbers bare, label
maps and selectors in Go syntax, anything else as compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

Cause = tuple[str, str]


@dataclass(frozen=True, slots=True)
class GoValue:
    """A value already written as Kubernetes prints its Go type."""

    text: str


def child(path: str, *names: str) -> str:
    """A dotted field path, skipping empty parts.

    >>> child("spec", "template", "spec"), child("", "metadata")
    ('spec.template.spec', 'metadata')
    """
    if path and names and all(names):  # the common case, on every field of every write
        return f"{path}.{'.'.join(names)}"
    return ".".join(part for part in (path, *names) if part)


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def key(path: str, name: str) -> str:
    return f"{path}[{name}]"


def go_quote(text: str) -> str:
    """A string as Go's ``%q`` writes it.

    >>> print(go_quote('say "hi"'))
    "say \\"hi\\""
    """
    return json.dumps(text, ensure_ascii=False)


def show(value: Any) -> str:
    """A bad value as Kubernetes shows it after ``Invalid value:``.

    >>> show("-bad"), show(-1), show(True), show(None), show({"app": "web"})
    ('"-bad"', '-1', 'true', 'null', 'map[string]string{"app":"web"}')
    """
    if isinstance(value, GoValue):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping) and value and all(isinstance(v, str) for v in value.values()):
        return string_map(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def string_map(labels: Mapping[str, Any] | None) -> str:
    """A label map in Go syntax, keys sorted as Go prints them."""
    if labels is None:
        return "map[string]string(nil)"
    entries = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(labels.items()))
    return f"map[string]string{{{entries}}}"


def label_selector(selector: Mapping[str, Any] | None) -> GoValue:
    """A ``LabelSelector`` as Kubernetes shows it in ``field is immutable`` errors.

    >>> print(label_selector({"matchLabels": {"app": "web"}}).text)  # doctest: +NORMALIZE_WHITESPACE
    v1.LabelSelector{MatchLabels:map[string]string{"app":"web"},
    MatchExpressions:[]v1.LabelSelectorRequirement(nil)}
    """
    if selector is None:
        return GoValue("null")
    requirements = selector.get("matchExpressions")
    if requirements:
        shown = ", ".join(
            "v1.LabelSelectorRequirement{"
            f"Key:{go_quote(str(r.get('key', '')))}, Operator:{go_quote(str(r.get('operator', '')))}, "
            f"Values:{_string_list(r.get('values'))}}}"
            for r in requirements
            if isinstance(r, Mapping)
        )
        expressions = f"[]v1.LabelSelectorRequirement{{{shown}}}"
    else:
        expressions = "[]v1.LabelSelectorRequirement(nil)"
    return GoValue(
        f"v1.LabelSelector{{MatchLabels:{string_map(selector.get('matchLabels'))}, "
        f"MatchExpressions:{expressions}}}"
    )


def _string_list(values: Any) -> str:
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}"


class FieldErrors:
    """The causes found so far, in the order Kubernetes would report them."""

    def __init__(self) -> None:
        self.causes: list[Cause] = []

    def __len__(self) -> int:
        return len(self.causes)

    def extend(self, causes: Iterable[Cause]) -> None:
        self.causes.extend(causes)

    def required(self, path: str, detail: str = "") -> None:
        self.causes.append((path, _with_detail("Required value", detail)))

    def invalid(self, path: str, value: Any, detail: str) -> None:
        self.causes.append((path, _with_detail(f"Invalid value: {show(value)}", detail)))

    def invalid_each(self, path: str, value: Any, problems: Iterable[str]) -> None:
        """One cause per problem a syntax check found (``names.is_*`` returns them)."""
        for problem in problems:
            self.invalid(path, value, problem)

    def not_supported(self, path: str, value: Any, supported: Sequence[str]) -> None:
        allowed = ", ".join(go_quote(v) for v in supported)
        self.causes.append((path, f"Unsupported value: {show(value)}: supported values: {allowed}"))

    def not_found(self, path: str, value: Any) -> None:
        self.causes.append((path, f"Not found: {show(value)}"))

    def duplicate(self, path: str, value: Any) -> None:
        self.causes.append((path, f"Duplicate value: {show(value)}"))

    def forbidden(self, path: str, detail: str) -> None:
        self.causes.append((path, _with_detail("Forbidden", detail)))

    def too_long(self, path: str, limit: int) -> None:
        self.causes.append((path, f"Too long: may not be more than {limit} bytes"))

    def immutable(self, path: str, value: Any) -> None:
        self.invalid(path, value, "field is immutable")

    def nonnegative(self, path: str, value: Any) -> None:
        """Kubernetes' ``ValidateNonnegativeField`` for an optional integer field."""
        if value is None:
            return
        if not is_int(value):
            self.invalid(path, value, "must be an integer")
        elif value < 0:
            self.invalid(path, value, "must be greater than or equal to 0")


def is_int(value: Any) -> TypeGuard[int]:
    """An integer in a JSON body (``true`` is not one, though Python says it is)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _with_detail(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head
