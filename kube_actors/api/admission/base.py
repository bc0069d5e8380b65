"""Why: admission is where the apiserver changes or refuses a write for reasons beyond the
object's own validity (a pod gets default tolerations; nothing is created in a terminating
namespace). Every plugin takes the same request and answers the same result, so a chain can
run them in order, as Kubernetes' admission chain does.

Plugins are pure: what needs storage (does the namespace exist?) is looked up by the caller
and carried in the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from kube_actors.api import status
from kube_actors.runtime.records import record

JsonObject = dict[str, Any]
Operation = Literal["CREATE", "UPDATE", "DELETE"]
NamespacePhase = Literal["Active", "Terminating", "Missing"]


@record
class AdmissionRequest:
    """One write, as admission sees it.

    ``object`` is the object to store (``None`` on DELETE); ``old_object`` the stored one
    (``None`` on CREATE). ``resource`` is the plural (``pods``) and ``group`` the API group,
    which name the object in refusals. ``namespace_phase`` is the phase of the object's
    namespace as the caller found it (``Missing`` if it does not exist), or ``None`` when
    the caller did not look (cluster-scoped objects).
    """

    operation: Operation
    kind: str
    namespace: str
    name: str
    object: JsonObject | None
    old_object: JsonObject | None = None
    resource: str = ""
    group: str = ""
    subresource: str = ""
    namespace_phase: NamespacePhase | None = None

    @property
    def qualified_resource(self) -> str:
        """``pods``, ``deployments.apps``: how Kubernetes names the resource in messages."""
        plural = self.resource or self.kind.lower()
        return f"{plural}.{self.group}" if self.group else plural

    def with_object(self, obj: JsonObject) -> AdmissionRequest:
        # Spelled out: ``dataclasses.replace`` looks the fields up again on every write.
        return AdmissionRequest(
            self.operation,
            self.kind,
            self.namespace,
            self.name,
            obj,
            self.old_object,
            self.resource,
            self.group,
            self.subresource,
            self.namespace_phase,
        )


@record
class AdmissionResult:
    """A plugin's answer: the object to carry on with (possibly changed), warnings for the
    client's ``Warning`` headers, or a refusal the caller raises."""

    object: JsonObject | None
    warnings: tuple[str, ...] = ()
    refusal: status.ApiError | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


class AdmissionPlugin(Protocol):
    """One admission step.

    ``admit`` is called for every CREATE, UPDATE and DELETE the chain sees, subresources
    included; a plugin ignores what it does not handle by answering ``allow(request)``. It
    may answer a changed copy of the object (mutating plugins only: a validating plugin's
    object is ignored), warnings, or a refusal (``forbid``, or any ``status.ApiError``). It
    never changes the request's object in place.
    """

    @property
    def name(self) -> str: ...

    def admit(self, request: AdmissionRequest) -> AdmissionResult: ...


def allow(
    request: AdmissionRequest, obj: JsonObject | None = None, warnings: tuple[str, ...] = ()
) -> AdmissionResult:
    """Let the request through, with ``obj`` in place of its object if given."""
    return AdmissionResult(request.object if obj is None else obj, warnings)


def forbid(
    request: AdmissionRequest, reason: str, *, causes: list[Mapping[str, str]] | None = None
) -> AdmissionResult:
    """A 403 naming the object as Kubernetes does: ``pods "web" is forbidden: <reason>``.

    >>> request = AdmissionRequest("CREATE", "Pod", "default", "web", {}, resource="pods")
    >>> forbid(request, "no").refusal.status()["message"]
    'pods "web" is forbidden: no'
    """
    who = f'{request.qualified_resource} "{request.name}"' if request.name else request.qualified_resource
    details: dict[str, Any] = {"name": request.name, "group": request.group, "kind": request.resource}
    if causes:
        details["causes"] = [dict(cause) for cause in causes]
    return AdmissionResult(None, refusal=status.Forbidden(f"{who} is forbidden: {reason}", details=details))


def warning_header(text: str) -> str:
    """The value of one ``Warning`` response header, which kubectl prints as ``Warning: text``.

    >>> warning_header('say "hi"')
    '299 - "say \\\\"hi\\\\""'
    """
    return f"299 - {json.dumps(text, ensure_ascii=False)}"
