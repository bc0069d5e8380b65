"""Why: the outcome of scheduling one pod, as the scheduler actor needs it: bind the pod to a
node, or record why it cannot run, in Kubernetes' words so ``kubectl describe pod`` reads as
users expect::

    0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {gpu: true}.

Each node contributes the reasons of the first filter that rejected it (NodeResourcesFit may
give several at once); the counts per reason are listed sorted as text, as Kubernetes sorts
them (so "10 ..." comes before "2 ..."). The placement kernel must produce equal ``Decision``s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from kube_actors.scheduling.framework import Code, Status
from kube_actors.scheduling.pods import PodInfo

NO_NODES_AVAILABLE = "no nodes available to schedule pods"


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one pod goes, or why it cannot go anywhere now.

    - ``node_name``: the chosen node (None when not scheduled); ``score`` its total weighted
      score, the highest of all feasible nodes (the first such node in node order wins ties);
    - ``code``: ``SUCCESS``; ``UNSCHEDULABLE`` when some node rejected the pod for a reason that
      can pass (resources, ports, spreading, anti-affinity); ``UNSCHEDULABLE_AND_UNRESOLVABLE``
      when every rejection was of the kind that waiting on pods cannot fix; ``ERROR``;
    - ``message``: Kubernetes' text for the pod's ``PodScheduled`` condition and
      ``FailedScheduling`` event; ``reasons``: (reason, number of nodes) in message order;
    - ``rejected_by``: the plugins that rejected the pod on some node, sorted (which cluster
      changes could help: a node change for TaintToleration, a pod deletion for
      NodeResourcesFit...).
    """

    namespace: str
    pod_name: str
    node_name: str | None = None
    score: int = 0
    code: Code = Code.SUCCESS
    message: str = ""
    reasons: tuple[tuple[str, int], ...] = ()
    rejected_by: tuple[str, ...] = ()

    @property
    def scheduled(self) -> bool:
        return self.node_name is not None


def reason_counts(statuses: Iterable[Status]) -> tuple[tuple[str, int], ...]:
    """How many nodes gave each reason, in Kubernetes' message order.

    >>> from kube_actors.scheduling.framework import unschedulable
    >>> reason_counts([unschedulable("Insufficient cpu")] * 10 + [unschedulable("Too many pods")] * 2)
    (('Insufficient cpu', 10), ('Too many pods', 2))
    """
    counts = Counter(reason for status in statuses for reason in status.reasons)
    return tuple(sorted(counts.items(), key=lambda item: f"{item[1]} {item[0]}"))


def fit_error_message(node_count: int, reasons: Iterable[tuple[str, int]]) -> str:
    """
    >>> fit_error_message(5, [("Insufficient cpu", 2), ("node(s) were unschedulable", 3)])
    '0/5 nodes are available: 2 Insufficient cpu, 3 node(s) were unschedulable.'
    """
    listed = ", ".join(f"{count} {reason}" for reason, count in reasons)
    return f"0/{node_count} nodes are available: {listed}."


def pre_filter_message(node_count: int, status: Status) -> str:
    """A pod rejected before any node was looked at: the reason replaces the node counts.

    >>> from kube_actors.scheduling.framework import unresolvable
    >>> pre_filter_message(3, unresolvable('persistentvolumeclaim "data" not found'))
    '0/3 nodes are available: persistentvolumeclaim "data" not found.'
    """
    return f"0/{node_count} nodes are available: {status.message}."


def stopped_decision(pod: PodInfo, node_count: int, status: Status) -> Decision:
    """The pod was turned away before any node was looked at (a PreFilter rejection), or the
    cycle ended in an error (whose message is kept as it is)."""
    message = pre_filter_message(node_count, status) if status.is_rejection else status.message
    return Decision(pod.namespace, pod.name, code=status.code, message=message, rejected_by=(status.plugin,))


def unplaced_decision(
    pod: PodInfo,
    node_count: int,
    rejections: Collection[Status],
    reasons: tuple[tuple[str, int], ...],
    narrowed_by: Sequence[str],
) -> Decision:
    """No node passed the filters. ``rejections`` are the nodes' statuses (each naming its
    plugin, but for the nodes a PreFilter's node set left out: those are laid at the door of
    the ``narrowed_by`` plugins), ``reasons`` their counts (``reason_counts``)."""
    plugins = {status.plugin for status in rejections if status.plugin}
    if any(not status.plugin for status in rejections):
        plugins.update(narrowed_by)
    resolvable = any(status.code is Code.UNSCHEDULABLE for status in rejections)
    return Decision(
        pod.namespace,
        pod.name,
        code=Code.UNSCHEDULABLE if resolvable else Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
        message=fit_error_message(node_count, reasons),
        reasons=reasons,
        rejected_by=tuple(sorted(plugins)),
    )
