"""Why: the core/v1 kinds besides Pod that ``kubectl get`` users read most, Node, Service,
Event and Namespace, each print a few derived cells (a node's roles and health, a service's
external IPs and ports, an event's source and repeats) that belong to no other group.

Registers their printers with ``columns``; reads objects through ``fields`` and times through
``durations``.
"""

from __future__ import annotations

from kube_actors.components.apiserver.tables.columns import Cells, prints
from kube_actors.components.apiserver.tables.durations import elapsed_since
from kube_actors.components.apiserver.tables.fields import JsonObject, format_labels, meta, name_age, part


@prints(
    "Node",
    ("Name", "Status", "Roles", "Age", "Version"),
    wide=("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"),
)
def _node(node: JsonObject, now: float) -> Cells:
    state, info = part(node, "status"), part(part(node, "status"), "nodeInfo")
    ready = [c.get("status") for c in state.get("conditions") or [] if c.get("type") == "Ready"]
    health = ["Unknown" if not ready else "Ready" if ready[0] == "True" else "NotReady"]
    if part(node, "spec").get("unschedulable"):
        health.append("SchedulingDisabled")
    roles = set()
    for key, value in (meta(node).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key != "node-role.kubernetes.io/":
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    addresses = {a.get("type"): a.get("address") for a in reversed(state.get("addresses") or [])}
    name, age = name_age(node, now)
    versions = [
        info.get(key) or "<unknown>" for key in ("osImage", "kernelVersion", "containerRuntimeVersion")
    ]
    ips = [addresses.get("InternalIP") or "<none>", addresses.get("ExternalIP") or "<none>"]
    summary = [",".join(health), ",".join(sorted(roles)) or "<none>", age, info.get("kubeletVersion", "")]
    return [name, *summary, *ips, *versions]


def _external_ips(service: JsonObject) -> str:
    spec = part(service, "spec")
    external = list(spec.get("externalIPs") or [])
    kind = spec.get("type") or "ClusterIP"
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = part(part(service, "status"), "loadBalancer").get("ingress") or []
        balancers = sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""})
        return ",".join([*balancers, *external]) or "<pending>"
    return str(spec.get("externalName", "")) if kind == "ExternalName" else "<unknown>"


@prints("Service", ("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"), wide=("Selector",))
def _service(obj: JsonObject, now: float) -> Cells:
    spec = part(obj, "spec")
    name, age = name_age(obj, now)
    cluster_ip = (spec.get("clusterIPs") or [spec.get("clusterIP")])[0] or "<none>"
    ports = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol') or 'TCP'}"
        for p in spec.get("ports") or []
    )
    cells = [spec.get("type") or "ClusterIP", cluster_ip, _external_ips(obj), ports or "<none>"]
    return [name, *cells, age, format_labels(spec.get("selector"))]


@prints(
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
    involved, source, series = part(obj, "involvedObject"), part(obj, "source"), obj.get("series")
    first = elapsed_since(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last = elapsed_since(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 1
    if series:
        last, count = elapsed_since(series.get("lastObservedTime"), now), series.get("count", count)
    kind, name = str(involved.get("kind", "")).lower(), involved.get("name")
    component = source.get("component") or obj.get("reportingComponent") or ""
    instance = source.get("host") or obj.get("reportingInstance") or ""
    what = [obj.get("type", ""), obj.get("reason", ""), f"{kind}/{name}" if name else kind]
    origin = [involved.get("fieldPath", ""), f"{component}, {instance}" if instance else component]
    message = str(obj.get("message", "")).strip()
    return [last, *what, *origin, message, first, count, meta(obj).get("name", "")]


@prints("Namespace", ("Name", "Status", "Age"))
def _namespace(obj: JsonObject, now: float) -> Cells:
    name, age = name_age(obj, now)
    # Kubernetes always sets the phase; a namespace created without one is still Active.
    deleting = meta(obj).get("deletionTimestamp")
    return [name, part(obj, "status").get("phase") or ("Terminating" if deleting else "Active"), age]
