"""Why: the controller-manager's level-triggered loops (ReplicaSet, Deployment, StatefulSet,
DaemonSet, Job, garbage collector, namespaces, node lifecycle, volumes), each a pure reconcile
core inside a ``Controller`` shell (``base.py``)."""
