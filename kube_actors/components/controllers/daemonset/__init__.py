"""Why: Kubernetes' DaemonSet controller: one pod on every eligible node, including nodes that
join later, updated node by node. ``eligibility`` says which nodes, ``pods`` makes and reads
the pods, ``rolling`` updates, ``syncing`` decides, ``controller`` is the actor."""

from kube_actors.components.controllers.daemonset.controller import DaemonSetController

__all__ = ["DaemonSetController"]
