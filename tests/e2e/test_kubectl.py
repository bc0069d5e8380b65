"""The real kubectl against ``kube-actors up`` in another process."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.cluster_process import ClusterProcess, ok

pytestmark = pytest.mark.e2e

MANIFEST = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
      - {name: log, image: "fluent-bit:3"}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    running = ClusterProcess(tmp_path_factory.mktemp("cluster"))
    yield running
    assert running.stop() == 0, "kube-actors up should stop cleanly on SIGTERM"


def test_version_namespaces_and_resources(cluster: ClusterProcess) -> None:
    assert "Server Version: v1.32" in ok(cluster.kubectl("version"))
    names = ok(cluster.kubectl("get", "ns", "-o", "name")).split()
    assert names == [
        "namespace/default",
        "namespace/kube-node-lease",
        "namespace/kube-public",
        "namespace/kube-system",
    ]
    resources = ok(cluster.kubectl("api-resources", "-o", "name")).split()
    for expected in (
        "pods",
        "deployments.apps",
        "leases.coordination.k8s.io",
        "customresourcedefinitions.apiextensions.k8s.io",
    ):
        assert expected in resources


def test_apply_twice_then_read_it_back(cluster: ClusterProcess) -> None:
    assert "configmap/settings created" in ok(cluster.kubectl("apply", "-f", "-", stdin=MANIFEST))
    changed = MANIFEST.replace("color: blue", "color: red").replace("nginx:1.25", "nginx:1.26")
    assert "deployment.apps/web configured" in ok(cluster.kubectl("apply", "-f", "-", stdin=changed))
    deployment = yaml.safe_load(ok(cluster.kubectl("get", "deploy", "web", "-o", "yaml")))
    images = [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]
    assert images == ["nginx:1.26", "fluent-bit:3"]  # containers merged by name
    assert deployment["metadata"]["generation"] == 2
    assert ok(cluster.kubectl("get", "cm", "settings", "-o", "jsonpath={.data.color}")) == "red"
    assert ok(cluster.kubectl("get", "cm", "-l", "app=web", "-o", "name")).split() == ["configmap/settings"]
    assert ok(cluster.kubectl("get", "cm", "-l", "app=db", "-o", "name")) == ""


def test_label_annotate_and_three_kinds_of_patch(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=MANIFEST))
    ok(cluster.kubectl("label", "cm", "settings", "tier=front", "--overwrite"))
    ok(cluster.kubectl("annotate", "cm", "settings", "owner=team-a", "--overwrite"))
    ok(cluster.kubectl("patch", "cm", "settings", "--type=merge", "-p", '{"data":{"size":"L"}}'))
    ok(cluster.kubectl("patch", "cm", "settings", "-p", '{"data":{"shape":"round"}}'))  # strategic
    ok(
        cluster.kubectl(
            "patch", "cm", "settings", "--type=json", "-p", '[{"op":"remove","path":"/data/size"}]'
        )
    )
    failed = cluster.kubectl(
        "patch",
        "cm",
        "settings",
        "--type=json",
        "-p",
        '[{"op":"test","path":"/data/shape","value":"square"}]',
    )
    assert failed.returncode != 0 and "test operation" in failed.stderr
    settings = json.loads(ok(cluster.kubectl("get", "cm", "settings", "-o", "json")))
    assert settings["metadata"]["labels"]["tier"] == "front"
    assert settings["metadata"]["annotations"]["owner"] == "team-a"
    assert "size" not in settings["data"] and settings["data"]["shape"] == "round"


def test_watch_sees_changes_and_delete_returns(cluster: ClusterProcess) -> None:
    watch = subprocess.Popen(
        [
            "kubectl",
            "--kubeconfig",
            str(cluster.kubeconfig),
            "get",
            "cm",
            "-w",
            "-o",
            "name",
            "--request-timeout=8s",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    ok(
        cluster.kubectl(
            "create", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n"
        )
    )
    ok(cluster.kubectl("delete", "cm", "watched", timeout=10))
    try:
        output, _ = watch.communicate(timeout=15)
    finally:
        watch.kill()
    assert output.count("configmap/watched") == 2  # added, then deleted


def test_bad_manifests_get_clear_errors_and_store_nothing(cluster: ClusterProcess) -> None:
    bad_name = cluster.kubectl(
        "apply", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"
    )
    assert bad_name.returncode != 0 and 'metadata.name: Invalid value: "Bad_Name"' in bad_name.stderr
    no_name = cluster.kubectl("create", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    assert no_name.returncode != 0 and "name" in no_name.stderr
    shortcut = cluster.kubectl("create", "namespace", "shortcut")
    assert shortcut.returncode != 0 and "create -f" in shortcut.stderr
    assert "bad_name" not in ok(cluster.kubectl("get", "cm", "-A", "-o", "name")).lower()


def test_data_survives_a_restart(tmp_path: Path) -> None:
    first = ClusterProcess(tmp_path)
    try:
        ok(
            first.kubectl(
                "create", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept}\n"
            )
        )
    finally:
        assert first.stop() == 0
    second = ClusterProcess(tmp_path)
    try:
        assert ok(second.kubectl("get", "cm", "kept", "-o", "name")).strip() == "configmap/kept"
    finally:
        second.stop()


def test_scale_status_subresource_and_delete_collection(cluster: ClusterProcess) -> None:
    ok(cluster.kubectl("apply", "-f", "-", stdin=MANIFEST))
    assert "deployment.apps/web scaled" in ok(cluster.kubectl("scale", "deploy", "web", "--replicas=5"))
    assert ok(cluster.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")) == "5"
    # Status is written through /status only (a Service: no controller writes its status here).
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: front}\nspec: {ports: [{port: 80}]}\n"
    ok(cluster.kubectl("apply", "-f", "-", stdin=service))
    ingress = '{"status":{"loadBalancer":{"ingress":[{"ip":"%s"}]}}}'
    status_patch = ("--subresource=status", "--type=merge", "-p", ingress % "1.2.3.4")
    ok(cluster.kubectl("patch", "svc", "front", *status_patch))
    ok(cluster.kubectl("patch", "svc", "front", "--type=merge", "-p", ingress % "9.9.9.9"))  # ignored
    shown = ok(cluster.kubectl("get", "svc", "front", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"))
    assert shown == "1.2.3.4"
    for name in ("one", "two"):
        ok(
            cluster.kubectl(
                "create",
                "-f",
                "-",
                stdin=f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, labels: {{batch: x}}}}\n",
            )
        )
    ok(cluster.kubectl("delete", "cm", "-l", "batch=x"))
    assert ok(cluster.kubectl("get", "cm", "-l", "batch=x", "-o", "name")) == ""


def test_get_shows_kubectl_columns(cluster: ClusterProcess) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: solo}\nspec: {containers: [{name: a, image: nginx}]}"
    ok(cluster.kubectl("apply", "-f", "-", stdin=pod))
    header, row = ok(cluster.kubectl("get", "pods", "solo")).splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row.split()[:4] == ["solo", "0/1", "Pending", "0"]
    wide = ok(cluster.kubectl("get", "pods", "solo", "-o", "wide")).splitlines()[0].split()
    assert wide[5:7] == ["IP", "NODE"]
    assert ok(cluster.kubectl("get", "deploy")).splitlines()[0].split() == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
    ]
    ok(cluster.kubectl("delete", "pod", "solo", timeout=15))


def test_admission_defaults_validation_and_warnings(cluster: ClusterProcess) -> None:
    latest = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: latest}\nspec: {containers: [{name: a, image: nginx}]}"
    )
    created = cluster.kubectl("apply", "-f", "-", stdin=latest)
    assert created.returncode == 0 and "friends don't let friends run latest" in created.stderr
    pod = json.loads(ok(cluster.kubectl("get", "pod", "latest", "-o", "json")))
    assert pod["spec"]["restartPolicy"] == "Always" and pod["spec"]["schedulerName"] == "default-scheduler"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Always"
    tolerated = {(t["key"], t.get("tolerationSeconds")) for t in pod["spec"]["tolerations"]}
    assert tolerated == {("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}
    no_image = "apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: [{name: a}]}"
    refused = cluster.kubectl("apply", "-f", "-", stdin=no_image)
    assert refused.returncode != 0 and "spec.containers[0].image: Required value" in refused.stderr
    assert cluster.kubectl("get", "pod", "broken").returncode != 0
    ok(cluster.kubectl("apply", "-f", "-", stdin=MANIFEST))
    strategy = json.loads(ok(cluster.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.strategy}")))
    assert strategy == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    missing = cluster.kubectl(
        "create", "-n", "nowhere", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}"
    )
    assert missing.returncode != 0 and 'namespaces "nowhere" not found' in missing.stderr
    ok(cluster.kubectl("delete", "pod", "latest"))


def test_any_replica_serves_any_request(tmp_path: Path) -> None:
    replicas = ClusterProcess(tmp_path, "--apiservers", "2", "--storage", "memory")
    try:
        first, second = replicas.urls
        watch = subprocess.Popen(
            [
                "kubectl",
                "--kubeconfig",
                str(replicas.kubeconfig),
                "--server",
                second,
                "get",
                "cm",
                "-w",
                "-o",
                "name",
                "--request-timeout=6s",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        ok(
            replicas.kubectl(
                "--server",
                first,
                "create",
                "-f",
                "-",
                stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n",
            )
        )
        assert (
            ok(replicas.kubectl("--server", second, "get", "cm", "shared", "-o", "name")).strip()
            == "configmap/shared"
        )
        output, _ = watch.communicate(timeout=15)
        assert "configmap/shared" in output
    finally:
        replicas.stop()


def test_deleting_a_namespace_deletes_what_is_in_it(cluster: ClusterProcess) -> None:
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: doomed}\n"
    ok(cluster.kubectl("apply", "-f", "-", stdin=namespace))
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: doomed}\n"
    ok(cluster.kubectl("apply", "-f", "-", stdin=config_map))
    # A plain update cannot drop the finalizer that keeps a namespace until it is empty.
    ok(cluster.kubectl("patch", "ns", "doomed", "--type=merge", "-p", '{"spec":{"finalizers":[]}}'))
    finalizers = ok(cluster.kubectl("get", "ns", "doomed", "-o", "jsonpath={.spec.finalizers}"))
    assert "kubernetes" in finalizers
    ok(cluster.kubectl("delete", "namespace", "doomed", "--timeout=30s"))
    gone = cluster.kubectl("get", "namespace", "doomed")
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    assert cluster.kubectl("get", "configmap", "settings", "-n", "doomed").returncode != 0
