"""Why: when a node stops reporting, the node lifecycle controller taints it ``not-ready`` or
``unreachable`` with ``NoExecute``; Kubernetes' DefaultTolerationSeconds plugin gives every
pod a toleration for 300 seconds of that, so a brief outage does not evict everything at
once. A pod that already tolerates those taints (or every taint) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from kube_actors.api.admission.base import AdmissionRequest, AdmissionResult, allow
from kube_actors.api.trees import copy_tree

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"


@dataclass(frozen=True, slots=True)
class DefaultTolerationSeconds:
    """Mutating: on pod CREATE and UPDATE (not subresources)."""

    not_ready_seconds: int = 300
    unreachable_seconds: int = 300
    name: ClassVar[str] = "DefaultTolerationSeconds"

    def admit(self, request: AdmissionRequest) -> AdmissionResult:
        pod = request.object
        if (
            request.kind != "Pod"
            or request.group
            or request.subresource
            or request.operation not in ("CREATE", "UPDATE")
            or not isinstance(pod, dict)
        ):
            return allow(request)
        spec = pod.get("spec")
        if not isinstance(spec, dict):
            return allow(request)
        tolerations = spec.get("tolerations") or []
        if not isinstance(tolerations, list):
            return allow(request)  # validation reports it
        missing = [
            {"key": taint, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}
            for taint, seconds in (
                (NOT_READY_TAINT, self.not_ready_seconds),
                (UNREACHABLE_TAINT, self.unreachable_seconds),
            )
            if not any(_tolerates(toleration, taint) for toleration in tolerations)
        ]
        if not missing:
            return allow(request)
        # A new object sharing the parts it does not change (the input stays as it was).
        changed = {**pod, "spec": {**spec, "tolerations": [*copy_tree(tolerations), *missing]}}
        return allow(request, changed)


def _tolerates(toleration: Any, taint: str) -> bool:
    """Whether a toleration already covers ``taint:NoExecute`` (an empty key or effect is a
    wildcard)."""
    if not isinstance(toleration, dict):
        return False
    return toleration.get("key") in (None, "", taint) and toleration.get("effect") in (None, "", "NoExecute")
