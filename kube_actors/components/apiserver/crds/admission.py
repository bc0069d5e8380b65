"""Why: what happens to a custom object on its way into storage, in one place for create,
update, patch and the ``status`` and ``scale`` subresources: pruned, defaulted and validated
against its version's schema (``schemas``), with the pruned fields handled as the request's
``fieldValidation`` asks (``Strict``: a 400, ``Warn``, the default: a warning kubectl prints,
``Ignore``: silence). Definitions themselves are checked and given their status here too.
``verbs`` wraps its writes with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kube_actors.api import status
from kube_actors.components.apiserver.crds.definitions import CustomVersion, admitted
from kube_actors.components.apiserver.crds.schemas import check
from kube_actors.components.apiserver.messages import JSON_PATCH, MERGE_PATCH
from kube_actors.components.apiserver.objects import JsonObject, Shape

FIELD_VALIDATIONS = ("Ignore", "Warn", "Strict")
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH)


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """How strictly a write is checked against a schema (the ``fieldValidation`` query
    parameter; "" is ``Warn``; 400 if unknown), the warnings collected for the client, and who
    writes (``fieldManager``; ``force`` to take fields over in a server-side apply)."""

    field_validation: str = ""
    warnings: list[str] = field(default_factory=list)
    field_manager: str = ""
    force: bool = False

    def __post_init__(self) -> None:
        if self.field_validation not in ("", *FIELD_VALIDATIONS):
            raise status.BadRequest(
                f'fieldValidation must be one of "Ignore", "Warn" or "Strict", got "{self.field_validation}"'
            )

    @property
    def unknown_fields(self) -> str:
        """What to do with fields a schema does not declare.

        >>> WriteOptions().unknown_fields, WriteOptions("Strict").unknown_fields
        ('Warn', 'Strict')
        """
        return self.field_validation or "Warn"


def admit(version: CustomVersion, obj: JsonObject, write: WriteOptions | None = None) -> JsonObject:
    """``obj`` as it may be stored; a 422 naming each bad field, or a 400 for unknown fields
    under ``Strict`` validation."""
    if version.schema is None:
        return obj
    resource = version.resource
    checked = check(version.schema, obj)
    name = obj.get("metadata", {}).get("name", "")
    if checked.causes:
        raise status.invalid(resource.kind, name, checked.causes, resource.group)
    write = write or WriteOptions()
    unknown = [f'unknown field "{path}"' for path in checked.pruned]
    if unknown and write.unknown_fields == "Strict":
        raise status.BadRequest(
            f'{resource.kind} in version "{resource.version}" cannot be handled as a {resource.kind}: '
            f"strict decoding error: {', '.join(unknown)}"
        )
    if unknown and write.unknown_fields == "Warn":
        write.warnings.extend(unknown)
    admitted: JsonObject = checked.obj
    return admitted


def admitting(version: CustomVersion, shape: Shape | None, write: WriteOptions | None = None) -> Shape:
    """``shape`` (how an update makes the new object from the stored one), then ``admit``."""

    def shaped(old: JsonObject, new: JsonObject) -> JsonObject:
        made = shape(old, new) if shape is not None else new
        return admit(version, made, write)

    return shaped


def admitting_definition(shape: Shape | None, now: str) -> Shape:
    """``shape``, then the checks and the status an updated definition gets."""

    def shaped(old: JsonObject, new: JsonObject) -> JsonObject:
        return admitted(shape(old, new) if shape is not None else new, old, now)

    return shaped


def refuse_strategic_merge(version: CustomVersion) -> status.ApiError:
    """Kubernetes has no merge keys for custom resources: a strategic merge patch is a 415, and
    ``kubectl apply`` then sends a merge patch."""
    return status.UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(PATCH_TYPES),
        details={"kind": version.resource.plural, "group": version.resource.group},
    )
