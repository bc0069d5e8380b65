"""Why: the kube-scheduler's brain without its I/O: a cluster snapshot parsed from Kubernetes
objects, the scheduling framework (plugin Protocols, ``Status``, profiles) and Kubernetes'
plugins, and the plain-Python reference scheduler that the numpy placement kernel
(``kube_actors.placement``) must agree with decision for decision. The scheduler actor wraps
it: it builds a ``Snapshot`` from its informers, calls ``schedule_batch`` (or the kernel), and
binds or reports each ``Decision``.
"""

from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.framework import Code, Status
from kube_actors.scheduling.objects import InvalidObject
from kube_actors.scheduling.pods import DEFAULT_SCHEDULER, PodInfo, PodRequirements, parse_pod
from kube_actors.scheduling.profiles import (
    BIN_PACKING,
    SHIPPED_PROFILES,
    Profile,
    bin_packing_profile,
    default_profile,
    profiles_by_name,
    requested_to_capacity_ratio_profile,
)
from kube_actors.scheduling.reference import Evaluation, evaluate, schedule_batch, schedule_one
from kube_actors.scheduling.snapshot import Snapshot

__all__ = [
    "BIN_PACKING",
    "DEFAULT_SCHEDULER",
    "SHIPPED_PROFILES",
    "Code",
    "Decision",
    "Evaluation",
    "InvalidObject",
    "PodInfo",
    "PodRequirements",
    "Profile",
    "Snapshot",
    "Status",
    "bin_packing_profile",
    "default_profile",
    "evaluate",
    "parse_pod",
    "profiles_by_name",
    "requested_to_capacity_ratio_profile",
    "schedule_batch",
    "schedule_one",
]
