"""The real kubectl against ``kube-actors up --nodes 2``: nodes listed Ready with kubectl's
columns, ``describe node``, pods run by the simulated kubelets, ``logs`` (with ``--tail``,
``--previous`` and ``-f``), ``cordon`` and ``drain``."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.cluster_process import ClusterProcess, ok

pytestmark = pytest.mark.e2e

PODS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    sim.kube-actors.io/logs: "listening on :80"
    sim.kube-actors.io/log-every: "1s"
    sim.kube-actors.io/log-line: "GET / 200 ({n})"
spec:
  nodeName: node-1
  containers:
  - {name: app, image: "nginx:1.25"}
---
apiVersion: v1
kind: Pod
metadata:
  name: crasher
  annotations:
    sim.kube-actors.io/logs: "starting"
    sim.kube-actors.io/crash-after: "1s"
    sim.kube-actors.io/exit-code: "3"
spec:
  nodeName: node-2
  containers:
  - {name: app, image: "busybox:1.36"}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    running = ClusterProcess(tmp_path_factory.mktemp("nodes"), "--storage", "memory", "--nodes", "2")
    yield running
    assert running.stop() == 0, "kube-actors up should stop cleanly on SIGTERM"


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll a real cluster (real time: it runs in another process) until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.25)


def pod_json(cluster: ClusterProcess, name: str) -> dict[str, object]:
    result = cluster.kubectl("get", "pod", name, "-o", "json")
    return json.loads(result.stdout) if result.returncode == 0 else {}


def test_get_nodes_lists_both_ready_with_kubectls_columns(cluster: ClusterProcess) -> None:
    eventually(lambda: ok(cluster.kubectl("get", "nodes")).count(" Ready ") == 2)
    lines = ok(cluster.kubectl("get", "nodes")).splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["node-1", "Ready", "<none>"],
        ["node-2", "Ready", "<none>"],
    ]
    assert all(line.split()[4] == "v1.32.0" for line in lines[1:])
    wide = ok(cluster.kubectl("get", "nodes", "-o", "wide")).splitlines()
    assert "INTERNAL-IP" in wide[0] and "CONTAINER-RUNTIME" in wide[0]
    assert "192.168.0.2" in wide[1] and "sim://" in wide[1]


def test_describe_node_shows_conditions_capacity_and_lease(cluster: ClusterProcess) -> None:
    described = ok(cluster.kubectl("describe", "node", "node-1"))
    for expected in (
        "kubernetes.io/hostname=node-1",
        "KubeletReady",
        "kubelet is posting ready status",
        "KubeletHasSufficientMemory",
        "HolderIdentity:  node-1",
        "InternalIP:  192.168.0.2",
        "PodCIDR:                      10.244.0.0/24",
        "Kubelet Version:            v1.32.0",
    ):
        assert expected in described, expected
    assert described.count("memory:") == 2  # Capacity and Allocatable


def test_pods_run_and_their_logs_are_read_through_the_apiserver(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=PODS))
    eventually(lambda: "Running" in ok(cluster.kubectl("get", "pod", "web")))
    web = ok(cluster.kubectl("get", "pod", "web", "-o", "wide")).splitlines()[1].split()
    assert web[1] == "1/1" and web[5].startswith("10.244.0.") and web[6] == "node-1"
    eventually(lambda: "GET / 200 (2)" in ok(cluster.kubectl("logs", "web")))
    assert ok(cluster.kubectl("logs", "web")).splitlines()[0] == "listening on :80"
    assert ok(cluster.kubectl("logs", "web", "--tail", "1")).startswith("GET / 200 (")
    with subprocess.Popen(
        ["kubectl", "--kubeconfig", str(cluster.kubeconfig), "logs", "-f", "web", "--tail", "0"],
        stdout=subprocess.PIPE,
        text=True,
    ) as follower:
        assert follower.stdout is not None
        first = follower.stdout.readline()  # arrives while the container runs
        follower.terminate()
    assert first.startswith("GET / 200 (")


def test_a_crashing_container_backs_off_and_keeps_its_previous_logs(cluster: ClusterProcess) -> None:
    eventually(lambda: "CrashLoopBackOff" in ok(cluster.kubectl("get", "pod", "crasher")))
    assert ok(cluster.kubectl("logs", "crasher", "--previous")) == "starting\n"
    described = ok(cluster.kubectl("describe", "pod", "crasher"))
    assert "Exit Code:    3" in described and "Reason:       CrashLoopBackOff" in described


def test_cordon_then_drain(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=PODS))
    eventually(lambda: "Running" in ok(cluster.kubectl("get", "pod", "web")))
    assert "node/node-1 cordoned" in ok(cluster.kubectl("cordon", "node-1"))
    assert "Ready,SchedulingDisabled" in ok(cluster.kubectl("get", "node", "node-1"))
    eventually(
        lambda: "node.kubernetes.io/unschedulable" in ok(cluster.kubectl("describe", "node", "node-1"))
    )
    drained = cluster.kubectl(
        "drain", "node-1", "--force", "--ignore-daemonsets", "--timeout", "60s", timeout=90
    )
    assert "pod/web evicted" in ok(drained) and "node/node-1 drained" in drained.stdout
    assert pod_json(cluster, "web") == {}, "the kubelet stopped it and the pod is gone"
    assert "node/node-1 uncordoned" in ok(cluster.kubectl("uncordon", "node-1"))
    eventually(lambda: ok(cluster.kubectl("get", "node", "node-1")).splitlines()[1].split()[1] == "Ready")
