"""Why: ``kubectl get`` on a custom resource shows the columns its definition declares
(``additionalPrinterColumns``: a name, a type and a JSONPath into the object), after NAME; a
definition that declares none gets NAME and AGE. The apiextensions apiserver evaluates those
paths itself, turning ``date`` columns into ages, and so does this module.

The JSONPath subset is what definitions use in practice: fields (``.spec.replicas``), indexes
(``.spec.ports[0]``), every element (``[*]``) and a filter on one field
(``.status.conditions[?(@.type=="Ready")].status``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kube_actors.components.apiserver.tables.columns import Cells, Printer
from kube_actors.components.apiserver.tables.durations import elapsed_since
from kube_actors.components.apiserver.tables.fields import JsonObject, meta

_STEP = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_-]+)
      | \[(?P<index>-?\d+)\]
      | \[(?P<every>\*)\]
      | \[\?\(@\.(?P<where>[A-Za-z0-9_.-]+)\s*==\s*["'](?P<equals>[^"']*)["']\)\]""",
    re.VERBOSE,
)
NAME_COLUMN = {
    "name": "Name",
    "type": "string",
    "format": "name",
    "description": "Name must be unique within a namespace.",
    "priority": 0,
}


def custom_printing(columns: Sequence[Mapping[str, Any]]) -> tuple[list[JsonObject], Printer]:
    """A custom resource version's Table columns and printer, from its printer columns."""
    definitions = [dict(NAME_COLUMN)] + [
        {
            "name": column["name"],
            "type": column.get("type", "string"),
            "format": column.get("format", ""),
            "description": column.get("description", ""),
            "priority": column.get("priority", 0),
        }
        for column in columns
    ]

    def printer(obj: JsonObject, now: float) -> Cells:
        return [meta(obj).get("name", ""), *(_cell(obj, column, now) for column in columns)]

    return definitions, printer


def json_path(obj: Any, path: str) -> list[Any]:
    """The values ``path`` selects in ``obj`` (none if it leads nowhere).

    >>> pod = {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "X"}]}}
    >>> json_path(pod, '.status.conditions[?(@.type=="Ready")].status')
    ['True']
    >>> json_path({"spec": {"ports": [{"port": 80}, {"port": 443}]}}, ".spec.ports[*].port")
    [80, 443]
    """
    found = [obj]
    position = 0
    text = path.strip().removeprefix("{").removesuffix("}").removeprefix("$")
    while position < len(text):
        step = _STEP.match(text, position)
        if step is None:
            return []  # not a path this subset reads: the cell stays empty
        position = step.end()
        found = [value for current in found for value in _follow(current, step)]
    return found


def _follow(current: Any, step: re.Match[str]) -> list[Any]:
    if step["field"] is not None:
        return [current[step["field"]]] if isinstance(current, dict) and step["field"] in current else []
    if not isinstance(current, list):
        return []
    if step["index"] is not None:
        index = int(step["index"])
        return [current[index]] if -len(current) <= index < len(current) else []
    if step["every"] is not None:
        return list(current)
    return [item for item in current if json_path(item, "." + step["where"]) == [step["equals"]]]


def _cell(obj: JsonObject, column: Mapping[str, Any], now: float) -> Any:
    values = json_path(obj, str(column.get("jsonPath", "")))
    if not values:
        return None
    value = values[0] if len(values) == 1 else ",".join(str(v) for v in values)
    if column.get("type") == "date":
        return elapsed_since(value, now)
    return value
