"""Why: ``kubectl get`` prints the columns the server puts in a ``meta.k8s.io/v1`` Table; given
a plain list it can only show NAME and AGE.

A real apiserver computes those columns itself (kubernetes/kubernetes,
``pkg/printers/internalversion``); this module derives the same columns and cells from our JSON
objects. It is pure: the HTTP front (``http``) asks ``wants_table`` of the Accept header and
turns lists, single objects and watch events into Tables here, passing the current time in as
``now`` so AGE and DURATION can be tested. Like Kubernetes, cells are always computed for
``-o wide``; kubectl hides the priority 1 columns unless asked for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kube_actors.api import status

JsonObject = dict[str, Any]
Cells = list[Any]
Printer = Callable[[JsonObject, float], Cells]
TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT = ("Metadata", "Object", "None")


def wants_table(accept_header: str) -> bool:
    """Whether the client takes a JSON ``meta.k8s.io/v1`` Table (``kubectl get`` does).

    >>> wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    True
    >>> wants_table("application/json")
    False
    """
    for media_range in accept_header.split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        options = {
            key.strip().lower(): value.strip() for key, _, value in (p.partition("=") for p in parameters)
        }
        wanted = {"as": "Table", "g": "meta.k8s.io", "v": "v1"}
        if media_type.lower() == "application/json" and all(options.get(k) == v for k, v in wanted.items()):
            return True
    return False


def table(
    kind: str,
    objects: list[JsonObject],
    *,
    now: float,
    resource_version: str,
    include_object: str = "Metadata",
) -> JsonObject:
    """The Table ``kubectl get`` prints for ``objects`` of ``kind``, one row each.

    ``include_object`` is the ``includeObject`` query parameter: each row carries the object's
    metadata (``Metadata``, the default, enough for ``-L`` and ``--show-labels``), the whole
    object (``Object``, which ``--sort-by`` asks for) or nothing (``None``).
    """
    include_object = parse_include_object(include_object)
    columns, printer = _PRINTERS.get(kind) or _PRINTERS[ANY_KIND]
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [dict(column) for column in columns],
        "rows": [{"cells": printer(obj, now), "object": _row_object(obj, include_object)} for obj in objects],
    }


def table_event(kind: str, event: JsonObject, *, now: float, include_object: str = "Metadata") -> JsonObject:
    """A watch event as ``kubectl get -w`` reads it: the object becomes a one-row Table.

    An ERROR event keeps its Status; a BOOKMARK becomes a Table without rows that carries the
    bookmark's resourceVersion.
    """
    if event["type"] == "ERROR":
        return event
    obj = event["object"]
    rows = [] if event["type"] == "BOOKMARK" else [obj]
    version = _meta(obj).get("resourceVersion", "")
    converted = table(kind, rows, now=now, resource_version=version, include_object=include_object)
    return {"type": event["type"], "object": converted}


def parse_include_object(value: str) -> str:
    """The ``includeObject`` query parameter checked (400 if unknown); empty means ``Metadata``."""
    if (value or "Metadata") not in INCLUDE_OBJECT:
        raise status.BadRequest(f"unrecognized includeObject value: {value!r}")
    return value or "Metadata"


def column_definitions(kind: str) -> list[JsonObject]:
    """The columns of ``kind``'s Table; priority 1 ones are those only ``-o wide`` shows."""
    return [dict(column) for column in (_PRINTERS.get(kind) or _PRINTERS[ANY_KIND])[0]]


def _row_object(obj: JsonObject, include_object: str) -> JsonObject | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION, "metadata": _meta(obj)}


def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration``: two or three significant figures.

    >>> [human_duration(s) for s in (5, 119, 182, 3 * 3600 + 120, 2 * 86400 + 3 * 3600, -5)]
    ['5s', '119s', '3m2s', '3h2m', '2d3h', '<invalid>']
    """
    whole = int(seconds)  # truncated towards zero, as Go converts
    if whole < -1:  # a clock a second behind still reads as "now"
        return "<invalid>"
    minutes, hours = whole // 60, whole // 3600
    days, years = hours // 24, hours // (24 * 365)
    steps = [  # (below this many seconds, the value, its unit, the rest, its unit)
        (120, max(whole, 0), "s", 0, ""),
        (600, minutes, "m", whole % 60, "s"),
        (3 * 3600, minutes, "m", 0, ""),
        (8 * 3600, hours, "h", minutes % 60, "m"),
        (48 * 3600, hours, "h", 0, ""),
        (8 * 86400, days, "d", hours % 24, "h"),
        (2 * 365 * 86400, days, "d", 0, ""),
        (8 * 365 * 86400, years, "y", days % 365, "d"),
    ]
    for below, value, unit, rest, rest_unit in steps:
        if whole < below:
            return f"{value}{unit}{rest}{rest_unit}" if rest else f"{value}{unit}"
    return f"{years}y"


def _seconds(timestamp: object) -> float | None:
    """Unix seconds of an RFC 3339 time (``metav1.Time`` or ``MicroTime``); None if unset."""
    if not isinstance(timestamp, str) or not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _since(timestamp: object, now: float) -> str:
    then = _seconds(timestamp)
    return "<unknown>" if then is None else human_duration(now - then)


# Readers shared by the printers.


def _meta(obj: JsonObject) -> JsonObject:
    return obj.get("metadata") or {}


def _part(obj: JsonObject, key: str) -> JsonObject:
    return obj.get(key) or {}


def _name_age(obj: JsonObject, now: float) -> tuple[str, str]:
    return _meta(obj).get("name", ""), _since(_meta(obj).get("creationTimestamp"), now)


def _condition_true(conditions: Iterable[JsonObject], kind: str) -> bool:
    found = next((c for c in conditions if c.get("type") == kind), {})
    return bool(found.get("status") == "True")


def _labels(labels: JsonObject | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when there are none."""
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items())) or "<none>"


def _selector(selector: JsonObject | None) -> str:
    """A ``LabelSelector`` as Kubernetes writes it: ``app=web,tier in (a,b),!legacy``."""
    selector = selector or {}
    terms = [(key, f"{key}={value}") for key, value in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = ",".join(sorted(expression.get("values") or []))
        written = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "DoesNotExist": f"!{key}",
        }
        terms.append((key, written.get(operator, key)))
    return ",".join(text for _, text in sorted(terms, key=lambda term: term[0]))


def _template_cells(spec: JsonObject, *, selector: bool = True) -> Cells:
    """CONTAINERS, IMAGES and SELECTOR of a workload (``<none>`` for an empty selector)."""
    containers: list[JsonObject] = _part(_part(spec, "template"), "spec").get("containers") or []
    cells: Cells = [
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
    ]
    return [*cells, _selector(spec.get("selector")) or "<none>"] if selector else cells


# The printers, one per kind, registered with their columns.

ANY_KIND = "*"
_PRINTERS: dict[str, tuple[tuple[JsonObject, ...], Printer]] = {}
_ABOUT = {
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


def _prints(
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
            "description": _ABOUT.get(name, ""),
            "priority": int(name in wide),
        }
        for name in ordered
    )

    def register(printer: Printer) -> Printer:
        _PRINTERS[kind] = (columns, printer)
        return printer

    return register


@_prints(ANY_KIND, ("Name", "Age"))  # every kind without a printer of its own, as for custom resources
def _any(obj: JsonObject, now: float) -> Cells:
    return [*_name_age(obj, now)]


@dataclass
class _Restarts:
    """Container restarts, and when the last one happened, for a pod's RESTARTS cell."""

    count: int = 0
    last: float | None = None

    def add(self, container: JsonObject) -> None:
        self.count += int(container.get("restartCount") or 0)
        finished = _seconds(_part(_part(container, "lastState"), "terminated").get("finishedAt"))
        if finished is not None and (self.last is None or finished > self.last):
            self.last = finished

    def cell(self, now: float) -> str:
        if self.count and self.last is not None:
            return f"{self.count} ({human_duration(now - self.last)} ago)"
        return str(self.count)


def _ended(terminated: JsonObject) -> str:
    if terminated.get("reason"):
        return str(terminated["reason"])
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _pod_state(pod: JsonObject, now: float) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, reasoned as kubectl's pod printer does."""
    spec, state = _part(pod, "spec"), _part(pod, "status")
    phase = state.get("phase") or "Pending"  # what Kubernetes sets on create
    reason = state.get("reason") or phase
    conditions = state.get("conditions") or []
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated" for c in conditions):
        reason = "SchedulingGated"
    init_containers = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_containers if c.get("restartPolicy") == "Always"}
    total, ready = len(spec.get("containers") or []) + len(sidecars), 0
    restarts, sidecar_restarts, initializing = _Restarts(), _Restarts(), False
    for index, container in enumerate(state.get("initContainerStatuses") or []):
        restarts.add(container)
        sidecar = container.get("name") in sidecars
        if sidecar:
            sidecar_restarts.add(container)
        terminated, waiting = (
            _part(container, "state").get("terminated"),
            _part(container, "state").get("waiting"),
        )
        if terminated is not None and not terminated.get("exitCode"):
            continue
        if sidecar and container.get("started"):
            ready += bool(container.get("ready"))
            continue
        initializing = True
        if terminated is not None:
            reason = "Init:" + _ended(terminated)
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_containers)}"
        break
    if not initializing or _condition_true(conditions, "Initialized"):
        restarts, running = sidecar_restarts, False
        for container in reversed(state.get("containerStatuses") or []):
            restarts.add(container)
            current = _part(container, "state")
            waiting, terminated = current.get("waiting") or {}, current.get("terminated")
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _ended(terminated)
            elif container.get("ready") and current.get("running") is not None:
                running, ready = True, ready + 1
        if reason == "Completed" and running:  # a container still serving keeps the pod up
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        if state.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return f"{ready}/{total}", reason, restarts.cell(now)


@_prints(
    "Pod",
    ("Name", "Ready", "Status", "Restarts", "Age"),
    wide=("IP", "Node", "Nominated Node", "Readiness Gates"),
)
def _pod(pod: JsonObject, now: float) -> Cells:
    spec, state = _part(pod, "spec"), _part(pod, "status")
    name, age = _name_age(pod, now)
    ready, reason, restarts = _pod_state(pod, now)
    ips = state.get("podIPs") or []
    ip = (ips[0].get("ip") if ips else state.get("podIP")) or "<none>"
    gates = spec.get("readinessGates") or []
    met = sum(_condition_true(state.get("conditions") or [], gate.get("conditionType")) for gate in gates)
    nodes = [spec.get("nodeName") or "<none>", state.get("nominatedNodeName") or "<none>"]
    return [name, ready, reason, restarts, age, ip, *nodes, f"{met}/{len(gates)}" if gates else "<none>"]


@_prints(
    "Node",
    ("Name", "Status", "Roles", "Age", "Version"),
    wide=("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"),
)
def _node(node: JsonObject, now: float) -> Cells:
    state, info = _part(node, "status"), _part(_part(node, "status"), "nodeInfo")
    ready = [c.get("status") for c in state.get("conditions") or [] if c.get("type") == "Ready"]
    health = ["Unknown" if not ready else "Ready" if ready[0] == "True" else "NotReady"]
    if _part(node, "spec").get("unschedulable"):
        health.append("SchedulingDisabled")
    roles = set()
    for key, value in (_meta(node).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key != "node-role.kubernetes.io/":
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    addresses = {a.get("type"): a.get("address") for a in reversed(state.get("addresses") or [])}
    name, age = _name_age(node, now)
    versions = [
        info.get(key) or "<unknown>" for key in ("osImage", "kernelVersion", "containerRuntimeVersion")
    ]
    ips = [addresses.get("InternalIP") or "<none>", addresses.get("ExternalIP") or "<none>"]
    summary = [",".join(health), ",".join(sorted(roles)) or "<none>", age, info.get("kubeletVersion", "")]
    return [name, *summary, *ips, *versions]


@_prints(
    "Deployment",
    ("Name", "Ready", "Up-to-date", "Available", "Age"),
    wide=("Containers", "Images", "Selector"),
)
def _deployment(obj: JsonObject, now: float) -> Cells:
    spec, state = _part(obj, "spec"), _part(obj, "status")
    name, age = _name_age(obj, now)
    ready = f"{state.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    wide = [*_template_cells(spec, selector=False), _selector(spec.get("selector"))]  # no <none> here
    return [name, ready, state.get("updatedReplicas", 0), state.get("availableReplicas", 0), age, *wide]


@_prints(
    "ReplicaSet",
    ("Name", "Desired", "Current", "Ready", "Age"),
    wide=("Containers", "Images", "Selector"),
    integers=("Desired", "Current", "Ready"),
)
def _replica_set(obj: JsonObject, now: float) -> Cells:
    spec, state = _part(obj, "spec"), _part(obj, "status")
    name, age = _name_age(obj, now)
    counts = [spec.get("replicas", 1), state.get("replicas", 0), state.get("readyReplicas", 0)]
    return [name, *counts, age, *_template_cells(spec)]


@_prints("StatefulSet", ("Name", "Ready", "Age"), wide=("Containers", "Images"))
def _stateful_set(obj: JsonObject, now: float) -> Cells:
    spec, state = _part(obj, "spec"), _part(obj, "status")
    name, age = _name_age(obj, now)
    ready = f"{state.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    return [name, ready, age, *_template_cells(spec, selector=False)]


@_prints(
    "DaemonSet",
    ("Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"),
    wide=("Containers", "Images", "Selector"),
    integers=("Desired", "Current", "Ready", "Up-to-date", "Available"),
)
def _daemon_set(obj: JsonObject, now: float) -> Cells:
    spec, state = _part(obj, "spec"), _part(obj, "status")
    name, age = _name_age(obj, now)
    scheduled = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady")
    counts = [state.get(field, 0) for field in (*scheduled, "updatedNumberScheduled", "numberAvailable")]
    node_selector = _labels(_part(_part(spec, "template"), "spec").get("nodeSelector"))
    return [name, *counts, node_selector, age, *_template_cells(spec)]


@_prints(
    "Job", ("Name", "Status", "Completions", "Duration", "Age"), wide=("Containers", "Images", "Selector")
)
def _job(obj: JsonObject, now: float) -> Cells:
    spec, state = _part(obj, "spec"), _part(obj, "status")
    name, age = _name_age(obj, now)
    succeeded, parallelism = state.get("succeeded", 0), spec.get("parallelism") or 0
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    started, finished = _seconds(state.get("startTime")), _seconds(state.get("completionTime"))
    took = "" if started is None else human_duration((now if finished is None else finished) - started)
    conditions = state.get("conditions") or []
    held = {c: _condition_true(conditions, c) for c in ("Complete", "Failed", "Suspended", "FailureTarget")}
    held["Terminating"] = bool(_meta(obj).get("deletionTimestamp"))
    order = ("Complete", "Failed", "Terminating", "Suspended", "FailureTarget")  # the first that holds wins
    phase = next((candidate for candidate in order if held[candidate]), "Running")
    return [name, phase, completions, took, age, *_template_cells(spec)]


def _external_ips(service: JsonObject) -> str:
    spec = _part(service, "spec")
    external = list(spec.get("externalIPs") or [])
    kind = spec.get("type") or "ClusterIP"
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = _part(_part(service, "status"), "loadBalancer").get("ingress") or []
        balancers = sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""})
        return ",".join([*balancers, *external]) or "<pending>"
    return str(spec.get("externalName", "")) if kind == "ExternalName" else "<unknown>"


@_prints("Service", ("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"), wide=("Selector",))
def _service(obj: JsonObject, now: float) -> Cells:
    spec = _part(obj, "spec")
    name, age = _name_age(obj, now)
    cluster_ip = (spec.get("clusterIPs") or [spec.get("clusterIP")])[0] or "<none>"
    ports = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol') or 'TCP'}"
        for p in spec.get("ports") or []
    )
    cells = [spec.get("type") or "ClusterIP", cluster_ip, _external_ips(obj), ports or "<none>"]
    return [name, *cells, age, _labels(spec.get("selector"))]


@_prints(
    "Event",
    (
        "Last Seen",
        "Type",
        "Reason",
        "Object",
        "Subobject",
        "Source",
        "Message",
        "First Seen",
        "Count",
        "Name",
    ),
    wide=("Subobject", "Source", "First Seen", "Count", "Name"),  # among the others, as Kubernetes has them
)
def _event(obj: JsonObject, now: float) -> Cells:
    involved, source, series = _part(obj, "involvedObject"), _part(obj, "source"), obj.get("series")
    first = _since(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last = _since(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 1
    if series:
        last, count = _since(series.get("lastObservedTime"), now), series.get("count", count)
    kind, name = str(involved.get("kind", "")).lower(), involved.get("name")
    component = source.get("component") or obj.get("reportingComponent") or ""
    instance = source.get("host") or obj.get("reportingInstance") or ""
    what = [obj.get("type", ""), obj.get("reason", ""), f"{kind}/{name}" if name else kind]
    origin = [involved.get("fieldPath", ""), f"{component}, {instance}" if instance else component]
    message = str(obj.get("message", "")).strip()
    return [last, *what, *origin, message, first, count, _meta(obj).get("name", "")]


@_prints("Namespace", ("Name", "Status", "Age"))
def _namespace(obj: JsonObject, now: float) -> Cells:
    name, age = _name_age(obj, now)
    # Kubernetes always sets the phase; a namespace created without one is still Active.
    deleting = _meta(obj).get("deletionTimestamp")
    return [name, _part(obj, "status").get("phase") or ("Terminating" if deleting else "Active"), age]
