"""Why: Kubernetes admits a write in a fixed order: mutating plugins (each seeing the previous
one's object), then the object's own validation, then validating plugins, which see the final
object and may only refuse. The first refusal ends the chain; warnings gather along the way.

Defaulting is not part of the chain: Kubernetes defaults a body when it decodes it, so the
caller applies ``defaults.apply_defaults`` (and ``prepare_for_create``/``_update``) before
building the request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kube_actors.api import status
from kube_actors.api.admission.base import AdmissionPlugin, AdmissionRequest, AdmissionResult, JsonObject
from kube_actors.api.admission.image_policy import ImagePolicy
from kube_actors.api.admission.namespaces import NamespaceLifecycle
from kube_actors.api.admission.node_taints import TaintNodesByCondition
from kube_actors.api.admission.tolerations import DefaultTolerationSeconds
from kube_actors.api.validation import Cause, validate

ObjectCheck = Callable[[str, JsonObject, JsonObject | None], list[Cause]]


def validate_object(kind: str, obj: JsonObject, old: JsonObject | None) -> list[Cause]:
    return validate(kind, obj, old=old)


class AdmissionChain:
    """Mutating plugins, then ``check_object`` (Kubernetes' validation; ``None`` to skip it),
    then validating plugins."""

    def __init__(
        self,
        *,
        mutating: Sequence[AdmissionPlugin] = (),
        validating: Sequence[AdmissionPlugin] = (),
        check_object: ObjectCheck | None = validate_object,
    ) -> None:
        self.mutating = tuple(mutating)
        self.validating = tuple(validating)
        self.check_object = check_object

    def admit(self, request: AdmissionRequest) -> AdmissionResult:
        """The object to store and the warnings to send, or the first refusal (403, 404, or a
        422 naming every invalid field)."""
        warnings: list[str] = []
        for plugin in self.mutating:
            result = plugin.admit(request)
            warnings.extend(result.warnings)
            if result.refusal is not None:
                return AdmissionResult(None, tuple(warnings), result.refusal)
            if result.object is not None and result.object is not request.object:
                request = request.with_object(result.object)
        if self.check_object is not None and request.object is not None and request.operation != "DELETE":
            causes = self.check_object(request.kind, request.object, request.old_object)
            if causes:
                refusal = status.invalid(request.kind, request.name, causes, request.group)
                return AdmissionResult(None, tuple(warnings), refusal)
        for plugin in self.validating:
            result = plugin.admit(request)
            warnings.extend(result.warnings)
            if result.refusal is not None:
                return AdmissionResult(None, tuple(warnings), result.refusal)
        return AdmissionResult(request.object, tuple(warnings))


def default_chain(*, deny_latest: bool = False, toleration_seconds: int = 300) -> AdmissionChain:
    """The built-in chain, in Kubernetes' recommended order: NamespaceLifecycle first (nothing
    else runs for a write into a missing or terminating namespace), DefaultTolerationSeconds
    (``toleration_seconds`` of not-ready and unreachable nodes), TaintNodesByCondition,
    validation, then ImagePolicy (warning about ``latest``, or refusing it)."""
    return AdmissionChain(
        mutating=(
            NamespaceLifecycle(),
            DefaultTolerationSeconds(toleration_seconds, toleration_seconds),
            TaintNodesByCondition(),
        ),
        validating=(ImagePolicy(deny=deny_latest),),
    )
