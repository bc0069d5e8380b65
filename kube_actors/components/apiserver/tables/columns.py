"""Why: a Table's column definitions must match, in order, the cells its printer fills, so each
printer declares its columns where it is written, with ``@prints``, and this registry keeps the
two together by kind.

The printers register themselves in ``pods``, ``workloads`` and ``core``; a kind without one of
its own (a custom resource, say) gets NAME and AGE, as kubectl shows for any list. The package's
``table`` looks both up here. Kubernetes fills each column's required ``description`` from the
API docs; kubectl never shows it, so ours are one line each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_actors.components.apiserver.tables.fields import JsonObject, name_age

Cells = list[Any]
Printer = Callable[[JsonObject, float], Cells]
ANY_KIND = "*"
_PRINTERS: dict[str, tuple[tuple[JsonObject, ...], Printer]] = {}
_DESCRIPTIONS = {
    "Name": "Name must be unique within a namespace.",
    "Age": "Time since the object was created (metadata.creationTimestamp).",
    "Ready": "Ready containers, or ready replicas, out of those wanted.",
    "Status": "The aggregate status of the object.",
    "Restarts": "How often the pod's containers restarted, and when they last did.",
    "IP": "The pod's IP address.",
    "Node": "The node the pod is bound to.",
    "Nominated Node": "The node the scheduler nominated for the pod while preempting others.",
    "Readiness Gates": "How many of the pod's readiness gates are met.",
    "Roles": "The roles of the node (node-role.kubernetes.io/ labels).",
    "Version": "The kubelet version the node reports.",
    "Internal-IP": "The node's internal address.",
    "External-IP": "Addresses from outside the cluster.",
    "OS-Image": "The OS image the node reports.",
    "Kernel-Version": "The kernel version the node reports.",
    "Container-Runtime": "The container runtime the node reports.",
    "Desired": "Pods wanted.",
    "Current": "Pods that exist.",
    "Up-to-date": "Pods that run the current template.",
    "Available": "Pods available to serve.",
    "Node Selector": "The nodes the daemon's pods may run on.",
    "Containers": "Names of each container in the template.",
    "Images": "Images referenced by each container in the template.",
    "Selector": "The label selector of the pods it manages or routes to.",
    "Completions": "Succeeded pods out of the completions wanted.",
    "Duration": "Time the job took, or has taken so far.",
    "Type": "The service's type, or the event's (Normal or Warning).",
    "Cluster-IP": "The service's virtual IP inside the cluster.",
    "Port(s)": "The ports the service exposes.",
    "Last Seen": "When the event was last seen.",
    "Reason": "Why the event happened, in one word.",
    "Object": "The object the event is about.",
    "Subobject": "The part of the object the event is about.",
    "Source": "The component that reported the event.",
    "Message": "What happened.",
    "First Seen": "When the event was first seen.",
    "Count": "How many times the event happened.",
}


def prints(
    kind: str, names: tuple[str, ...], wide: tuple[str, ...] = (), integers: tuple[str, ...] = ()
) -> Callable[[Printer], Printer]:
    """Registers ``kind``'s printer; its cells fill ``names``, then the ``wide`` columns not among
    them. The ``wide`` ones have priority 1: kubectl shows them for ``-o wide`` only."""
    ordered = (*names, *(name for name in wide if name not in names))
    columns = tuple(
        {
            "name": name,
            "type": "integer" if name in integers else "string",
            "format": "name" if name == "Name" else "",
            "description": _DESCRIPTIONS.get(name, ""),
            "priority": int(name in wide),
        }
        for name in ordered
    )

    def register(printer: Printer) -> Printer:
        _PRINTERS[kind] = (columns, printer)
        return printer

    return register


def column_definitions(kind: str) -> list[JsonObject]:
    """The columns of ``kind``'s Table; priority 1 ones are those only ``-o wide`` shows."""
    return [dict(column) for column in _registered(kind)[0]]


def printer_for(kind: str) -> Printer:
    """What fills a row of ``kind``'s Table from an object and the time ``now``."""
    return _registered(kind)[1]


def _registered(kind: str) -> tuple[tuple[JsonObject, ...], Printer]:
    return _PRINTERS.get(kind) or _PRINTERS[ANY_KIND]


@prints(ANY_KIND, ("Name", "Age"))  # every kind without a printer of its own, as for custom resources
def _any(obj: JsonObject, now: float) -> Cells:
    return [*name_age(obj, now)]
