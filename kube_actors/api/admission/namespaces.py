"""Why: Kubernetes' NamespaceLifecycle plugin: nothing is written into a namespace that does
not exist, nothing new is created in one being deleted (its contents are being cleaned up),
and the namespaces the cluster itself relies on cannot be deleted.

The caller owns storage: it looks the namespace up and puts its phase in the request's
``namespace_phase`` (``Missing`` when absent). The plugin sits first in the chain, so such a
write is refused before anything else runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kube_actors.api import status
from kube_actors.api.admission.base import AdmissionRequest, AdmissionResult, allow, forbid

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


@dataclass(frozen=True, slots=True)
class NamespaceLifecycle:
    """Mutating-phase (first, as in Kubernetes); it never changes the object."""

    immortal: frozenset[str] = IMMORTAL_NAMESPACES
    name: ClassVar[str] = "NamespaceLifecycle"

    def admit(self, request: AdmissionRequest) -> AdmissionResult:
        if request.kind == "Namespace" and not request.group:
            if request.operation == "DELETE" and request.name in self.immortal:
                return forbid(request, "this namespace may not be deleted")
            return allow(request)
        if not request.namespace or request.operation == "DELETE" or request.namespace_phase is None:
            return allow(request)
        if request.namespace_phase == "Missing":
            return AdmissionResult(None, refusal=status.not_found("namespaces", request.namespace))
        if request.operation == "CREATE" and request.namespace_phase == "Terminating":
            namespace = request.namespace
            return forbid(
                request,
                f"unable to create new content in namespace {namespace} because it is being terminated",
                causes=[
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {request.namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            )
        return allow(request)
