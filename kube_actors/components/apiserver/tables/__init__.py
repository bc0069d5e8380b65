"""Why: ``kubectl get`` prints the columns the server puts in a ``meta.k8s.io/v1`` Table; given
a plain list it can only show NAME and AGE.

A real apiserver computes those columns itself (kubernetes/kubernetes,
``pkg/printers/internalversion``); this package derives the same columns and cells from our JSON
objects. It is pure: the HTTP front (``http``) asks ``wants_table`` of the Accept header and
turns lists, single objects and watch events into Tables here, passing the current time in as
``now`` so AGE and DURATION can be tested. Like Kubernetes, cells are always computed for
``-o wide``; kubectl hides the priority 1 columns unless asked for them.

This module is the whole public API. Each kind's columns and printer are registered in
``columns`` by the printers in ``pods``, ``workloads`` and ``core``, which read objects through
``fields`` and times through ``durations``; ``custom`` prints custom resources by their
definition's printer columns.
"""

from __future__ import annotations

from kube_actors.api import status

# Importing the printers registers them with ``columns``.
from kube_actors.components.apiserver.tables import core, pods, workloads  # noqa: F401
from kube_actors.components.apiserver.tables.columns import (
    ANY_KIND,
    Cells,
    Printer,
    column_definitions,
    printer_for,
)
from kube_actors.components.apiserver.tables.custom import custom_printing
from kube_actors.components.apiserver.tables.durations import human_duration
from kube_actors.components.apiserver.tables.fields import JsonObject, meta

__all__ = [
    "ANY_KIND",
    "INCLUDE_OBJECT",
    "TABLE_API_VERSION",
    "Cells",
    "JsonObject",
    "Printer",
    "Printing",
    "column_definitions",
    "custom_printing",
    "human_duration",
    "parse_include_object",
    "printing_for",
    "table",
    "table_event",
    "wants_table",
]

TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT = ("Metadata", "Object", "None")


def wants_table(accept_header: str) -> bool:
    """Whether the client takes a JSON ``meta.k8s.io/v1`` Table (``kubectl get`` does).

    >>> wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    True
    >>> wants_table("application/json")
    False
    """
    for media_range in accept_header.split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        options = {
            key.strip().lower(): value.strip() for key, _, value in (p.partition("=") for p in parameters)
        }
        wanted = {"as": "Table", "g": "meta.k8s.io", "v": "v1"}
        if media_type.lower() == "application/json" and all(options.get(k) == v for k, v in wanted.items()):
            return True
    return False


Printing = tuple[list[JsonObject], Printer]  # a Table's column definitions and what fills a row


def printing_for(kind: str) -> Printing:
    """How objects of a built-in ``kind`` print (``ANY_KIND``: NAME and AGE)."""
    return column_definitions(kind), printer_for(kind)


def table(
    printing: Printing,
    objects: list[JsonObject],
    *,
    now: float,
    resource_version: str,
    include_object: str = "Metadata",
) -> JsonObject:
    """The Table ``kubectl get`` prints for ``objects``, one row each, as ``printing`` says
    (``printing_for(kind)``, or a custom resource's ``custom_printing``).

    ``include_object`` is the ``includeObject`` query parameter: each row carries the object's
    metadata (``Metadata``, the default, enough for ``-L`` and ``--show-labels``), the whole
    object (``Object``, which ``--sort-by`` asks for) or nothing (``None``).
    """
    include_object = parse_include_object(include_object)
    columns, printer = printing
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [dict(column) for column in columns],
        "rows": [{"cells": printer(obj, now), "object": _row_object(obj, include_object)} for obj in objects],
    }


def table_event(
    printing: Printing, event: JsonObject, *, now: float, include_object: str = "Metadata"
) -> JsonObject:
    """A watch event as ``kubectl get -w`` reads it: the object becomes a one-row Table.

    An ERROR event keeps its Status; a BOOKMARK becomes a Table without rows that carries the
    bookmark's resourceVersion.
    """
    if event["type"] == "ERROR":
        return event
    obj = event["object"]
    rows = [] if event["type"] == "BOOKMARK" else [obj]
    version = meta(obj).get("resourceVersion", "")
    converted = table(printing, rows, now=now, resource_version=version, include_object=include_object)
    return {"type": event["type"], "object": converted}


def parse_include_object(value: str) -> str:
    """The ``includeObject`` query parameter checked (400 if unknown); empty means ``Metadata``."""
    if (value or "Metadata") not in INCLUDE_OBJECT:
        raise status.BadRequest(f"unrecognized includeObject value: {value!r}")
    return value or "Metadata"


def _row_object(obj: JsonObject, include_object: str) -> JsonObject | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION, "metadata": meta(obj)}
