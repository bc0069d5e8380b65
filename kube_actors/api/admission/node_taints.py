"""Why: a node is not ready to take pods the instant it registers; Kubernetes' TaintNodesByCondition
plugin taints every new Node ``node.kubernetes.io/not-ready:NoSchedule``, and the node lifecycle
controller lifts the taint once the kubelet reports Ready. Without it the scheduler would bind
pods to a node whose kubelet has not said it can run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kube_actors.api.admission.base import AdmissionRequest, AdmissionResult, allow
from kube_actors.api.admission.tolerations import NOT_READY_TAINT
from kube_actors.api.trees import copy_tree


@dataclass(frozen=True, slots=True)
class TaintNodesByCondition:
    """Mutating: on Node CREATE."""

    name: ClassVar[str] = "TaintNodesByCondition"

    def admit(self, request: AdmissionRequest) -> AdmissionResult:
        node = request.object
        if (
            request.kind != "Node"
            or request.group
            or request.operation != "CREATE"
            or not isinstance(node, dict)
        ):
            return allow(request)
        spec = node.get("spec")
        taints = (spec.get("taints") if isinstance(spec, dict) else None) or []
        if not isinstance(taints, list) or any(
            isinstance(t, dict) and t.get("key") == NOT_READY_TAINT and t.get("effect") == "NoSchedule"
            for t in taints
        ):
            return allow(request)
        changed = copy_tree(node)
        changed.setdefault("spec", {})["taints"] = [
            *copy_tree(taints),
            {"key": NOT_READY_TAINT, "effect": "NoSchedule"},
        ]
        return allow(request, changed)
