"""The real kubectl drives Deployments on ``kube-actors up``: rollout status, history, undo,
scale and get all. Pods are bound and started over HTTP by a test-only stand-in for the
kubelets (the cluster has no nodes of its own yet)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from kube_actors.api.times import timestamp
from kube_actors.bench.fake_kubelet import running_status
from tests.e2e.cluster_process import ClusterProcess

pytestmark = pytest.mark.e2e

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {kubernetes.io/change-cause: "first: nginx 1.25"}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
"""


class PodStarter(threading.Thread):
    """Every 50 ms: binds unbound pods to ``node-1``, marks bound ones Running and Ready, and
    finishes deleting pods marked for deletion, all over the REST API."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            for pod in self._call("GET", "/api/v1/namespaces/default/pods").get("items", []):
                self._advance(pod)

    def _advance(self, pod: dict[str, Any]) -> None:
        path = f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}"
        if pod["metadata"].get("deletionTimestamp"):
            self._call("DELETE", path, {"gracePeriodSeconds": 0})
        elif not pod["spec"].get("nodeName"):
            binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod["metadata"]["name"]}}
            self._call("POST", f"{path}/binding", {**binding, "target": {"kind": "Node", "name": "node-1"}})
        elif pod.get("status", {}).get("phase") != "Running":
            patch = {"status": running_status(pod, timestamp(time.time()))}
            self._call("PATCH", f"{path}/status", patch, "application/strategic-merge-patch+json")

    def _call(self, method: str, path: str, body: Any = None, kind: str = "application/json") -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data, {"Content-Type": kind}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError:
            return {}  # raced with the scheduler or the controller: the next round sees it


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    running = ClusterProcess(tmp_path_factory.mktemp("cluster"), "--storage", "memory")
    starter = PodStarter(running.url)
    starter.start()
    yield running
    starter.stopped.set()
    starter.join()
    assert running.stop() == 0


def ok(cluster: ClusterProcess, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
    result = cluster.kubectl(*args, stdin=stdin, timeout=timeout)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def test_rollout_status_history_undo_and_scale(cluster: ClusterProcess) -> None:
    assert "deployment.apps/web created" in ok(cluster, "apply", "-f", "-", stdin=MANIFEST)
    status = ok(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    assert 'deployment "web" successfully rolled out' in status

    ok(cluster, "set", "image", "deployment/web", "web=nginx:1.26")
    ok(cluster, "annotate", "deployment/web", "kubernetes.io/change-cause=second: nginx 1.26", "--overwrite")
    assert "successfully rolled out" in ok(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    history = ok(cluster, "rollout", "history", "deployment/web")
    lines = [line.split(None, 1) for line in history.splitlines()[2:] if line.strip()]
    assert lines == [["1", "first: nginx 1.25"], ["2", "second: nginx 1.26"]], history
    revision_one = ok(cluster, "rollout", "history", "deployment/web", "--revision=1")
    assert "nginx:1.25" in revision_one

    assert "deployment.apps/web rolled back" in ok(cluster, "rollout", "undo", "deployment/web")
    assert "successfully rolled out" in ok(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    image = ok(cluster, "get", "deployment/web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert image == "nginx:1.25"
    history = ok(cluster, "rollout", "history", "deployment/web")
    assert [line.split(None, 1)[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]

    assert "deployment.apps/web scaled" in ok(cluster, "scale", "deployment/web", "--replicas=5")
    assert "successfully rolled out" in ok(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    ready = ok(cluster, "get", "deployment/web", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}")
    assert ready == "5/5"


def test_get_all_lists_the_deployment_its_replica_sets_and_pods(cluster: ClusterProcess) -> None:
    listing = ok(cluster, "get", "all")
    assert "deployment.apps/web" in listing
    assert "replicaset.apps/web-" in listing
    assert listing.count("pod/web-") == 5
    described = ok(cluster, "describe", "deployment", "web")
    assert "ScalingReplicaSet" in described and "NewReplicaSetAvailable" in described


def test_deleting_a_deployment_deletes_its_replica_sets_and_pods(cluster: ClusterProcess) -> None:
    assert 'deployment.apps "web" deleted' in ok(cluster, "delete", "deployment", "web")
    deadline = time.monotonic() + 30
    while ok(cluster, "get", "replicasets,pods", "-o", "name") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ok(cluster, "get", "replicasets,pods", "-o", "name") == ""
