"""Server-side apply with the real kubectl and the Python client: create by apply, managedFields,
a conflict with another manager's change, ``--force-conflicts``, and fields an apply stops
setting removed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config

from tests.e2e.cluster_process import ClusterProcess, ok

pytestmark = pytest.mark.e2e

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: {app: ssa, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    running = ClusterProcess(tmp_path_factory.mktemp("cluster"), "--no-scheduler")
    yield running
    assert running.stop() == 0


def managers(cluster: ClusterProcess, *what: str) -> dict[tuple[str, str], dict[str, Any]]:
    shown = json.loads(ok(cluster.kubectl("get", *what, "-o", "json", "--show-managed-fields")))
    return {(e["manager"], e["operation"]): e for e in shown["metadata"].get("managedFields", [])}


def test_apply_creates_and_then_owns_what_it_applied(cluster: ClusterProcess) -> None:
    out = ok(cluster.kubectl("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT))
    assert "deployment.apps/ssa serverside-applied" in out
    entry = managers(cluster, "deploy", "ssa")[("kubectl", "Apply")]
    assert entry["fieldsType"] == "FieldsV1" and entry["apiVersion"] == "apps/v1"
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers['k:{"name":"web"}'] == {".": {}, "f:image": {}, "f:name": {}}
    assert "f:replicas" in entry["fieldsV1"]["f:spec"]


def test_another_managers_change_conflicts_until_forced(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT))
    ok(cluster.kubectl("scale", "deploy", "ssa", "--replicas=4"))
    refused = cluster.kubectl("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT)
    assert refused.returncode != 0
    assert "Apply failed with 1 conflict" in refused.stderr and ".spec.replicas" in refused.stderr
    deployment = json.loads(ok(cluster.kubectl("get", "deploy", "ssa", "-o", "json")))
    assert deployment["spec"]["replicas"] == 4, "a refused apply changes nothing"
    ok(cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=DEPLOYMENT))
    deployment = json.loads(ok(cluster.kubectl("get", "deploy", "ssa", "-o", "json")))
    assert deployment["spec"]["replicas"] == 2


def test_a_field_no_longer_applied_is_removed(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT))
    ok(cluster.kubectl("label", "deploy", "ssa", "owner=team-a"))  # another manager's label
    ok(cluster.kubectl("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT.replace(", tier: front", "")))
    labels = json.loads(ok(cluster.kubectl("get", "deploy", "ssa", "-o", "json")))["metadata"]["labels"]
    assert labels == {"app": "ssa", "owner": "team-a"}


def test_an_apply_without_a_field_manager_is_refused(cluster: ClusterProcess) -> None:
    config.load_kube_config(str(cluster.kubeconfig))
    core = client.CoreV1Api()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}}
    with pytest.raises(client.ApiException) as refused:
        core.patch_namespaced_config_map(
            "applied", "default", body, _content_type="application/apply-patch+yaml"
        )
    assert refused.value.status == 422 and "fieldManager" in str(refused.value.body)
    core.patch_namespaced_config_map(
        "applied", "default", body, field_manager="tests", _content_type="application/apply-patch+yaml"
    )
    stored = core.read_namespaced_config_map("applied", "default")
    assert stored.data == {"a": "1"}
    assert [(e.manager, e.operation) for e in stored.metadata.managed_fields] == [("tests", "Apply")]


def test_an_apply_that_creates_answers_201_and_one_that_updates_200(cluster: ClusterProcess) -> None:
    config.load_kube_config(str(cluster.kubeconfig))
    core = client.CoreV1Api()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "codes"}, "data": {"a": "1"}}
    answers = [
        core.patch_namespaced_config_map_with_http_info(
            "codes", "default", body, field_manager="tests", _content_type="application/apply-patch+yaml"
        )[1]
        for _ in range(2)
    ]
    assert answers == [201, 200]
