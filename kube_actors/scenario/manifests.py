"""Why: a workload is a plain Kubernetes manifest, and a wrong one should be caught when the
scenario is read, with its line, not minutes into a run as a 422. Each manifest is checked to be
a Kubernetes object (``apiVersion``, ``kind``, ``metadata.name``), of a kind the cluster serves
(built in, or defined by a CustomResourceDefinition earlier in the same scenario), and then
defaulted and validated exactly as the apiserver will (``kube_actors.api.defaults`` and
``kube_actors.api.validation``), each cause pointed at its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kube_actors.api.defaults import apply_defaults, prepare_for_create
from kube_actors.api.resources import CUSTOM_RESOURCE_DEFINITIONS, ResourceTable, ResourceType
from kube_actors.api.validation import validate
from kube_actors.scenario.errors import Problem
from kube_actors.scenario.pydantic_errors import problems_from
from kube_actors.scenario.yaml_source import Document, Loc, field_path

JsonObject = dict[str, Any]


class _Metadata(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    name: str = Field(min_length=1)
    namespace: str = ""


class _KubernetesObject(BaseModel):
    """The least a manifest must be; everything else is the apiserver's to judge."""

    model_config = ConfigDict(strict=True, extra="allow")
    apiVersion: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    metadata: _Metadata


@dataclass(frozen=True)
class Manifest:
    """A checked manifest, the resource it is, and where it was written (``file:line``)."""

    object: JsonObject
    resource: ResourceType
    source: str

    @property
    def name(self) -> str:
        return str(self.object["metadata"]["name"])

    def namespace(self, default: str) -> str:
        if not self.resource.namespaced:
            return ""
        return str(self.object["metadata"].get("namespace") or default)

    def describe(self) -> str:
        return f"{self.object['kind']} {self.name}"


class ManifestChecker:
    """Checks manifests in the order they will be applied, learning custom kinds as their
    definitions go by."""

    def __init__(self) -> None:
        self.resources = ResourceTable()

    def check(self, document: Document, loc: Loc, data: Any) -> tuple[Manifest | None, list[Problem]]:
        """``data`` is the manifest found at ``loc`` of ``document``."""
        if not isinstance(data, dict):
            return None, [
                document.problem(loc, "a manifest must be a mapping (apiVersion, kind, metadata, ...)")
            ]
        try:
            _KubernetesObject.model_validate(data)
        except ValidationError as exc:
            return None, problems_from(exc, document, prefix=loc)
        resource = self.resources.by_kind(data["apiVersion"], data["kind"])
        if resource is None:
            return None, [
                document.problem(
                    [*loc, "kind"],
                    f"the cluster does not serve kind {data['kind']!r} in apiVersion {data['apiVersion']!r} "
                    "(built-in kinds, or a CustomResourceDefinition earlier in this scenario)",
                )
            ]
        problems = []
        if not resource.definition:
            stored = prepare_for_create(resource.kind, apply_defaults(resource.kind, data), uid="0")
            for path, message in validate(resource.kind, stored):
                problems.append(document.problem([*loc, *field_path(path)], message, missing=True))
        if resource == CUSTOM_RESOURCE_DEFINITIONS and not problems:
            problems.extend(self._learn(document, loc, data))
        line = document.problem(loc, "").line
        manifest = Manifest(data, resource, f"{document.path}:{line}")
        return (None if problems else manifest), problems

    def _learn(self, document: Document, loc: Loc, definition: JsonObject) -> list[Problem]:
        spec = definition.get("spec") or {}
        names = spec.get("names") or {}
        group, kind, plural = spec.get("group"), names.get("kind"), names.get("plural")
        if not (isinstance(group, str) and isinstance(kind, str) and isinstance(plural, str)):
            return [
                document.problem([*loc, "spec"], "a CustomResourceDefinition needs spec.group and spec.names")
            ]
        for version in spec.get("versions") or []:
            if (
                isinstance(version, dict)
                and version.get("served", True)
                and isinstance(version.get("name"), str)
            ):
                self.resources.add(
                    ResourceType(
                        group,
                        version["name"],
                        kind,
                        plural,
                        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                        definition=str(definition["metadata"]["name"]),
                    )
                )
        return []
