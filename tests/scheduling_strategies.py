"""Builders for Node and Pod objects (as the REST API shows them) and hypothesis strategies that
generate whole scheduling scenarios: nodes, pods already on them, namespaces, volumes, and a
batch of pending pods.

The scheduling tests use them, and so do the placement kernel's property tests, which require
the kernel's decisions to equal the reference scheduler's on every generated scenario. The
vocabularies are small on purpose (three zones, three apps, a few taints and sizes), so that
labels collide, selectors match, nodes fill up and ties happen: every plugin gets to decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from kube_actors.scheduling import (
    Evaluation,
    PodInfo,
    Profile,
    Snapshot,
    default_profile,
    evaluate,
    parse_pod,
)

Json = dict[str, Any]

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"


def node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: int | str = 110,
    labels: Mapping[str, str] | None = None,
    taints: Iterable[Json] = (),
    unschedulable: bool = False,
    images: Iterable[tuple[Sequence[str], int]] = (),
    allocatable: Mapping[str, str] | None = None,
) -> Json:
    """A Node; ``labels`` default to the hostname label; ``images`` are (names, size) pairs."""
    obj: Json = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels) if labels is not None else {HOSTNAME: name}},
        "spec": {},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": str(pods), **(allocatable or {})},
            "images": [{"names": list(names), "sizeBytes": size} for names, size in images],
        },
    }
    if taints:
        obj["spec"]["taints"] = list(taints)
    if unschedulable:
        obj["spec"]["unschedulable"] = True
    return obj


def taint(key: str, value: str = "", effect: str = "NoSchedule") -> Json:
    return {"key": key, "value": value, "effect": effect}


def container(
    name: str = "app",
    *,
    image: str = "app:1",
    cpu: str | None = None,
    memory: str | None = None,
    requests: Mapping[str, str] | None = None,
    host_ports: Iterable[int | tuple[int, str, str]] = (),
    restart_policy: str | None = None,
) -> Json:
    """A container requesting ``cpu``/``memory`` (and ``requests``); host ports are a port or
    (port, protocol, hostIP)."""
    wanted = dict(requests or {})
    if cpu is not None:
        wanted["cpu"] = cpu
    if memory is not None:
        wanted["memory"] = memory
    obj: Json = {"name": name, "image": image, "resources": {"requests": wanted} if wanted else {}}
    ports = []
    for port in host_ports:
        number, protocol, ip = port if isinstance(port, tuple) else (port, "TCP", "")
        ports.append({"containerPort": number, "hostPort": number, "protocol": protocol, "hostIP": ip})
    if ports:
        obj["ports"] = ports
    if restart_policy:
        obj["restartPolicy"] = restart_policy
    return obj


def pod(
    name: str,
    *,
    namespace: str = "default",
    cpu: str | None = None,
    memory: str | None = None,
    labels: Mapping[str, str] | None = None,
    node_name: str | None = None,
    containers: Iterable[Json] | None = None,
    init_containers: Iterable[Json] = (),
    phase: str | None = None,
    terminating: bool = False,
    **spec: Any,
) -> Json:
    """A Pod with one container requesting ``cpu``/``memory`` (or the given ``containers``);
    other ``spec`` fields are passed as keyword arguments in their API spelling."""
    metadata: Json = {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}"}
    if labels:
        metadata["labels"] = dict(labels)
    if terminating:
        metadata["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    body: Json = {
        "containers": list(containers) if containers is not None else [container(cpu=cpu, memory=memory)]
    }
    if init_containers:
        body["initContainers"] = list(init_containers)
    if node_name:
        body["nodeName"] = node_name
    body.update(spec)
    obj: Json = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": body, "status": {}}
    if phase:
        obj["status"]["phase"] = phase
    return obj


def claim(name: str, volume: str | None, namespace: str = "default") -> Json:
    """A PersistentVolumeClaim, bound to ``volume`` unless it is None."""
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"volumeName": volume} if volume else {},
    }


def persistent_volume(name: str, labels: Mapping[str, str] | None = None, hosts: Sequence[str] = ()) -> Json:
    """A PersistentVolume with topology ``labels``, attachable only to ``hosts`` when given."""
    spec: Json = {}
    if hosts:
        term = {"matchExpressions": [{"key": HOSTNAME, "operator": "In", "values": list(hosts)}]}
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [term]}}
    return {"metadata": {"name": name, "labels": dict(labels or {})}, "spec": spec}


@dataclass(frozen=True)
class Scenario:
    """A cluster and a batch of pending pods, all as API objects."""

    nodes: list[Json]
    placed: list[Json]
    pending: list[Json]
    namespaces: list[Json] = field(default_factory=list)
    claims: list[Json] = field(default_factory=list)
    volumes: list[Json] = field(default_factory=list)

    def snapshot(self) -> Snapshot:
        return Snapshot.from_objects(
            self.nodes,
            self.placed,
            namespaces=self.namespaces,
            persistent_volume_claims=self.claims,
            persistent_volumes=self.volumes,
        )

    def pending_pods(self) -> list[PodInfo]:
        return [parse_pod(obj) for obj in self.pending]


APPS = ("web", "db", "cache")
ZONES = ("a", "b", "c")
NAMESPACES = ("default", "other")
IMAGES = (("app:1", 300 * 2**20), ("db:2", 900 * 2**20), ("cache:3", 40 * 2**20), ("big:4", 1500 * 2**20))
TAINTS = (
    taint("dedicated", "gpu"),
    taint("spot", "true", "PreferNoSchedule"),
    taint("maint", "", "NoExecute"),
)
CLAIMS = ("data-zone-a", "data-local-n1", "data-unbound", "data-lost", "data-nowhere")


NAMESPACE_OBJECTS = [
    {"metadata": {"name": "default", "labels": {"env": "prod"}}},
    {"metadata": {"name": "other", "labels": {"env": "dev"}}},
]
# Claims in ``default``: bound to a zone-a disk, to a volume local to n1, unbound, and bound to a
# volume that does not exist; ``data-nowhere`` is not created (a missing claim).
CLAIM_OBJECTS = [
    claim("data-zone-a", "pv-zone-a"),
    claim("data-local-n1", "pv-local-n1"),
    claim("data-unbound", None),
    claim("data-lost", "pv-gone"),
]
VOLUME_OBJECTS = [persistent_volume("pv-zone-a", {ZONE: "a"}), persistent_volume("pv-local-n1", hosts=["n1"])]


@st.composite
def node_objects(draw: st.DrawFn, index: int) -> Json:
    name = f"n{index}"
    labels: dict[str, str] = {}
    if draw(st.integers(0, 9)) > 0:
        labels[HOSTNAME] = name
    if draw(st.integers(0, 5)) > 0:
        labels[ZONE] = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        labels["disk"] = draw(st.sampled_from(("ssd", "hdd")))
    if draw(st.booleans()):
        labels["cores"] = draw(st.sampled_from(("2", "8", "16", "many")))
    extra: dict[str, str] = {}
    if draw(st.booleans()):
        extra["example.com/gpu"] = draw(st.sampled_from(("0", "1", "2")))
    if draw(st.booleans()):
        extra["ephemeral-storage"] = draw(st.sampled_from(("1Gi", "10Gi")))
    images = draw(st.lists(st.sampled_from(IMAGES), max_size=3, unique=True))
    return node(
        name,
        cpu=draw(st.sampled_from(("1", "2", "4", "8", "8"))),
        memory=draw(st.sampled_from(("1Gi", "2Gi", "4Gi", "8Gi"))),
        pods=draw(st.sampled_from((2, 4, 110, 110))),
        labels=labels,
        taints=draw(st.lists(st.sampled_from(TAINTS), max_size=2, unique_by=id))
        if draw(st.integers(0, 2)) == 0
        else [],
        unschedulable=draw(st.integers(0, 14)) == 0,
        images=[((image,), size) for image, size in images],
        allocatable=extra,
    )


def _selector(draw: st.DrawFn) -> Json | None:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return None
    if kind == 1:
        return {}
    if kind < 7:
        return {"matchLabels": {"app": draw(st.sampled_from(APPS))}}
    operator, values = (
        draw(st.sampled_from(("In", "NotIn"))),
        draw(st.lists(st.sampled_from(APPS), min_size=1)),
    )
    return {"matchExpressions": [{"key": "app", "operator": operator, "values": values}]}


def _requirement(draw: st.DrawFn) -> Json:
    operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")))
    if operator in ("Gt", "Lt"):
        return {"key": "cores", "operator": operator, "values": [draw(st.sampled_from(("4", "10")))]}
    key = draw(st.sampled_from((ZONE, "disk")))
    if operator in ("Exists", "DoesNotExist"):
        return {"key": key, "operator": operator}
    values = draw(st.lists(st.sampled_from(ZONES if key == ZONE else ("ssd", "hdd")), min_size=1, max_size=2))
    return {"key": key, "operator": operator, "values": values}


def _node_affinity(draw: st.DrawFn, node_count: int) -> Json:
    affinity: Json = {}
    if draw(st.integers(0, 2)) == 0:
        terms = []
        for _ in range(draw(st.integers(1, 2))):
            term: Json = {"matchExpressions": [_requirement(draw) for _ in range(draw(st.integers(0, 2)))]}
            if draw(st.integers(0, 3)) == 0:
                names = [f"n{i}" for i in draw(st.lists(st.integers(0, node_count), min_size=1, max_size=2))]
                term["matchFields"] = [{"key": "metadata.name", "operator": "In", "values": names[:1]}]
            terms.append(term)
        affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": terms}
    if draw(st.booleans()):
        affinity["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": draw(st.integers(1, 100)), "preference": {"matchExpressions": [_requirement(draw)]}}
            for _ in range(draw(st.integers(1, 2)))
        ]
    return affinity


def _pod_affinity_term(draw: st.DrawFn) -> Json:
    term: Json = {"labelSelector": _selector(draw), "topologyKey": draw(st.sampled_from((ZONE, HOSTNAME)))}
    scope = draw(st.integers(0, 5))
    if scope == 0:
        term["namespaces"] = ["other"]
    elif scope == 1:
        term["namespaceSelector"] = {}
    elif scope == 2:
        term["namespaceSelector"] = {"matchLabels": {"env": "prod"}}
    return term


def _pod_affinity(draw: st.DrawFn) -> Json:
    rules: Json = {}
    if draw(st.booleans()):
        rules["requiredDuringSchedulingIgnoredDuringExecution"] = [_pod_affinity_term(draw)]
    if draw(st.booleans()):
        rules["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": draw(st.integers(1, 100)), "podAffinityTerm": _pod_affinity_term(draw)}
        ]
    return rules


def _spread_constraint(draw: st.DrawFn) -> Json:
    constraint: Json = {
        "maxSkew": draw(st.integers(1, 2)),
        "topologyKey": draw(st.sampled_from((ZONE, HOSTNAME))),
        "whenUnsatisfiable": draw(st.sampled_from(("DoNotSchedule", "ScheduleAnyway"))),
        "labelSelector": _selector(draw),
    }
    optional = {
        "minDomains": st.integers(1, 4),
        "matchLabelKeys": st.just(["tier"]),
        "nodeAffinityPolicy": st.just("Ignore"),
        "nodeTaintsPolicy": st.just("Honor"),
    }
    constraint.update({key: draw(value) for key, value in optional.items() if draw(st.integers(0, 4)) == 0})
    return constraint


@st.composite
def pod_objects(draw: st.DrawFn, name: str, node_count: int, node_name: str | None = None) -> Json:
    """A pod exercising some of every plugin's inputs; bound to ``node_name`` when given."""
    labels = {"app": draw(st.sampled_from(APPS))}
    if draw(st.booleans()):
        labels["tier"] = draw(st.sampled_from(("front", "back")))
    extended = {"example.com/gpu": "1"} if draw(st.integers(0, 5)) == 0 else {}
    if draw(st.integers(0, 5)) == 0:
        extended["ephemeral-storage"] = "2Gi"
    ports = []
    if draw(st.integers(0, 3)) == 0:
        ports = draw(
            st.lists(st.sampled_from((80, 443, (80, "TCP", "10.0.0.1"), (53, "UDP", ""))), max_size=2)
        )
    image = draw(st.sampled_from([image for image, _ in IMAGES] + ["other:9"]))
    main = container(
        image=image,
        cpu=draw(st.sampled_from((None, "0", "100m", "500m", "1", "2"))),
        memory=draw(st.sampled_from((None, "128Mi", "512Mi", "1Gi"))),
        requests=extended,
        host_ports=ports,
    )
    init = []
    if draw(st.integers(0, 4)) == 0:
        policy = draw(st.sampled_from((None, "Always")))
        init.append(
            container("init", image="cache:3", cpu=draw(st.sampled_from(("1", "3"))), restart_policy=policy)
        )
    spec: Json = {
        "schedulerName": draw(st.sampled_from(("default-scheduler", "default-scheduler", "bin-packing")))
    }
    if draw(st.integers(0, 5)) == 0:
        spec["nodeSelector"] = {"disk": draw(st.sampled_from(("ssd", "hdd")))}
    affinity: Json = {}
    if draw(st.integers(0, 3)) == 0:
        affinity["nodeAffinity"] = _node_affinity(draw, node_count)
    if draw(st.integers(0, 2)) == 0:
        affinity["podAffinity"] = _pod_affinity(draw)
    if draw(st.integers(0, 2)) == 0:
        affinity["podAntiAffinity"] = _pod_affinity(draw)
    if affinity:
        spec["affinity"] = affinity
    if draw(st.integers(0, 2)) == 0:
        tolerated = draw(st.lists(st.sampled_from(TAINTS), max_size=2))
        spec["tolerations"] = [
            {"key": t["key"], "operator": "Exists", "effect": t["effect"]} for t in tolerated
        ]
        if draw(st.integers(0, 5)) == 0:
            spec["tolerations"].append({"operator": "Exists"})
    if draw(st.integers(0, 2)) == 0:
        spec["topologySpreadConstraints"] = [_spread_constraint(draw) for _ in range(draw(st.integers(1, 2)))]
    namespace = draw(st.sampled_from(NAMESPACES))
    if namespace == "default" and draw(st.integers(0, 5)) == 0:
        spec["volumes"] = [
            {"name": "data", "persistentVolumeClaim": {"claimName": draw(st.sampled_from(CLAIMS))}}
        ]
    return pod(
        name,
        namespace=namespace,
        labels=labels,
        node_name=node_name,
        containers=[main],
        init_containers=init,
        terminating=node_name is not None and draw(st.integers(0, 9)) == 0,
        phase="Succeeded" if node_name is not None and draw(st.integers(0, 9)) == 0 else None,
        **spec,
    )


@st.composite
def scenarios(draw: st.DrawFn, max_nodes: int = 6, max_placed: int = 8, max_pending: int = 6) -> Scenario:
    """A random cluster (``n0``..) with some pods on it and a batch of pending pods. Most pending
    pods are replicas of a few templates, as a ReplicaSet's are: they share an equivalence
    class and crowd each other (spreading, anti-affinity, ports, resources)."""
    node_count = draw(st.integers(1, max_nodes)) if draw(st.integers(0, 19)) else 0
    nodes = [draw(node_objects(i)) for i in range(node_count)]
    placed = []
    if node_count:
        for i in range(draw(st.integers(0, max_placed))):
            where = f"n{draw(st.integers(0, node_count - 1))}"
            placed.append(draw(pod_objects(f"placed-{i}", node_count, node_name=where)))
    templates = [draw(pod_objects(f"template-{i}", node_count)) for i in range(draw(st.integers(1, 3)))]
    pending = []
    for i in range(draw(st.integers(1, max_pending))):
        if draw(st.integers(0, 3)):
            template = draw(st.sampled_from(templates))
            metadata = {**template["metadata"], "name": f"pending-{i}", "uid": f"uid-pending-{i}"}
            pending.append({**template, "metadata": metadata})
        else:
            pending.append(draw(pod_objects(f"pending-{i}", node_count)))
    return Scenario(nodes, placed, pending, NAMESPACE_OBJECTS, CLAIM_OBJECTS, VOLUME_OBJECTS)


def evaluation(
    nodes: Sequence[Json],
    pending: Json,
    placed: Sequence[Json] = (),
    *,
    profile: Profile | None = None,
    **objects: Sequence[Json],
) -> Evaluation:
    """Filter and score ``pending`` on a snapshot of ``nodes`` and ``placed`` pods (``objects``:
    namespaces, persistent_volume_claims, persistent_volumes) under ``profile`` (the default)."""
    snapshot = Snapshot.from_objects(nodes, placed, **objects)
    return evaluate(snapshot, parse_pod(pending), profile or default_profile())


def verdicts(result: Evaluation) -> dict[str, str]:
    """Per node: "" if it passed the filters, else its reasons."""
    outcome = {name: status.message for name, status in result.rejections.items()}
    outcome.update(dict.fromkeys(result.feasible, ""))
    return dict(sorted(outcome.items()))


def scores(result: Evaluation, plugin: str) -> dict[str, int]:
    """One plugin's normalised scores of the feasible nodes (absent when the plugin skipped)."""
    return dict(zip(result.feasible, result.plugin_scores[plugin], strict=True))
