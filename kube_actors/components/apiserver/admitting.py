"""Why: every write of a built-in kind passes through defaulting, validation and the
admission chain before it is stored, as in Kubernetes: defaults first (so validation sees what
will be stored), create- or update-only preparation, then the mutating and validating plugins.
Refusals are raised as the ``ApiError`` the chain chose; warnings go to the client.
"""

from __future__ import annotations

from kube_actors.api.admission import (
    AdmissionChain,
    AdmissionPlugin,
    AdmissionRequest,
    NamespaceLifecycle,
    NamespacePhase,
)
from kube_actors.api.admission.base import Operation
from kube_actors.api.defaults import (
    apply_defaults,
    apply_status_defaults,
    prepare_for_create,
    prepare_for_update,
)
from kube_actors.components.apiserver.crds.admission import WriteOptions
from kube_actors.components.apiserver.objects import JsonObject, Shape
from kube_actors.components.apiserver.routes import Target


class BuiltinAdmission:
    def __init__(self, chain: AdmissionChain, lifecycle: AdmissionPlugin | None = None) -> None:
        self.chain = chain
        self.lifecycle = lifecycle or NamespaceLifecycle()

    def check_namespace(
        self, target: Target, namespace: str, name: str, namespace_phase: NamespacePhase | None
    ) -> None:
        """Namespace lifecycle alone, for a custom resource: its definition's schema, not the
        built-in validation, judges the object."""
        request = self._request(target, "CREATE", namespace, name, {}, None, namespace_phase)
        refusal = self.lifecycle.admit(request).refusal
        if refusal is not None:
            raise refusal

    def creating(
        self,
        target: Target,
        namespace: str,
        body: JsonObject,
        uid: str,
        namespace_phase: NamespacePhase | None,
        write: WriteOptions | None,
    ) -> JsonObject:
        kind = target.resource.kind
        prepared = prepare_for_create(kind, apply_defaults(kind, body), uid=uid, in_place=True)
        name = str(prepared.get("metadata", {}).get("name", ""))
        request = self._request(target, "CREATE", namespace, name, prepared, None, namespace_phase)
        return self._admit(request, write)

    def updating(self, target: Target, shape: Shape | None, write: WriteOptions | None) -> Shape:
        """A shape that, after ``shape``, defaults, prepares and admits the update."""
        kind = target.resource.kind

        def admitted(old: JsonObject, new: JsonObject) -> JsonObject:
            shaped = shape(old, new) if shape is not None else new
            defaulted = (
                apply_status_defaults(kind, shaped)
                if target.subresource == "status"
                else apply_defaults(kind, shaped)
            )
            prepared = prepare_for_update(kind, defaulted, old, in_place=True)
            request = self._request(target, "UPDATE", target.namespace, target.name, prepared, old, None)
            return self._admit(request, write)

        return admitted

    def deleting(self, target: Target) -> None:
        request = self._request(target, "DELETE", target.namespace, target.name, None, None, None)
        self._admit(request, None)

    def _request(
        self,
        target: Target,
        operation: Operation,
        namespace: str,
        name: str,
        obj: JsonObject | None,
        old: JsonObject | None,
        namespace_phase: NamespacePhase | None,
    ) -> AdmissionRequest:
        resource = target.resource
        return AdmissionRequest(
            operation,
            resource.kind,
            namespace,
            name,
            obj,
            old,
            resource=resource.plural,
            group=resource.group,
            subresource=target.subresource,
            namespace_phase=namespace_phase,
        )

    def _admit(self, request: AdmissionRequest, write: WriteOptions | None) -> JsonObject:
        result = self.chain.admit(request)
        if result.refusal is not None:
            raise result.refusal
        if write is not None:
            write.warnings.extend(result.warnings)
        return result.object or {}
