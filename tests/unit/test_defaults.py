"""What the apiserver fills into a manifest, as ``kubectl get -o yaml`` shows it back, checked
against Kubernetes' defaulting (pkg/apis/core/v1/defaults.go, apps/v1 and batch/v1 defaults,
the namespace and job registry strategies, the Priority admission plugin)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube_actors.api.defaults import apply_defaults, prepare_for_create, prepare_for_update

Json = dict[str, Any]


def _at(obj: Any, path: str) -> Any:
    """The value at a dotted path; ``[n]`` indexes a list."""
    node = obj
    for part in path.replace("[", ".").replace("]", "").split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _pod(**container: Any) -> Json:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27", **container}]},
    }


def _template(labels: dict[str, str] | None = None) -> Json:
    return {
        "metadata": {"labels": labels or {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    }


def _workload(kind: str, **spec: Any) -> Json:
    return {"kind": kind, "metadata": {"name": "web"}, "spec": {"template": _template(), **spec}}


POD_DEFAULTS = [
    ("spec.restartPolicy", "Always"),
    ("spec.dnsPolicy", "ClusterFirst"),
    ("spec.terminationGracePeriodSeconds", 30),
    ("spec.schedulerName", "default-scheduler"),
    ("spec.securityContext", {}),
    ("spec.enableServiceLinks", True),
    ("spec.preemptionPolicy", "PreemptLowerPriority"),
    ("spec.priority", 0),
    ("spec.containers[0].imagePullPolicy", "IfNotPresent"),
    ("spec.containers[0].terminationMessagePath", "/dev/termination-log"),
    ("spec.containers[0].terminationMessagePolicy", "File"),
    ("spec.containers[0].resources", {}),
]


@pytest.mark.parametrize(("path", "expected"), POD_DEFAULTS)
def test_a_minimal_pod_gets_kubernetes_defaults(path: str, expected: Any) -> None:
    assert _at(apply_defaults("Pod", _pod()), path) == expected


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("docker.io/library/nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:v2", "IfNotPresent"),
        ("app@sha256:" + "a" * 64, "IfNotPresent"),
        ("app:latest@sha256:" + "a" * 64, "Always"),
    ],
)
def test_image_pull_policy_follows_the_image_tag(image: str, policy: str) -> None:
    assert _at(apply_defaults("Pod", _pod(image=image)), "spec.containers[0].imagePullPolicy") == policy


def test_values_the_manifest_sets_are_kept() -> None:
    pod = _pod(imagePullPolicy="Never", terminationMessagePolicy="FallbackToLogsOnError")
    pod["spec"].update(restartPolicy="OnFailure", terminationGracePeriodSeconds=0, schedulerName="mine")
    filled = apply_defaults("Pod", pod)
    assert filled["spec"]["restartPolicy"] == "OnFailure"
    assert filled["spec"]["terminationGracePeriodSeconds"] == 0
    assert filled["spec"]["schedulerName"] == "mine"
    assert filled["spec"]["containers"][0]["imagePullPolicy"] == "Never"
    assert filled["spec"]["containers"][0]["terminationMessagePolicy"] == "FallbackToLogsOnError"


def test_a_pod_with_a_priority_class_is_left_for_the_class_to_decide() -> None:
    pod = _pod()
    pod["spec"]["priorityClassName"] = "high"
    spec = apply_defaults("Pod", pod)["spec"]
    assert "priority" not in spec and "preemptionPolicy" not in spec


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        pytest.param(
            {"limits": {"cpu": "500m", "memory": "128Mi"}},
            {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "500m", "memory": "128Mi"}},
            id="requests-copied-from-limits",
        ),
        pytest.param(
            {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}},
            {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
            id="only-missing-requests-copied",
        ),
        pytest.param(
            {"requests": {"cpu": 0.5, "memory": "1024Mi"}},
            {"requests": {"cpu": "500m", "memory": "1Gi"}},
            id="quantities-stored-canonical",
        ),
        pytest.param(
            {"requests": {"cpu": "0.0001"}},
            {"requests": {"cpu": "1m"}},
            id="rounded-up-to-milli",
        ),
        pytest.param(
            {"requests": {"cpu": "lots"}},
            {"requests": {"cpu": "lots"}},
            id="unparseable-left-for-validation",
        ),
    ],
)
def test_pod_resources(resources: Json, expected: Json) -> None:
    assert _at(apply_defaults("Pod", _pod(resources=resources)), "spec.containers[0].resources") == expected


def test_templates_get_pod_spec_defaults_but_not_pod_only_ones() -> None:
    deployment = _workload("Deployment", selector={"matchLabels": {"app": "web"}})
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    spec = apply_defaults("Deployment", deployment)["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}  # no requests from limits
    assert "enableServiceLinks" not in spec and "priority" not in spec


def test_container_ports_probes_and_env() -> None:
    pod = _pod(
        ports=[{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
        livenessProbe={"httpGet": {"port": 80}},
        readinessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5},
        env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
    )
    container = apply_defaults("Pod", pod)["spec"]["containers"][0]
    assert [p["protocol"] for p in container["ports"]] == ["TCP", "UDP"]
    assert "hostPort" not in container["ports"][0]
    assert container["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert container["readinessProbe"]["periodSeconds"] == 5
    assert container["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"


def test_host_network_pods_publish_container_ports_on_the_host() -> None:
    pod = _pod(ports=[{"containerPort": 8080}])
    pod["spec"]["hostNetwork"] = True
    assert apply_defaults("Pod", pod)["spec"]["containers"][0]["ports"][0]["hostPort"] == 8080


def test_volumes() -> None:
    pod = _pod()
    pod["spec"]["volumes"] = [
        {"name": "scratch"},
        {"name": "conf", "configMap": {"name": "app"}},
        {"name": "creds", "secret": {"secretName": "app", "defaultMode": 0o400}},
    ]
    volumes = apply_defaults("Pod", pod)["spec"]["volumes"]
    assert volumes[0] == {"name": "scratch", "emptyDir": {}}
    assert volumes[1]["configMap"]["defaultMode"] == 420
    assert volumes[2]["secret"]["defaultMode"] == 0o400


WORKLOAD_DEFAULTS = [
    ("Deployment", "spec.replicas", 1),
    (
        "Deployment",
        "spec.strategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
    ),
    ("Deployment", "spec.revisionHistoryLimit", 10),
    ("Deployment", "spec.progressDeadlineSeconds", 600),
    ("ReplicaSet", "spec.replicas", 1),
    ("StatefulSet", "spec.replicas", 1),
    ("StatefulSet", "spec.podManagementPolicy", "OrderedReady"),
    ("StatefulSet", "spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
    ("StatefulSet", "spec.revisionHistoryLimit", 10),
    (
        "StatefulSet",
        "spec.persistentVolumeClaimRetentionPolicy",
        {"whenDeleted": "Retain", "whenScaled": "Retain"},
    ),
    (
        "DaemonSet",
        "spec.updateStrategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
    ),
    ("DaemonSet", "spec.revisionHistoryLimit", 10),
    ("Job", "spec.completions", 1),
    ("Job", "spec.parallelism", 1),
    ("Job", "spec.backoffLimit", 6),
    ("Job", "spec.completionMode", "NonIndexed"),
    ("Job", "spec.suspend", False),
    ("Job", "spec.podReplacementPolicy", "TerminatingOrFailed"),
    ("Job", "metadata.labels", {"app": "web"}),
]


@pytest.mark.parametrize(("kind", "path", "expected"), WORKLOAD_DEFAULTS)
def test_workload_defaults(kind: str, path: str, expected: Any) -> None:
    filled = apply_defaults(kind, _workload(kind))
    assert _at(filled, path) == expected
    assert _at(filled, "spec.template.spec.restartPolicy") == "Always"


@pytest.mark.parametrize(
    ("spec", "completions", "parallelism"),
    [
        ({}, 1, 1),
        ({"parallelism": 3}, None, 3),  # a work queue: no completion count
        ({"completions": 5}, 5, 1),
        ({"completions": 5, "parallelism": 2}, 5, 2),
    ],
)
def test_job_completions_and_parallelism(spec: Json, completions: int | None, parallelism: int) -> None:
    filled = apply_defaults("Job", _workload("Job", **spec))["spec"]
    assert filled.get("completions") == completions
    assert filled["parallelism"] == parallelism


def test_strategies_the_manifest_chooses_are_not_filled() -> None:
    deployment = apply_defaults("Deployment", _workload("Deployment", strategy={"type": "Recreate"}))
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    stateful = apply_defaults("StatefulSet", _workload("StatefulSet", updateStrategy={"type": "OnDelete"}))
    assert stateful["spec"]["updateStrategy"] == {"type": "OnDelete"}
    daemon = apply_defaults("DaemonSet", _workload("DaemonSet", updateStrategy={"type": "OnDelete"}))
    assert daemon["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_stateful_set_claim_templates_get_claim_defaults() -> None:
    claim = {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1024Mi"}}}}
    filled = apply_defaults("StatefulSet", _workload("StatefulSet", volumeClaimTemplates=[claim]))
    assert filled["spec"]["volumeClaimTemplates"][0]["spec"] == {
        "resources": {"requests": {"storage": "1Gi"}},
        "volumeMode": "Filesystem",
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {"selector": {"app": "web"}, "ports": [{"port": 80}]},
            {
                "selector": {"app": "web"},
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "type": "ClusterIP",
                "sessionAffinity": "None",
                "internalTrafficPolicy": "Cluster",
                "ipFamilyPolicy": "SingleStack",
                "ipFamilies": ["IPv4"],
            },
            id="cluster-ip",
        ),
        pytest.param(
            {"type": "NodePort", "ports": [{"port": 80, "targetPort": "http"}]},
            {
                "type": "NodePort",
                "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP"}],
                "sessionAffinity": "None",
                "externalTrafficPolicy": "Cluster",
                "internalTrafficPolicy": "Cluster",
                "ipFamilyPolicy": "SingleStack",
                "ipFamilies": ["IPv4"],
            },
            id="node-port",
        ),
        pytest.param(
            {"type": "ExternalName", "externalName": "db.example.com"},
            {"type": "ExternalName", "externalName": "db.example.com", "sessionAffinity": "None"},
            id="external-name-gets-no-ip-family",
        ),
        pytest.param(
            {"sessionAffinity": "ClientIP", "ports": [{"port": 80}], "type": "LoadBalancer"},
            {
                "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "type": "LoadBalancer",
                "externalTrafficPolicy": "Cluster",
                "internalTrafficPolicy": "Cluster",
                "ipFamilyPolicy": "SingleStack",
                "ipFamilies": ["IPv4"],
                "allocateLoadBalancerNodePorts": True,
            },
            id="load-balancer-with-client-ip-affinity",
        ),
    ],
)
def test_service_defaults(spec: Json, expected: Json) -> None:
    assert apply_defaults("Service", {"metadata": {"name": "web"}, "spec": spec})["spec"] == expected


def test_namespace_is_labelled_with_its_name() -> None:
    labels = apply_defaults("Namespace", {"metadata": {"name": "team", "labels": {"a": "b"}}})["metadata"][
        "labels"
    ]
    assert labels == {"a": "b", "kubernetes.io/metadata.name": "team"}


def test_secret_string_data_is_encoded_into_data_and_wins() -> None:
    secret = {
        "metadata": {"name": "s"},
        "data": {"user": "b2xk", "keep": "eA=="},
        "stringData": {"user": "admin"},
    }
    filled = apply_defaults("Secret", secret)
    assert filled["type"] == "Opaque"
    assert filled["data"] == {"user": "YWRtaW4=", "keep": "eA=="}
    assert "stringData" not in filled


def test_claims_volumes_and_nodes() -> None:
    claim = apply_defaults("PersistentVolumeClaim", {"metadata": {"name": "c"}, "spec": {}})
    assert claim["spec"]["volumeMode"] == "Filesystem"
    volume = apply_defaults(
        "PersistentVolume", {"metadata": {"name": "v"}, "spec": {"capacity": {"storage": "10240Mi"}}}
    )
    assert volume["spec"] == {
        "capacity": {"storage": "10Gi"},
        "persistentVolumeReclaimPolicy": "Retain",
        "volumeMode": "Filesystem",
    }
    node = apply_defaults(
        "Node", {"metadata": {"name": "n1"}, "status": {"capacity": {"cpu": "4", "memory": "8192Mi"}}}
    )
    assert node["status"]["allocatable"] == {"cpu": "4", "memory": "8Gi"}


SAMPLES = [
    ("Pod", _pod(resources={"limits": {"cpu": "0.5"}})),
    ("Deployment", _workload("Deployment")),
    ("ReplicaSet", _workload("ReplicaSet")),
    ("StatefulSet", _workload("StatefulSet")),
    ("DaemonSet", _workload("DaemonSet")),
    ("Job", _workload("Job")),
    (
        "Service",
        {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}], "sessionAffinity": "ClientIP"}},
    ),
    ("Namespace", {"metadata": {"name": "team"}}),
    ("Secret", {"metadata": {"name": "s"}, "stringData": {"a": "b"}}),
    ("Node", {"metadata": {"name": "n1"}}),
    ("ConfigMap", {"metadata": {"name": "c"}, "data": {"a": "b"}}),
]


@pytest.mark.parametrize(("kind", "obj"), SAMPLES, ids=[kind for kind, _ in SAMPLES])
def test_defaulting_copies_and_is_idempotent(kind: str, obj: Json) -> None:
    before = copy.deepcopy(obj)
    once = apply_defaults(kind, obj)
    assert obj == before  # the caller's body is untouched
    assert apply_defaults(kind, once) == once  # every update re-defaults the stored object


@pytest.mark.parametrize(
    ("kind", "obj"),
    [
        ("Pod", {"spec": []}),
        ("Pod", {"spec": {"containers": "web"}}),
        ("Pod", {"spec": {"containers": [None, 3, {"name": "a", "resources": []}]}}),
        ("Deployment", {"spec": {"template": "x", "strategy": None}}),
        ("Service", {"spec": {"ports": [None, {"port": "http"}]}}),
        ("Node", {"status": []}),
        ("Job", []),
    ],
)
def test_malformed_bodies_are_left_for_validation_not_crashed_on(kind: str, obj: Any) -> None:
    apply_defaults(kind, obj)


def test_a_new_namespace_gets_the_kubernetes_finalizer_once() -> None:
    created = prepare_for_create(
        "Namespace", {"metadata": {"name": "team"}, "spec": {"finalizers": ["x/y"]}}, uid="u"
    )
    assert created["spec"]["finalizers"] == ["x/y", "kubernetes"]
    again = prepare_for_create("Namespace", created, uid="u")
    assert again["spec"]["finalizers"] == ["x/y", "kubernetes"]
    # Not a default: a finalizing update that removes it must not bring it back.
    assert "spec" not in apply_defaults("Namespace", {"metadata": {"name": "team"}})


def test_a_new_job_selects_its_pods_by_its_uid() -> None:
    job = prepare_for_create("Job", apply_defaults("Job", _workload("Job")), uid="1234")
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "1234"}}
    assert job["spec"]["template"]["metadata"]["labels"] == {
        "app": "web",
        "controller-uid": "1234",
        "batch.kubernetes.io/controller-uid": "1234",
        "job-name": "web",
        "batch.kubernetes.io/job-name": "web",
    }
    assert job["metadata"]["labels"] == {"app": "web"}


def test_a_job_with_a_manual_selector_keeps_it() -> None:
    job = _workload("Job", manualSelector=True, selector={"matchLabels": {"app": "web"}})
    assert prepare_for_create("Job", job, uid="1234")["spec"]["selector"] == {"matchLabels": {"app": "web"}}


def test_replacing_a_service_keeps_its_allocated_addresses() -> None:
    old = {
        "spec": {
            "type": "NodePort",
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "ports": [
                {"port": 80, "protocol": "TCP", "nodePort": 30080},
                {"port": 53, "protocol": "UDP", "nodePort": 30053},
            ],
        }
    }
    new = {"spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 53, "protocol": "TCP"}]}}
    kept = prepare_for_update("Service", new, old)["spec"]
    assert kept["clusterIP"] == "10.96.0.10" and kept["clusterIPs"] == ["10.96.0.10"]
    assert kept["ports"] == [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "TCP"}]
