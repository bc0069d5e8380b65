"""Why: the pieces every part of the scenario schema shares: the strict base model (unknown
fields and wrong types are errors, never coerced), and the value types a person writes in
YAML: durations (``90``, ``1m30s``), Kubernetes quantities (``500m``, ``8Gi``), label selectors
(``app=web,tier in (front)``) and DNS-1123 names. Each also describes itself in the JSON Schema
editors use.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from kube_actors.api import status
from kube_actors.api.quantity import QuantityError, parse_quantity
from kube_actors.api.selectors import label_selector
from kube_actors.components.kubelet.sim_script import parse_duration


class StrictModel(BaseModel):
    """No unknown fields, no silent type coercion; instances are immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, populate_by_name=True)


def _seconds(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


Duration = Annotated[
    float,
    BeforeValidator(_seconds),
    Field(ge=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {
                    "type": "string",
                    "pattern": r"^\s*((\d+(\.\d*)?|\.\d+)(ms|s|m|h))+\s*$|^\s*\d+(\.\d*)?\s*$",
                },
            ],
            "description": "seconds, or a duration such as 30s, 1m30s, 500ms, 2h",
        }
    ),
]
"""Seconds; written as a number or Go's duration form (``1m30s``)."""


def _quantity(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # left for the str check to refuse
    if isinstance(value, int | float):
        value = str(value)
    if isinstance(value, str):
        try:
            parse_quantity(value)
        except QuantityError as exc:
            raise ValueError(str(exc)) from None
    return value


QuantityText = Annotated[
    str,
    BeforeValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
            "description": "a Kubernetes quantity, e.g. 4, 500m, 8Gi",
        }
    ),
]
"""A Kubernetes quantity kept as written (``"500m"``); numbers become their text."""


def _selector(text: str) -> str:
    try:
        label_selector(text)
    except status.ApiError as exc:
        raise ValueError(exc.message) from None
    return text


Selector = Annotated[
    str,
    AfterValidator(_selector),
    Field(description="a label selector as kubectl -l takes it, e.g. app=web,tier in (front)"),
]

Name = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        max_length=253,
        description="a Kubernetes object name (DNS-1123 subdomain)",
    ),
]

Identifier = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][-_A-Za-z0-9]*$", max_length=63, description="a name other entries refer to"),
]
