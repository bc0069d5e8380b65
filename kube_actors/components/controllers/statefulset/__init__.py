"""Why: StatefulSets run pods with stable identities (``db-0``, ``db-1``, ...), each with its own
PersistentVolumeClaims, started and stopped in order and updated one at a time from the highest
ordinal down, as Kubernetes' StatefulSet controller does.

``identity`` (names, pods and claims made for an ordinal), ``revisions`` (revision names and
the templates kept for them), ``pod_states``, ``retention`` (claims' owners), ``counting``
(status) and ``reconciling`` (the decisions) are pure; ``controller`` is the actor shell.
"""

from kube_actors.components.controllers.statefulset.controller import StatefulSetController

__all__ = ["StatefulSetController"]
