"""Why: what a ``CustomResourceDefinition`` means to the apiserver, read off the object alone:
the resource types it serves (one per served version, all stored at the storage version), the
schema and scale paths of each, whether the definition itself is acceptable (a 422 naming each
bad field, as Kubernetes answers), and the status Kubernetes gives it (``NamesAccepted``,
``Established``, ``Terminating``).

Pure: ``serving`` keeps the served table in step with the stored definitions, and ``verbs``
applies ``admitted`` to each definition written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kube_actors.api import status
from kube_actors.api.resources import (
    BUILTIN,
    CUSTOM_RESOURCE_DEFINITIONS,
    ResourceType,
    version_priority,
)
from kube_actors.components.apiserver.crds.schemas import Cause
from kube_actors.components.apiserver.subresources import ScalePaths

JsonObject = dict[str, Any]
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
"""Holds a deleted definition until its custom objects are gone (``serving`` removes it)."""
BUILTIN_GROUPS = frozenset(resource.group for resource in BUILTIN)
_LOWER_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclass(frozen=True, slots=True)
class CustomVersion:
    """One served version of a custom resource: its type, and what its objects must be."""

    resource: ResourceType
    schema: Mapping[str, Any] | None
    scale: ScalePaths | None
    printer_columns: tuple[Mapping[str, Any], ...] | None = None
    """``additionalPrinterColumns``, or None for the default NAME and AGE."""


def served_versions(crd: JsonObject) -> list[CustomVersion]:
    """Every served version of an acceptable, live definition, the preferred one first; none for
    a definition being deleted or one that is not acceptable."""
    if crd.get("metadata", {}).get("deletionTimestamp") or check_definition(crd):
        return []
    spec = crd["spec"]
    names = spec["names"]
    versions = spec["versions"]
    storage = next(v["name"] for v in versions if v.get("storage"))
    served: list[CustomVersion] = []
    for version in sorted(
        (v for v in versions if v.get("served")), key=lambda v: version_priority(v["name"])
    ):
        subresources = version.get("subresources") or {}
        scale = subresources.get("scale")
        resource = ResourceType(
            spec["group"],
            version["name"],
            names["kind"],
            names["plural"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            subresources=tuple(sub for sub in ("status", "scale") if sub in subresources),
            singular=names.get("singular") or names["kind"].lower(),
            definition=crd["metadata"]["name"],
            storage_version=storage,
        )
        paths = None
        if isinstance(scale, dict):
            paths = ScalePaths(
                scale["specReplicasPath"],
                scale["statusReplicasPath"],
                scale.get("labelSelectorPath") or "",
                default_replicas=0,
            )
        columns = version.get("additionalPrinterColumns")
        printer_columns = None
        if isinstance(columns, list):
            printer_columns = tuple(column for column in columns if isinstance(column, dict))
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        served.append(CustomVersion(resource, schema, paths, printer_columns))
    return served


def stored_type(crd: JsonObject) -> ResourceType | None:
    """The type whose storage prefix holds all of a definition's objects, at every version."""
    spec = crd.get("spec") or {}
    group, plural = spec.get("group"), (spec.get("names") or {}).get("plural")
    if not isinstance(group, str) or not isinstance(plural, str) or not group or not plural:
        return None
    return ResourceType(group, "", "", plural)


def admitted(crd: JsonObject, old: JsonObject | None, now: str) -> JsonObject:
    """A definition about to be written, with the status Kubernetes gives an accepted one; a 422
    naming each bad field if it is not acceptable (or changes what may not change)."""
    causes = check_definition(crd)
    if old is not None and not causes:
        for path, default in (("group", ""), ("scope", "Namespaced")):
            value = crd["spec"].get(path, default)
            if value != old.get("spec", {}).get(path, default):
                causes.append((f"spec.{path}", f'Invalid value: "{value}": field is immutable'))
    if causes:
        name = crd.get("metadata", {}).get("name", "")
        raise status.invalid(
            CUSTOM_RESOURCE_DEFINITIONS.kind, name, causes, CUSTOM_RESOURCE_DEFINITIONS.group
        )
    names = dict(crd["spec"]["names"])
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", f"{names['kind']}List")
    current = crd.get("status") or {}
    storage = next(v["name"] for v in crd["spec"]["versions"] if v.get("storage"))
    stored = list(current.get("storedVersions") or [])
    crd["status"] = {
        **current,
        "acceptedNames": names,
        "storedVersions": [*stored, storage] if storage not in stored else stored,
        "conditions": with_condition(
            with_condition(
                current.get("conditions") or [],
                "NamesAccepted",
                "NoConflicts",
                "no conflicts found",
                now,
            ),
            "Established",
            "InitialNamesAccepted",
            "the initial names have been accepted",
            now,
        ),
    }
    return crd


def terminating(crd: JsonObject, now: str) -> JsonObject:
    """A definition marked for deletion: held by the cleanup finalizer until its objects are gone."""
    metadata = crd["metadata"]
    finalizers = list(metadata.get("finalizers") or [])
    if CLEANUP_FINALIZER not in finalizers:
        finalizers.append(CLEANUP_FINALIZER)
    current = crd.get("status") or {}
    conditions = with_condition(
        current.get("conditions") or [],
        "Terminating",
        "InstanceDeletionInProgress",
        "CustomResource deletion is in progress",
        now,
    )
    return {
        **crd,
        "metadata": {**metadata, "finalizers": finalizers},
        "status": {**current, "conditions": conditions},
    }


def with_condition(
    conditions: list[JsonObject], kind: str, reason: str, message: str, now: str
) -> list[JsonObject]:
    """``conditions`` with ``kind`` true; its transition time kept if it already was.

    >>> with_condition([], "Established", "InitialNamesAccepted", "ok", "2024-01-01T00:00:00Z")[0]["status"]
    'True'
    """
    previous = next((c for c in conditions if c.get("type") == kind), None)
    since = previous["lastTransitionTime"] if previous and previous.get("status") == "True" else now
    condition = {
        "type": kind,
        "status": "True",
        "lastTransitionTime": since,
        "reason": reason,
        "message": message,
    }
    return [*(c for c in conditions if c.get("type") != kind), condition]


def check_definition(crd: JsonObject) -> list[Cause]:
    """Everything wrong with a definition, as (field, message) pairs; empty if it can be served."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return [("spec", "Required value")]
    causes: list[Cause] = []
    group, names = spec.get("group"), spec.get("names")
    if not isinstance(group, str) or not group:
        causes.append(("spec.group", "Required value"))
    elif "." not in group or not all(_LOWER_NAME.fullmatch(part) for part in group.split(".")):
        causes.append(("spec.group", f'Invalid value: "{group}": should be a domain with at least one dot'))
    elif group in BUILTIN_GROUPS:
        causes.append(
            ("spec.group", f'Invalid value: "{group}": the group is served by the API server itself')
        )
    if not isinstance(names, dict):
        return [*causes, ("spec.names", "Required value")]
    for key in ("plural", "singular"):
        value = names.get(key)
        if value is None and key == "singular":
            continue
        if not isinstance(value, str) or not value:
            causes.append((f"spec.names.{key}", "Required value"))
        elif not _LOWER_NAME.fullmatch(value):
            causes.append(
                (f"spec.names.{key}", f'Invalid value: "{value}": must be a lowercase DNS-1035 label')
            )
    kind = names.get("kind")
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        causes.append(("spec.names.kind", "Required value" if not kind else f'Invalid value: "{kind}"'))
    for index, short in enumerate(names.get("shortNames") or []):
        if not isinstance(short, str) or not _LOWER_NAME.fullmatch(short):
            causes.append((f"spec.names.shortNames[{index}]", f'Invalid value: "{short}"'))
    expected = f"{names.get('plural')}.{group}"
    name = crd.get("metadata", {}).get("name")
    if not causes and name != expected:
        causes.append(("metadata.name", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group'))
    if spec.get("scope", "Namespaced") not in ("Namespaced", "Cluster"):
        causes.append(
            (
                "spec.scope",
                f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", "Namespaced"',
            )
        )
    return causes + _check_versions(spec.get("versions"))


def _check_versions(versions: Any) -> list[Cause]:
    if not isinstance(versions, list) or not versions:
        return [
            ("spec.versions", "Invalid value: []: must have exactly one version marked as storage version")
        ]
    causes: list[Cause] = []
    seen: set[str] = set()
    for index, version in enumerate(versions):
        path = f"spec.versions[{index}]"
        if not isinstance(version, dict):
            causes.append((path, "Invalid value: must be an object"))
            continue
        name = version.get("name")
        if not isinstance(name, str) or not _LOWER_NAME.fullmatch(name):
            causes.append((f"{path}.name", f'Invalid value: "{name}": must be a lowercase DNS-1035 label'))
        elif name in seen:
            causes.append((f"{path}.name", f'Duplicate value: "{name}"'))
        seen.add(str(name))
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            causes.append((f"{path}.schema.openAPIV3Schema", "Required value: schemas are required"))
        elif schema.get("type") != "object":
            causes.append(
                (
                    f"{path}.schema.openAPIV3Schema.type",
                    f'Unsupported value: "{schema.get("type")}": supported values: "object"',
                )
            )
        causes.extend(_check_scale(path, (version.get("subresources") or {}).get("scale")))
    storage = [v for v in versions if isinstance(v, dict) and v.get("storage")]
    if len(storage) != 1:
        causes.append(
            (
                "spec.versions",
                f"Invalid value: {len(storage)}: must have exactly one version marked as storage version",
            )
        )
    return causes


def _check_scale(path: str, scale: Any) -> list[Cause]:
    if scale is None:
        return []
    if not isinstance(scale, dict):
        return [(f"{path}.subresources.scale", "Invalid value: must be an object")]
    causes: list[Cause] = []
    for key, prefixes in (
        ("specReplicasPath", (".spec.",)),
        ("statusReplicasPath", (".status.",)),
        ("labelSelectorPath", (".spec.", ".status.")),
    ):
        value = scale.get(key)
        if value is None and key == "labelSelectorPath":
            continue
        field_path = f"{path}.subresources.scale.{key}"
        if not isinstance(value, str) or not value:
            causes.append((field_path, "Required value"))
        elif not value.startswith(prefixes) or "[" in value:
            causes.append(
                (field_path, f'Invalid value: "{value}": should be a json path under {" or ".join(prefixes)}')
            )
    return causes
