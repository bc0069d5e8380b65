"""Why: Kubernetes' namespace controller: a deleted namespace is emptied, then let go.
``cleanup`` plans each pass, ``controller`` is the actor."""

from kube_actors.components.controllers.namespaces.controller import NamespaceController

__all__ = ["NamespaceController"]
