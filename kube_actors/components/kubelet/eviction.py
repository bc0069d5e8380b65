"""Why: when a node runs short of memory the kubelet must choose whom to sacrifice, and
Kubernetes' answer is the noisy-neighbour mitigation the chapter describes: pods using more
than they requested go first (every BestEffort pod, then Burstable pods above their requests),
lower priority before higher, the largest excess first; Guaranteed pods, which never exceed
their requests, go last. This is the eviction manager's memory signal, ranking and pressure
bookkeeping (the MemoryPressure condition lingers for a transition period after the
threshold clears). Pure: usage and times are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kube_actors.api.quantity import Quantity


@dataclass(frozen=True, slots=True)
class PodMemory:
    """One pod's memory use against its request (bytes) and its priority."""

    uid: str
    usage: int
    request: int
    priority: int = 0
    largest_container: str = ""
    """The container using the most memory, named in the eviction message."""
    largest_usage: int = 0
    largest_request: int = 0


def eviction_order(pods: list[PodMemory]) -> list[PodMemory]:
    """Pods in the order the kubelet evicts them under memory pressure (``rankMemoryPressure``).

    >>> pods = [PodMemory("guaranteed", 100, 100), PodMemory("best-effort", 50, 0),
    ...         PodMemory("burstable", 300, 100), PodMemory("important", 500, 0, priority=1000)]
    >>> [p.uid for p in eviction_order(pods)]
    ['burstable', 'best-effort', 'important', 'guaranteed']
    """
    return sorted(pods, key=lambda p: (p.usage <= p.request, p.priority, -(p.usage - p.request)))


def eviction_message(pod: PodMemory, threshold: str, available: int) -> str:
    """What an evicted pod's ``status.message`` says, as the kubelet words it."""
    message = (
        f"The node was low on resource: memory. Threshold quantity: {threshold}, "
        f"available: {_kibibytes(available)}. "
    )
    if pod.largest_container and pod.largest_usage > pod.largest_request:
        request = Quantity(Fraction(pod.largest_request), "BinarySI") if pod.largest_request else 0
        message += (
            f"Container {pod.largest_container} was using {_kibibytes(pod.largest_usage)}, "
            f"request is {request}, has larger consumption of memory. "
        )
    return message


def _kibibytes(amount: int) -> str:
    return f"{max(amount, 0) // 1024}Ki"


class MemoryPressure:
    """Whether the node is under memory pressure: from the moment the threshold is crossed
    until ``transition_period`` seconds after it was last crossed.

    >>> pressure = MemoryPressure(transition_period=300)
    >>> [pressure.observe(short=short, now=now) for short, now in ((True, 0), (False, 100), (False, 301))]
    [True, True, False]
    """

    def __init__(self, transition_period: float) -> None:
        self.transition_period = transition_period
        self._last_short: float | None = None

    def observe(self, *, short: bool, now: float) -> bool:
        if short:
            self._last_short = now
        return self._last_short is not None and now - self._last_short < self.transition_period
