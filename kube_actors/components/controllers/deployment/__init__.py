"""Why: the Deployment controller rolls a Deployment's pod template out through ReplicaSets,
one per template: RollingUpdate within maxSurge and maxUnavailable, or Recreate; it pauses,
scales in proportion, keeps ``revisionHistoryLimit`` old sets for ``kubectl rollout undo``,
numbers revisions and reports progress as ``kubectl rollout status`` reads it.

``reconciling`` (with ``rolling``, ``scaling``, ``progress``, ``revisions``, ``replica_sets``
and ``fenceposts``) is the pure decision, ``actions`` its writes, ``controller`` the shell.
"""

from kube_actors.components.controllers.deployment.controller import DeploymentController

__all__ = ["DeploymentController"]
