"""The Tables ``kubectl get`` prints, checked against what kubectl shows for real Kubernetes
(kubernetes/kubernetes, pkg/printers/internalversion and apimachinery's HumanDuration)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.components.apiserver.tables import (
    column_definitions,
    custom_printing,
    human_duration,
    printing_for,
    table,
    table_event,
    wants_table,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()
KUBECTL_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json"
)
Json = dict[str, Any]


def ago(seconds: float) -> str:
    """The RFC 3339 time ``seconds`` before NOW, as the server writes timestamps."""
    return datetime.fromtimestamp(NOW - seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cells(kind: str, obj: Json) -> dict[str, Any]:
    """One object's row, keyed by the header kubectl prints (``-o wide`` included)."""
    rendered = table(printing_for(kind), [obj], now=NOW, resource_version="7")
    headers = [column["name"].upper() for column in rendered["columnDefinitions"]]
    return dict(zip(headers, rendered["rows"][0]["cells"], strict=True))


# -- Content negotiation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        pytest.param(KUBECTL_ACCEPT, True, id="kubectl-get"),
        pytest.param("application/json; as=Table; g=meta.k8s.io; v=v1", True, id="spaces-and-order"),
        pytest.param("application/json", False, id="plain-json"),
        pytest.param("", False, id="no-header"),
        pytest.param("*/*", False, id="anything"),
        pytest.param("application/json;as=Table;v=v1beta1;g=meta.k8s.io", False, id="only-v1beta1"),
        pytest.param("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io", False, id="protobuf"),
        pytest.param(
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", False, id="metadata"
        ),
    ],
)
def test_wants_table_only_for_a_json_v1_table(accept: str, wanted: bool) -> None:
    assert wants_table(accept) is wanted


# -- Durations (apimachinery's HumanDuration) ----------------------------------------------------

MINUTE, HOUR, DAY, YEAR = 60, 3600, 86400, 365 * 86400


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (0.9, "0s"),
        (-1, "0s"),  # a clock a second behind reads as now
        (-2, "<invalid>"),
        (5, "5s"),
        (119, "119s"),
        (2 * MINUTE, "2m"),
        (3 * MINUTE + 2, "3m2s"),
        (9 * MINUTE + 59, "9m59s"),
        (10 * MINUTE + 30, "10m"),
        (179 * MINUTE, "179m"),
        (3 * HOUR, "3h"),
        (3 * HOUR + 2 * MINUTE, "3h2m"),
        (7 * HOUR + 59 * MINUTE, "7h59m"),
        (8 * HOUR + 30 * MINUTE, "8h"),
        (47 * HOUR + 59 * MINUTE, "47h"),
        (2 * DAY, "2d"),
        (2 * DAY + 3 * HOUR, "2d3h"),
        (7 * DAY + 23 * HOUR, "7d23h"),
        (8 * DAY + 5 * HOUR, "8d"),
        (729 * DAY, "729d"),
        (2 * YEAR, "2y"),
        (2 * YEAR + 40 * DAY, "2y40d"),
        (8 * YEAR + 40 * DAY, "8y"),
    ],
)
def test_human_duration(seconds: float, shown: str) -> None:
    assert human_duration(seconds) == shown


@pytest.mark.parametrize(
    ("metadata", "age"),
    [
        ({"creationTimestamp": ago(3 * MINUTE + 2)}, "3m2s"),
        ({"creationTimestamp": ago(2 * DAY + 3 * HOUR)}, "2d3h"),
        ({"creationTimestamp": "2024-05-01T11:59:55.123456Z"}, "4s"),  # MicroTime
        ({}, "<unknown>"),
        ({"creationTimestamp": "yesterday"}, "<unknown>"),
    ],
)
def test_age_counts_from_creation_to_now(metadata: Json, age: str) -> None:
    assert cells("ConfigMap", {"metadata": {"name": "c", **metadata}})["AGE"] == age


# -- Columns ---------------------------------------------------------------------------------------

COLUMNS = {
    "Pod": (
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
    ),
    "Node": (
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
    ),
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    "StatefulSet": (["NAME", "READY", "AGE"], ["CONTAINERS", "IMAGES"]),
    "DaemonSet": (
        ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
        ["CONTAINERS", "IMAGES", "SELECTOR"],
    ),
    "Job": (["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"]),
    "Event": (
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        ["SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"],
    ),
    "Namespace": (["NAME", "STATUS", "AGE"], []),
    "ConfigMap": (["NAME", "AGE"], []),
    "Widget": (["NAME", "AGE"], []),  # a custom resource
}


@pytest.mark.parametrize("kind", COLUMNS)
def test_columns_and_which_only_wide_shows(kind: str) -> None:
    columns = column_definitions(kind)
    shown, wide = COLUMNS[kind]
    assert [c["name"].upper() for c in columns if c["priority"] == 0] == shown
    assert [c["name"].upper() for c in columns if c["priority"] == 1] == wide
    assert {c["format"] for c in columns if c["name"] == "Name"} == {"name"}  # kubectl -o name uses it
    assert all(set(c) == {"name", "type", "format", "description", "priority"} for c in columns)


@pytest.mark.parametrize("kind", COLUMNS)
def test_every_row_fills_every_column_even_for_a_bare_object(kind: str) -> None:
    rendered = table(printing_for(kind), [{"metadata": {"name": "bare"}}, {}], now=NOW, resource_version="1")
    assert all(len(row["cells"]) == len(rendered["columnDefinitions"]) for row in rendered["rows"])


# -- Pods ------------------------------------------------------------------------------------------


def pod(
    phase: str = "Running",
    *containers: Json,
    init: tuple[Json, ...] = (),
    spec: Json | None = None,
    deleting: bool = False,
    **status_fields: Any,
) -> Json:
    """A pod in ``phase`` whose container statuses are ``containers`` (one per spec container)."""
    metadata: Json = {"name": "web-1", "creationTimestamp": ago(90)}
    if deleting:
        metadata["deletionTimestamp"] = ago(1)
    names = [c.get("name", f"c{i}") for i, c in enumerate(containers)] or ["c0"]
    init_names = [c.get("name", f"i{i}") for i, c in enumerate(init)]
    return {
        "metadata": metadata,
        "spec": {
            "containers": [{"name": n, "image": "nginx"} for n in names],
            **({"initContainers": [{"name": n, "image": "busybox"} for n in init_names]} if init else {}),
            **(spec or {}),
        },
        "status": {
            "phase": phase,
            "containerStatuses": [{"name": n, **c} for n, c in zip(names, containers, strict=False)],
            **({"initContainerStatuses": [{"name": n, **c} for n, c in zip(init_names, init, strict=True)]}),
            **status_fields,
        },
    }


RUNNING_READY = {"ready": True, "state": {"running": {"startedAt": ago(80)}}}
RUNNING_NOT_READY = {"ready": False, "state": {"running": {}}}
READY_CONDITION = {"type": "Ready", "status": "True"}


@pytest.mark.parametrize(
    ("obj", "ready", "shown", "restarts"),
    [
        pytest.param(pod("Pending"), "0/1", "Pending", "0", id="pending-no-statuses"),
        pytest.param(pod(""), "0/1", "Pending", "0", id="no-phase-yet-reads-as-pending"),
        pytest.param(pod("Running", RUNNING_READY), "1/1", "Running", "0", id="running"),
        pytest.param(
            pod("Running", RUNNING_READY, RUNNING_NOT_READY), "1/2", "Running", "0", id="one-of-two-ready"
        ),
        pytest.param(
            pod(
                "Running",
                {
                    "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(125)}},
                },
            ),
            "0/1",
            "CrashLoopBackOff",
            "5 (2m5s ago)",
            id="crash-loop-with-last-restart",
        ),
        pytest.param(
            pod("Pending", {"state": {"waiting": {"reason": "ImagePullBackOff"}}}),
            "0/1",
            "ImagePullBackOff",
            "0",
            id="image-pull-back-off",
        ),
        pytest.param(
            pod("Pending", {"state": {"waiting": {"reason": "ErrImagePull"}}}), "0/1", "ErrImagePull", "0"
        ),
        pytest.param(
            pod("Pending", {"state": {"waiting": {"reason": "ContainerCreating"}}}),
            "0/1",
            "ContainerCreating",
            "0",
        ),
        pytest.param(
            pod("Succeeded", {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}),
            "0/1",
            "Completed",
            "0",
            id="completed",
        ),
        pytest.param(
            pod("Failed", {"state": {"terminated": {"exitCode": 1, "reason": "Error"}}}),
            "0/1",
            "Error",
            "0",
            id="error",
        ),
        pytest.param(pod("Failed", {"state": {"terminated": {"exitCode": 137}}}), "0/1", "ExitCode:137", "0"),
        pytest.param(
            pod("Failed", {"state": {"terminated": {"exitCode": 0, "signal": 9}}}), "0/1", "Signal:9", "0"
        ),
        pytest.param(
            pod(
                "Running",
                {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                RUNNING_READY,
                conditions=[READY_CONDITION],
            ),
            "1/2",
            "Running",
            "0",
            id="one-done-one-serving-and-ready",
        ),
        pytest.param(
            pod("Running", {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}, RUNNING_READY),
            "1/2",
            "NotReady",
            "0",
            id="one-done-one-serving-pod-not-ready",
        ),
        pytest.param(
            pod("Running", RUNNING_READY, deleting=True), "1/1", "Terminating", "0", id="terminating"
        ),
        pytest.param(
            pod(
                "Succeeded", {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}, deleting=True
            ),
            "0/1",
            "Completed",
            "0",
            id="deleting-a-finished-pod-is-not-terminating",
        ),
        pytest.param(
            pod("Running", RUNNING_READY, deleting=True, reason="NodeLost"),
            "1/1",
            "Unknown",
            "0",
            id="node-lost",
        ),
        pytest.param(pod("Failed", reason="Evicted"), "0/1", "Evicted", "0", id="evicted"),
        pytest.param(
            pod(
                "Pending",
                conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
            ),
            "0/1",
            "SchedulingGated",
            "0",
        ),
        pytest.param(
            pod(
                "Pending",
                init=({"state": {"running": {}}}, {"state": {"waiting": {"reason": "PodInitializing"}}}),
            ),
            "0/1",
            "Init:0/2",
            "0",
            id="first-init-container-running",
        ),
        pytest.param(
            pod(
                "Pending",
                init=({"state": {"terminated": {"exitCode": 0}}}, {"state": {"running": {}}}),
            ),
            "0/1",
            "Init:1/2",
            "0",
            id="second-init-container-running",
        ),
        pytest.param(
            pod("Pending", init=({"restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},)),
            "0/1",
            "Init:CrashLoopBackOff",
            "3",
            id="init-crash-loop",
        ),
        pytest.param(
            pod("Failed", init=({"state": {"terminated": {"exitCode": 1, "reason": "Error"}}},)),
            "0/1",
            "Init:Error",
            "0",
        ),
        pytest.param(
            pod("Pending", init=({"state": {"terminated": {"exitCode": 2}}},)), "0/1", "Init:ExitCode:2", "0"
        ),
        pytest.param(
            pod(
                "Running",
                RUNNING_READY,
                init=({"started": True, "ready": True, "restartCount": 1, "state": {"running": {}}},),
                spec={"initContainers": [{"name": "i0", "image": "proxy", "restartPolicy": "Always"}]},
            ),
            "2/2",
            "Running",
            "1",
            id="sidecar-counts-as-a-container",
        ),
    ],
)
def test_pod_ready_status_and_restarts(obj: Json, ready: str, shown: str, restarts: str) -> None:
    row = cells("Pod", obj)
    assert (row["NAME"], row["READY"], row["STATUS"], row["RESTARTS"], row["AGE"]) == (
        "web-1",
        ready,
        shown,
        restarts,
        "90s",
    )


def test_pod_wide_columns() -> None:
    bound = pod(
        "Running",
        RUNNING_READY,
        podIP="10.244.1.7",
        podIPs=[{"ip": "10.244.1.7"}, {"ip": "fd00::7"}],
        nominatedNodeName="node-b",
        conditions=[{"type": "example.com/gate", "status": "True"}, READY_CONDITION],
        spec={
            "nodeName": "node-a",
            "readinessGates": [{"conditionType": "example.com/gate"}, {"conditionType": "example.com/other"}],
        },
    )
    row = cells("Pod", bound)
    assert [row["IP"], row["NODE"], row["NOMINATED NODE"], row["READINESS GATES"]] == [
        "10.244.1.7",
        "node-a",
        "node-b",
        "1/2",
    ]
    unbound = cells("Pod", pod("Pending"))
    assert [unbound["IP"], unbound["NODE"], unbound["NOMINATED NODE"], unbound["READINESS GATES"]] == [
        "<none>"
    ] * 4


# -- Nodes -----------------------------------------------------------------------------------------


def node(*conditions: Json, unschedulable: bool = False, labels: Json | None = None) -> Json:
    return {
        "metadata": {"name": "node-a", "creationTimestamp": ago(3 * DAY), "labels": labels or {}},
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {
            "conditions": [{"type": "MemoryPressure", "status": "False"}, *conditions],
            "nodeInfo": {"kubeletVersion": "v1.32.0"},
        },
    }


@pytest.mark.parametrize(
    ("obj", "shown"),
    [
        (node({"type": "Ready", "status": "True"}), "Ready"),
        (node({"type": "Ready", "status": "False"}), "NotReady"),
        (node({"type": "Ready", "status": "Unknown"}), "NotReady"),  # kubectl says NotReady here too
        (node(), "Unknown"),
        (node({"type": "Ready", "status": "True"}, unschedulable=True), "Ready,SchedulingDisabled"),
        (node(unschedulable=True), "Unknown,SchedulingDisabled"),
    ],
)
def test_node_status(obj: Json, shown: str) -> None:
    assert cells("Node", obj)["STATUS"] == shown


@pytest.mark.parametrize(
    ("labels", "roles"),
    [
        ({}, "<none>"),
        ({"node-role.kubernetes.io/control-plane": ""}, "control-plane"),
        ({"node-role.kubernetes.io/worker": "", "kubernetes.io/role": "edge"}, "edge,worker"),
        ({"node-role.kubernetes.io/": "", "kubernetes.io/role": ""}, "<none>"),
    ],
)
def test_node_roles(labels: Json, roles: str) -> None:
    assert cells("Node", node(labels=labels))["ROLES"] == roles


def test_node_row_and_wide_columns() -> None:
    obj = node({"type": "Ready", "status": "True"})
    obj["status"]["addresses"] = [
        {"type": "Hostname", "address": "node-a"},
        {"type": "InternalIP", "address": "172.18.0.2"},
    ]
    obj["status"]["nodeInfo"].update(
        osImage="Debian GNU/Linux 12", containerRuntimeVersion="kube-actors://0.1"
    )
    assert cells("Node", obj) == {
        "NAME": "node-a",
        "STATUS": "Ready",
        "ROLES": "<none>",
        "AGE": "3d",
        "VERSION": "v1.32.0",
        "INTERNAL-IP": "172.18.0.2",
        "EXTERNAL-IP": "<none>",
        "OS-IMAGE": "Debian GNU/Linux 12",
        "KERNEL-VERSION": "<unknown>",
        "CONTAINER-RUNTIME": "kube-actors://0.1",
    }


# -- Workloads -------------------------------------------------------------------------------------

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {
        "containers": [{"name": "web", "image": "nginx:1.25"}, {"name": "log", "image": "fluent-bit:3"}]
    },
}


def workload(spec: Json, status_fields: Json, *, seconds_old: float = 5 * MINUTE) -> Json:
    return {
        "metadata": {"name": "web", "creationTimestamp": ago(seconds_old)},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE, **spec},
        "status": status_fields,
    }


WIDE_TEMPLATE = {"CONTAINERS": "web,log", "IMAGES": "nginx:1.25,fluent-bit:3", "SELECTOR": "app=web"}


@pytest.mark.parametrize(
    ("kind", "obj", "expected"),
    [
        pytest.param(
            "Deployment",
            workload({"replicas": 3}, {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}),
            {"NAME": "web", "READY": "2/3", "UP-TO-DATE": 3, "AVAILABLE": 2, "AGE": "5m", **WIDE_TEMPLATE},
            id="deployment",
        ),
        pytest.param(
            "Deployment",
            workload({}, {}),
            {"NAME": "web", "READY": "0/1", "UP-TO-DATE": 0, "AVAILABLE": 0, "AGE": "5m", **WIDE_TEMPLATE},
            id="deployment-new-with-default-replicas",
        ),
        pytest.param(
            "ReplicaSet",
            workload({"replicas": 3}, {"replicas": 3, "readyReplicas": 1}),
            {"NAME": "web", "DESIRED": 3, "CURRENT": 3, "READY": 1, "AGE": "5m", **WIDE_TEMPLATE},
            id="replicaset",
        ),
        pytest.param(
            "StatefulSet",
            workload({"replicas": 2}, {"readyReplicas": 2}),
            {
                "NAME": "web",
                "READY": "2/2",
                "AGE": "5m",
                "CONTAINERS": "web,log",
                "IMAGES": "nginx:1.25,fluent-bit:3",
            },
            id="statefulset",
        ),
        pytest.param(
            "DaemonSet",
            workload(
                {
                    "template": {
                        **TEMPLATE,
                        "spec": {**TEMPLATE["spec"], "nodeSelector": {"zone": "b", "disk": "ssd"}},
                    }
                },
                {
                    "desiredNumberScheduled": 3,
                    "currentNumberScheduled": 3,
                    "numberReady": 2,
                    "updatedNumberScheduled": 3,
                    "numberAvailable": 2,
                },
            ),
            {
                "NAME": "web",
                "DESIRED": 3,
                "CURRENT": 3,
                "READY": 2,
                "UP-TO-DATE": 3,
                "AVAILABLE": 2,
                "NODE SELECTOR": "disk=ssd,zone=b",
                "AGE": "5m",
                **WIDE_TEMPLATE,
            },
            id="daemonset",
        ),
    ],
)
def test_workload_rows(kind: str, obj: Json, expected: Json) -> None:
    assert cells(kind, obj) == expected


@pytest.mark.parametrize(
    ("selector", "deployment", "others"),
    [
        ({"matchLabels": {"tier": "front", "app": "web"}}, "app=web,tier=front", "app=web,tier=front"),
        (
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "track", "operator": "In", "values": ["stable", "canary"]},
                    {"key": "env", "operator": "NotIn", "values": ["dev"]},
                    {"key": "legacy", "operator": "DoesNotExist"},
                    {"key": "owner", "operator": "Exists"},
                ],
            },
            "app=web,env notin (dev),!legacy,owner,track in (canary,stable)",
            "app=web,env notin (dev),!legacy,owner,track in (canary,stable)",
        ),
        ({}, "", "<none>"),  # kubectl's deployment printer leaves an empty selector blank
    ],
)
def test_selector_cells(selector: Json, deployment: str, others: str) -> None:
    assert cells("Deployment", workload({"selector": selector}, {}))["SELECTOR"] == deployment
    assert cells("ReplicaSet", workload({"selector": selector}, {}))["SELECTOR"] == others


def job(spec: Json, status_fields: Json, *, deleting: bool = False) -> Json:
    obj = workload(spec, status_fields, seconds_old=10 * MINUTE)
    if deleting:
        obj["metadata"]["deletionTimestamp"] = ago(1)
    return obj


def condition(kind: str) -> Json:
    return {"type": kind, "status": "True"}


@pytest.mark.parametrize(
    ("obj", "shown", "completions", "duration"),
    [
        pytest.param(job({"completions": 1}, {}), "Running", "0/1", "", id="not-started"),
        pytest.param(
            job({"completions": 3}, {"succeeded": 1, "startTime": ago(150)}),
            "Running",
            "1/3",
            "2m30s",
            id="running",
        ),
        pytest.param(
            job(
                {"completions": 1},
                {
                    "succeeded": 1,
                    "startTime": ago(400),
                    "completionTime": ago(100),
                    "conditions": [condition("Complete")],
                },
            ),
            "Complete",
            "1/1",
            "5m",
            id="complete",
        ),
        pytest.param(
            job({"completions": 1}, {"failed": 6, "startTime": ago(60), "conditions": [condition("Failed")]}),
            "Failed",
            "0/1",
            "60s",
            id="failed",
        ),
        pytest.param(
            job({"completions": 1, "suspend": True}, {"conditions": [condition("Suspended")]}),
            "Suspended",
            "0/1",
            "",
            id="suspended",
        ),
        pytest.param(job({"completions": 1}, {}, deleting=True), "Terminating", "0/1", "", id="terminating"),
        pytest.param(job({"parallelism": 4}, {"succeeded": 2}), "Running", "2/1 of 4", "", id="work-queue"),
        pytest.param(job({}, {}), "Running", "0/1", "", id="defaults"),
    ],
)
def test_job_rows(obj: Json, shown: str, completions: str, duration: str) -> None:
    row = cells("Job", obj)
    assert (row["STATUS"], row["COMPLETIONS"], row["DURATION"], row["AGE"]) == (
        shown,
        completions,
        duration,
        "10m",
    )
    assert row["SELECTOR"] == "app=web"


# -- Services, events, namespaces -------------------------------------------------------------------


def service(spec: Json, status_fields: Json | None = None) -> Json:
    return {
        "metadata": {"name": "web", "creationTimestamp": ago(45)},
        "spec": spec,
        "status": status_fields or {},
    }


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            service(
                {
                    "type": "ClusterIP",
                    "clusterIP": "10.96.0.10",
                    "clusterIPs": ["10.96.0.10"],
                    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                    "selector": {"k8s-app": "kube-dns"},
                }
            ),
            ["ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "45s", "k8s-app=kube-dns"],
            id="cluster-ip",
        ),
        pytest.param(
            service(
                {"type": "NodePort", "clusterIP": "10.96.3.4", "ports": [{"port": 80, "nodePort": 30080}]}
            ),
            ["NodePort", "10.96.3.4", "<none>", "80:30080/TCP", "45s", "<none>"],
            id="node-port-default-protocol",
        ),
        pytest.param(
            service({"type": "LoadBalancer", "clusterIPs": ["10.96.5.5"], "ports": [{"port": 443}]}),
            ["LoadBalancer", "10.96.5.5", "<pending>", "443/TCP", "45s", "<none>"],
            id="load-balancer-pending",
        ),
        pytest.param(
            service(
                {
                    "type": "LoadBalancer",
                    "clusterIPs": ["10.96.5.5"],
                    "externalIPs": ["192.0.2.9"],
                    "ports": [],
                },
                {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "lb.example.com"}]}},
            ),
            ["LoadBalancer", "10.96.5.5", "203.0.113.7,lb.example.com,192.0.2.9", "<none>", "45s", "<none>"],
            id="load-balancer-ready",
        ),
        pytest.param(
            service({"type": "ExternalName", "externalName": "db.example.com"}),
            ["ExternalName", "<none>", "db.example.com", "<none>", "45s", "<none>"],
            id="external-name",
        ),
        pytest.param(
            service({"clusterIP": "None", "ports": [{"port": 80}], "selector": {"app": "web"}}),
            ["ClusterIP", "None", "<none>", "80/TCP", "45s", "app=web"],
            id="headless-with-defaults",
        ),
    ],
)
def test_service_rows(obj: Json, expected: list[str]) -> None:
    row = cells("Service", obj)
    assert row["NAME"] == "web"
    assert [row[h] for h in ("TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR")] == expected


def test_event_rows() -> None:
    event = {
        "metadata": {"name": "web-1.17c3", "creationTimestamp": ago(300)},
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{web}"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container\n",
        "type": "Warning",
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": ago(300),
        "lastTimestamp": ago(20),
        "count": 7,
    }
    assert cells("Event", event) == {
        "LAST SEEN": "20s",
        "TYPE": "Warning",
        "REASON": "BackOff",
        "OBJECT": "pod/web-1",
        "SUBOBJECT": "spec.containers{web}",
        "SOURCE": "kubelet, node-a",
        "MESSAGE": "Back-off restarting failed container",
        "FIRST SEEN": "5m",
        "COUNT": 7,
        "NAME": "web-1.17c3",
    }
    new_style = {
        "metadata": {"name": "n1"},
        "involvedObject": {"kind": "Node"},
        "eventTime": "2024-05-01T11:59:00.000000Z",
        "series": {"count": 3, "lastObservedTime": "2024-05-01T11:59:50.000000Z"},
        "reportingComponent": "scheduler",
        "type": "Normal",
        "reason": "Scheduled",
    }
    row = cells("Event", new_style)
    assert (row["LAST SEEN"], row["FIRST SEEN"], row["COUNT"], row["OBJECT"], row["SOURCE"]) == (
        "10s",
        "60s",
        3,
        "node",
        "scheduler",
    )


@pytest.mark.parametrize(
    ("obj", "shown"),
    [
        ({"metadata": {"name": "default"}, "status": {"phase": "Active"}}, "Active"),
        ({"metadata": {"name": "old"}, "status": {"phase": "Terminating"}}, "Terminating"),
        ({"metadata": {"name": "fresh"}}, "Active"),
        ({"metadata": {"name": "going", "deletionTimestamp": ago(1)}}, "Terminating"),
    ],
)
def test_namespace_status(obj: Json, shown: str) -> None:
    assert cells("Namespace", obj)["STATUS"] == shown


# -- The Table around the rows ---------------------------------------------------------------------

CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
        "name": "settings",
        "namespace": "default",
        "labels": {"app": "web"},
        "resourceVersion": "41",
    },
    "data": {"color": "blue"},
}


def test_a_table_carries_each_objects_metadata_for_kubectl() -> None:
    rendered = table(printing_for("ConfigMap"), [CONFIG_MAP], now=NOW, resource_version="42")
    assert {key: rendered[key] for key in ("kind", "apiVersion", "metadata")} == {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "42"},
    }
    assert rendered["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": CONFIG_MAP["metadata"],
    }


@pytest.mark.parametrize(
    ("include", "kind_of_row_object"),
    [("Object", "ConfigMap"), ("Metadata", "PartialObjectMetadata"), ("", "PartialObjectMetadata")],
)
def test_include_object_chooses_what_each_row_carries(include: str, kind_of_row_object: str) -> None:
    rendered = table(
        printing_for("ConfigMap"), [CONFIG_MAP], now=NOW, resource_version="42", include_object=include
    )
    assert rendered["rows"][0]["object"]["kind"] == kind_of_row_object
    nothing = table(
        printing_for("ConfigMap"), [CONFIG_MAP], now=NOW, resource_version="42", include_object="None"
    )
    assert nothing["rows"][0]["object"] is None


def test_an_unknown_include_object_is_a_bad_request() -> None:
    with pytest.raises(status.ApiError, check=lambda error: error.code == 400):
        table(
            printing_for("ConfigMap"),
            [CONFIG_MAP],
            now=NOW,
            resource_version="42",
            include_object="Everything",
        )


def test_an_empty_list_still_has_its_columns() -> None:
    rendered = table(printing_for("Pod"), [], now=NOW, resource_version="9")
    assert rendered["rows"] == [] and len(rendered["columnDefinitions"]) == 9


def test_watch_events_become_one_row_tables() -> None:
    modified = table_event(printing_for("ConfigMap"), {"type": "MODIFIED", "object": CONFIG_MAP}, now=NOW)
    assert modified["type"] == "MODIFIED"
    assert modified["object"]["kind"] == "Table"
    assert modified["object"]["metadata"] == {"resourceVersion": "41"}
    assert [row["cells"][0] for row in modified["object"]["rows"]] == ["settings"]
    assert [c["name"] for c in modified["object"]["columnDefinitions"]] == ["Name", "Age"]


def test_watch_errors_stay_statuses_and_bookmarks_carry_their_version() -> None:
    expired = {"type": "ERROR", "object": status.Gone("too old resource version").status()}
    assert table_event(printing_for("Pod"), expired, now=NOW) == expired
    bookmark = {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "77"}}}
    converted = table_event(printing_for("Pod"), bookmark, now=NOW)["object"]
    assert (converted["kind"], converted["metadata"], converted["rows"]) == (
        "Table",
        {"resourceVersion": "77"},
        [],
    )


def test_a_custom_resource_prints_its_definitions_columns() -> None:
    columns = [
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
        {"name": "Ports", "type": "string", "jsonPath": ".spec.ports[*].port", "priority": 1},
        {"name": "Missing", "type": "string", "jsonPath": ".spec.nothing"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    database = {
        "metadata": {"name": "orders", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"replicas": 3, "ports": [{"port": 5432}, {"port": 8080}]},
        "status": {
            "conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]
        },
    }
    rendered = table(custom_printing(columns), [database], now=NOW, resource_version="5")
    assert [c["name"] for c in rendered["columnDefinitions"]] == [
        "Name",
        "Replicas",
        "Ready",
        "Ports",
        "Missing",
        "Age",
    ]
    assert rendered["columnDefinitions"][3]["priority"] == 1
    assert rendered["rows"][0]["cells"] == [
        "orders",
        3,
        "True",
        "5432,8080",
        None,
        human_duration(NOW - 1767225600),
    ]
