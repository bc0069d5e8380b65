"""Why: the ReplicaSet controller keeps ``spec.replicas`` pods matching a set's selector
running: it adopts orphans, releases pods that stopped matching, creates pods from the
template in slow-start batches, deletes the least valuable surplus first, and reports ready
and available replicas. The Deployment controller (``../deployment``) drives it by scaling sets.

``reconciling`` is the pure decision, ``controller`` the actor shell; ``pods``, ``ranking``,
``ownership``, ``expectations``, ``status`` and ``events`` are the pieces both use.
"""

from kube_actors.components.controllers.replicaset.controller import ReplicaSetController

__all__ = ["ReplicaSetController"]
