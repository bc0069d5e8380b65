"""Why: pydantic says what is wrong and where in the data (``loc``); people need the line. This
turns a ``ValidationError`` into ``Problem``s located in the YAML document the data came from,
worded for a person writing YAML rather than for a Python caller.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kube_actors.scenario.errors import Problem
from kube_actors.scenario.yaml_source import Document, Loc

_UNION_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found")


def problems_from(error: ValidationError, document: Document, *, prefix: Loc = ()) -> list[Problem]:
    """One problem per error, in the file's order; ``prefix`` is where the validated data sits."""
    problems = []
    for detail in error.errors(include_url=False):
        loc = [*prefix, *detail["loc"]]
        inner_key = ""
        if detail["type"] in _UNION_TAG_ERRORS:
            inner_key = str(detail.get("ctx", {}).get("discriminator", "")).strip("'")
        at_key, missing = detail["type"] == "extra_forbidden", detail["type"] == "missing"
        problem = document.problem(loc, _wording(detail), inner_key=inner_key, at_key=at_key, missing=missing)
        problems.append(problem)
    return sorted(problems, key=lambda p: (p.line, p.column))


def _wording(detail: Any) -> str:
    kind, message = detail["type"], str(detail["msg"])
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_not_found":
        key = str(detail.get("ctx", {}).get("discriminator", "")).strip("'")
        return f"say which one with '{key}:'" if key else message
    if kind == "union_tag_invalid":
        ctx = detail.get("ctx", {})
        key, tag, expected = (
            str(ctx.get("discriminator", "")).strip("'"),
            ctx.get("tag", ""),
            ctx.get("expected_tags", ""),
        )
        return f"unknown {key}: {tag!r}; expected one of {expected}"
    message = message.removeprefix("Value error, ")
    value = detail.get("input")
    if kind.endswith("_type") or kind.startswith(("literal", "string_pattern", "greater", "less")):
        if isinstance(value, str | int | float | bool) or value is None:
            return f"{message} (got {value!r})"
        return f"{message} (got a {_yaml_type(value)})"
    return message


def _yaml_type(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__
