"""Why: two pods cannot claim the same host port (protocol and port) on one node; a claim on
``0.0.0.0`` conflicts with the same port on any address. Filter only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

from kube_actors.scheduling.framework import (
    PROCEED,
    SKIPPED,
    SUCCESS,
    CycleState,
    PreFilterResult,
    Status,
    unschedulable,
)
from kube_actors.scheduling.nodes import NodeInfo
from kube_actors.scheduling.pods import BIND_ALL_ADDRESS, HostPort, PodInfo
from kube_actors.scheduling.snapshot import Snapshot

REASON = "node(s) didn't have free ports for the requested pod ports"
_REJECTED = unschedulable(REASON)


@dataclass(frozen=True)
class NodePorts:
    name: ClassVar[str] = "NodePorts"

    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        return PROCEED if pod.requirements.host_ports else SKIPPED

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        used = node.used_ports
        if used and any(conflicts(wanted, used) for wanted in pod.requirements.host_ports):
            return _REJECTED
        return SUCCESS


def conflicts(wanted: HostPort, used: Counter[HostPort]) -> bool:
    """Whether ``wanted`` clashes with a port already claimed on the node (``HostPortInfo.CheckConflict``).

    >>> used = Counter([HostPort("10.0.0.1", "TCP", 80)])
    >>> conflicts(HostPort("0.0.0.0", "TCP", 80), used), conflicts(HostPort("10.0.0.2", "TCP", 80), used)
    (True, False)
    """
    if wanted.ip == BIND_ALL_ADDRESS:
        return any(port.protocol == wanted.protocol and port.port == wanted.port for port in used)
    return used[HostPort(BIND_ALL_ADDRESS, wanted.protocol, wanted.port)] > 0 or used[wanted] > 0
