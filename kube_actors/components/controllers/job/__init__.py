"""Why: Kubernetes' Job controller: run pods to a number of completions, retry failures up to
a limit, stop at a deadline, and clean up after a while. ``pods`` and ``counting`` read the
pods, ``syncing`` decides, ``controller`` is the actor."""

from kube_actors.components.controllers.job.controller import JobController

__all__ = ["JobController"]
