"""Why: admission, between decoding a write and storing it: ``base`` defines the request, the
result and the plugin interface; ``chain`` runs mutating plugins, validation and validating
plugins in Kubernetes' order; ``namespaces``, ``tolerations`` and ``image_policy`` are the
built-in plugins. Pure: the caller looks up what needs storage and sends the warnings.
"""

from kube_actors.api.admission.base import (
    AdmissionPlugin,
    AdmissionRequest,
    AdmissionResult,
    NamespacePhase,
    Operation,
    allow,
    forbid,
    warning_header,
)
from kube_actors.api.admission.chain import AdmissionChain, default_chain
from kube_actors.api.admission.image_policy import ImagePolicy
from kube_actors.api.admission.namespaces import IMMORTAL_NAMESPACES, NamespaceLifecycle
from kube_actors.api.admission.tolerations import DefaultTolerationSeconds

__all__ = [
    "IMMORTAL_NAMESPACES",
    "AdmissionChain",
    "AdmissionPlugin",
    "AdmissionRequest",
    "AdmissionResult",
    "DefaultTolerationSeconds",
    "ImagePolicy",
    "NamespaceLifecycle",
    "NamespacePhase",
    "Operation",
    "allow",
    "default_chain",
    "forbid",
    "warning_header",
]
