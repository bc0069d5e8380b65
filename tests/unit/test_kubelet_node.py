"""Node-level decisions of the kubelet: admission, memory-pressure eviction, node status and
Lease, pod IPs, logs."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.components.kubelet.base import LogLine
from kube_actors.components.kubelet.config import KubeletConfig, node_pool
from kube_actors.components.kubelet.eviction import MemoryPressure, PodMemory, eviction_order
from kube_actors.components.kubelet.ipam import PodAddresses
from kube_actors.components.kubelet.logs import LogQuery, read_lines
from kube_actors.components.kubelet.node_status import (
    NodeConditions,
    StatusReports,
    lease_object,
    node_object,
)
from kube_actors.components.kubelet.resources import qos_class
from tests.unit.kubelet_driver import Node, StartContainer, StopContainer, make_pod

MI = 1024 * 1024


def resources(
    requests: dict[str, str] | None = None, limits: dict[str, str] | None = None
) -> dict[str, object]:
    given: dict[str, object] = {}
    if requests:
        given["requests"] = requests
    if limits:
        given["limits"] = limits
    return {"resources": given}


@pytest.mark.parametrize(
    ("container", "qos"),
    [
        ({}, "BestEffort"),
        (resources({"memory": "64Mi"}), "Burstable"),
        (resources({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}), "Guaranteed"),
        (resources({"cpu": "1", "memory": "1Gi"}, {"cpu": "2", "memory": "1Gi"}), "Burstable"),
    ],
)
def test_qos_classes(container: dict[str, object], qos: str) -> None:
    assert qos_class({"spec": {"containers": [container]}}) == qos


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"container_app": resources({"cpu": "5"})}, "OutOfcpu"),
        ({"container_app": resources({"memory": "17Gi"})}, "OutOfmemory"),
        ({"nodeSelector": {"disktype": "ssd"}}, "NodeAffinity"),
    ],
)
def test_a_pod_that_does_not_fit_is_refused(spec: dict[str, Any], reason: str) -> None:
    node, pod = Node(), make_pod(**spec)
    node.add(pod)
    assert not node.of_type(StartContainer)
    status_ = node.status(pod)
    assert status_["phase"] == "Failed" and status_["reason"] == reason
    assert status_["message"].startswith("Pod was rejected:")


def test_pods_are_admitted_until_the_node_is_full() -> None:
    node = Node(config=KubeletConfig("node-1", capacity={"cpu": "1", "memory": "1Gi", "pods": "3"}))
    for index in range(4):
        node.add(make_pod(f"p{index}", container_app=resources({"cpu": "200m"})))
    phases = [node.status(make_pod(f"p{i}"))["phase"] for i in range(4)]
    assert phases == ["Running", "Running", "Running", "Failed"]
    assert node.status(make_pod("p3"))["reason"] == "OutOfpods"


def test_eviction_order_follows_requests_priority_and_excess() -> None:
    pods = [
        PodMemory("guaranteed", usage=400 * MI, request=512 * MI),
        PodMemory("burstable-within", usage=100 * MI, request=200 * MI),
        PodMemory("burstable-above", usage=300 * MI, request=100 * MI),
        PodMemory("best-effort", usage=400 * MI, request=0),
        PodMemory("best-effort-critical", usage=900 * MI, request=0, priority=2_000_000_000),
    ]
    assert [p.uid for p in eviction_order(pods)] == [
        "best-effort",  # 400 Mi above its request
        "burstable-above",  # 200 Mi above
        "best-effort-critical",  # above its request too, but of higher priority
        "burstable-within",  # 100 Mi below its request
        "guaranteed",  # 112 Mi below
    ]


def test_memory_pressure_evicts_one_pod_per_look_in_qos_order() -> None:
    config = KubeletConfig("node-1", capacity={"cpu": "4", "memory": "1Gi", "pods": "110"})
    node = Node(config=config, stops_answer=False)
    guaranteed = make_pod("guaranteed", container_app=resources({"memory": "256Mi"}, {"memory": "256Mi"}))
    burstable = make_pod("burstable", container_app=resources({"memory": "128Mi"}))
    best_effort = make_pod("best-effort")
    for pod in (guaranteed, burstable, best_effort):
        node.add(pod)
    usage = {
        node.container_id(guaranteed, "app"): 256 * MI,
        node.container_id(burstable, "app"): 300 * MI,
        node.container_id(best_effort, "app"): 400 * MI,
    }
    node.housekeeping(usage)  # 68 Mi available, under the 100 Mi threshold
    assert node.core.memory_pressure
    assert [a.grace_seconds for _, a in node.of_type(StopContainer)] == [0.0]
    evicted = node.status(best_effort)
    assert evicted["phase"] == "Failed" and evicted["reason"] == "Evicted"
    assert evicted["message"].startswith("The node was low on resource: memory. Threshold quantity: 100Mi")
    assert "Container app was using 409600Ki, request is 0" in evicted["message"]
    assert {"DisruptionTarget": "True"}.items() <= {
        c["type"]: c["status"] for c in evicted["conditions"]
    }.items()
    del usage[node.container_id(best_effort, "app")]
    usage[node.container_id(burstable, "app")] = 700 * MI
    node.housekeeping(usage)
    assert node.status(burstable)["reason"] == "Evicted"
    assert node.status(guaranteed)["phase"] == "Running"


def test_under_memory_pressure_best_effort_pods_are_refused() -> None:
    config = KubeletConfig("node-1", capacity={"cpu": "4", "memory": "1Gi", "pods": "110"})
    node = Node(config=config)
    hog = make_pod("hog", container_app=resources({"memory": "64Mi"}))
    node.add(hog)
    node.housekeeping({node.container_id(hog, "app"): 1000 * MI})
    node.add(make_pod("late"))
    assert node.status(make_pod("late"))["message"] == "The node had condition: [MemoryPressure]. "


def test_memory_pressure_lasts_the_transition_period() -> None:
    pressure = MemoryPressure(transition_period=300)
    seen = [
        pressure.observe(short=short, now=now)
        for short, now in ((False, 0), (True, 10), (False, 20), (False, 311))
    ]
    assert seen == [False, True, True, False]


def test_node_registration_carries_labels_annotations_and_pod_cidr() -> None:
    config = KubeletConfig("node-7", zone="eu-1a", instance_type="m5.large", labels={"disktype": "ssd"})
    node = node_object(config, runtime_version="sim://0.1.0")
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "node-7" and labels["topology.kubernetes.io/zone"] == "eu-1a"
    assert labels["node.kubernetes.io/instance-type"] == "m5.large" and labels["disktype"] == "ssd"
    assert (
        node["metadata"]["annotations"]["kubeadm.alpha.kubernetes.io/cri-socket"]
        == "unix:///run/sim/runtime.sock"
    )
    assert node["spec"]["podCIDR"] == "10.244.0.0/24"
    assert config.allocatable["memory"] == "16284Mi"  # 16 Gi less the 100 Mi eviction threshold


def test_node_conditions_keep_their_transition_times() -> None:
    conditions = NodeConditions()
    first = {c["type"]: c for c in conditions.render(memory_pressure=False, now=0.0)}
    later = {c["type"]: c for c in conditions.render(memory_pressure=True, now=50.0)}
    assert first["Ready"]["status"] == "True" and first["Ready"]["reason"] == "KubeletReady"
    assert later["Ready"]["lastTransitionTime"] == first["Ready"]["lastTransitionTime"]
    assert later["MemoryPressure"]["status"] == "True"
    assert later["MemoryPressure"]["reason"] == "KubeletHasInsufficientMemory"
    assert later["MemoryPressure"]["lastTransitionTime"] == "1970-01-01T00:00:50Z"


def test_node_status_is_posted_on_change_or_every_five_minutes() -> None:
    reports = StatusReports(report_period=300)
    assert reports.due((False, 1), 0)
    reports.posted((False, 1), 0)
    assert not reports.due((False, 1), 10)
    assert reports.due((True, 1), 10)
    assert reports.due((False, 1), 300)


def test_the_lease_names_its_holder_and_owner() -> None:
    lease = lease_object(KubeletConfig("node-1"), 10.5, node_uid="u1")
    assert lease["metadata"]["namespace"] == "kube-node-lease"
    owner = {"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "u1"}
    assert lease["metadata"]["ownerReferences"] == [owner]
    assert lease["spec"] == {
        "holderIdentity": "node-1",
        "leaseDurationSeconds": 40,
        "renewTime": "1970-01-01T00:00:10.500000Z",
    }


def test_node_pools_get_distinct_cidrs_and_addresses() -> None:
    pool = node_pool(300, zones=("a", "b"))
    assert pool[0].pod_cidr == "10.128.0.0/24"  # more than 256 nodes need more than flannel's /16
    assert len({c.pod_cidr for c in pool}) == 300 and len({c.internal_ip for c in pool}) == 300
    assert [c.zone for c in pool[:3]] == ["a", "b", "a"]
    with pytest.raises(ValueError, match="do not fit"):
        node_pool(300, cluster_cidr="10.0.0.0/24", node_cidr_prefix=26)


def test_pod_addresses_are_unique_round_robin_and_run_out() -> None:
    addresses = PodAddresses("10.1.0.0/29")  # .2 to .6 are for pods
    given = [addresses.allocate(f"s{i}") for i in range(5)]
    assert given == ["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]
    assert addresses.allocate("s5") is None
    addresses.release("10.1.0.3")
    addresses.release("10.1.0.5")
    assert addresses.allocate("s6") == "10.1.0.3"
    assert addresses.allocate("s7") == "10.1.0.5"
    assert addresses.owner("10.1.0.5") == "s7"


LINES = [LogLine(float(t), f"line {t}") for t in range(6)]


@pytest.mark.parametrize(
    ("query", "text", "next_line"),
    [
        (LogQuery(), "".join(f"line {t}\n" for t in range(6)), 6),
        (LogQuery(tail_lines=2), "line 4\nline 5\n", 6),
        (LogQuery(tail_lines=0), "", 6),
        (LogQuery(since=4.0), "line 4\nline 5\n", 6),
        (LogQuery(after_line=5, tail_lines=1), "line 5\n", 6),  # following: only what is new
        (LogQuery(after_line=6), "", 6),
        (LogQuery(tail_lines=1, timestamps=True), "1970-01-01T00:00:05.000000Z line 5\n", 6),
        (LogQuery(limit_bytes=9), "line 0\nli", 6),
    ],
)
def test_log_queries(query: LogQuery, text: str, next_line: int) -> None:
    assert read_lines(LINES, query) == (text, next_line)


def test_log_sources_name_the_container_kubectl_means() -> None:
    node = Node()
    pod = make_pod(containers=("app", "sidecar"))
    node.add(pod)
    with pytest.raises(status.BadRequest, match=r"choose one of: \[app sidecar\]"):
        node.core.log_source("default", "web", "", previous=False)
    with pytest.raises(status.BadRequest, match='previous terminated container "app"'):
        node.core.log_source("default", "web", "app", previous=True)
    with pytest.raises(status.NotFound):
        node.core.log_source("default", "elsewhere", "app", previous=False)
    assert node.core.log_source("default", "web", "app", previous=False) == (
        node.container_id(pod, "app"),
        True,
    )
