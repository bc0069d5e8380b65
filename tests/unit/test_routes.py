"""REST paths as kubectl and the client libraries build them, and where the objects they name
are stored."""

from __future__ import annotations

import pytest

from kube_actors.api import status
from kube_actors.api.resources import BUILTIN, NAMESPACES, PODS, ResourceTable, ResourceType
from kube_actors.components.apiserver.routes import parse_path

WIDGETS = ResourceType(
    "example.com", "v1", "Widget", "widgets", short_names=("wd",), subresources=("status",)
)
CLUSTER_WIDGETS = ResourceType("example.com", "v1", "ClusterWidget", "clusterwidgets", namespaced=False)
# A custom resource whose plural shadows a built-in one in another group.
FOREIGN_DEPLOYMENTS = ResourceType("example.com", "v1", "Deployment", "deployments")


@pytest.fixture(scope="module")
def table() -> ResourceTable:
    served = ResourceTable()
    for custom in (WIDGETS, CLUSTER_WIDGETS):
        served.add(custom)
    return served


ROUTES = [
    # path, (group, kind), namespace, name, subresource
    ("/api/v1/pods", ("", "Pod"), "", "", ""),
    ("/api/v1/namespaces/default/pods", ("", "Pod"), "default", "", ""),
    ("/api/v1/namespaces/default/pods/web", ("", "Pod"), "default", "web", ""),
    ("/api/v1/namespaces/default/pods/web/", ("", "Pod"), "default", "web", ""),
    ("/api/v1/namespaces/default/pods/web/status", ("", "Pod"), "default", "web", "status"),
    ("/api/v1/namespaces/default/pods/web/log", ("", "Pod"), "default", "web", "log"),
    ("/api/v1/namespaces/default/pods/web/eviction", ("", "Pod"), "default", "web", "eviction"),
    ("/api/v1/namespaces/default/pods/web/binding", ("", "Pod"), "default", "web", "binding"),
    ("/api/v1/namespaces/kube-system/services/dns", ("", "Service"), "kube-system", "dns", ""),
    ("/api/v1/events", ("", "Event"), "", "", ""),
    ("/api/v1/nodes", ("", "Node"), "", "", ""),
    ("/api/v1/nodes/n1", ("", "Node"), "", "n1", ""),
    ("/api/v1/nodes/n1/status", ("", "Node"), "", "n1", "status"),
    ("/api/v1/persistentvolumes/pv1", ("", "PersistentVolume"), "", "pv1", ""),
    # Namespaces: their own paths look like namespaced paths of other kinds.
    ("/api/v1/namespaces", ("", "Namespace"), "", "", ""),
    ("/api/v1/namespaces/kube-system", ("", "Namespace"), "", "kube-system", ""),
    ("/api/v1/namespaces/kube-system/status", ("", "Namespace"), "", "kube-system", "status"),
    ("/api/v1/namespaces/kube-system/finalize", ("", "Namespace"), "", "kube-system", "finalize"),
    ("/api/v1/namespaces/status", ("", "Namespace"), "", "status", ""),
    ("/api/v1/namespaces/status/pods", ("", "Pod"), "status", "", ""),
    ("/api/v1/namespaces/finalize/pods/web/status", ("", "Pod"), "finalize", "web", "status"),
    # Grouped resources.
    ("/apis/apps/v1/deployments", ("apps", "Deployment"), "", "", ""),
    ("/apis/apps/v1/namespaces/prod/deployments", ("apps", "Deployment"), "prod", "", ""),
    ("/apis/apps/v1/namespaces/prod/deployments/web", ("apps", "Deployment"), "prod", "web", ""),
    ("/apis/apps/v1/namespaces/prod/deployments/web/scale", ("apps", "Deployment"), "prod", "web", "scale"),
    ("/apis/apps/v1/namespaces/prod/deployments/web/status", ("apps", "Deployment"), "prod", "web", "status"),
    ("/apis/batch/v1/namespaces/default/jobs/pi", ("batch", "Job"), "default", "pi", ""),
    (
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1",
        ("coordination.k8s.io", "Lease"),
        "kube-node-lease",
        "n1",
        "",
    ),
    (
        "/apis/storage.k8s.io/v1/storageclasses/standard",
        ("storage.k8s.io", "StorageClass"),
        "",
        "standard",
        "",
    ),
    (
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        "",
        "widgets.example.com",
        "",
    ),
    (
        "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web",
        ("autoscaling", "HorizontalPodAutoscaler"),
        "default",
        "web",
        "",
    ),
    # Custom resources join the same routes.
    ("/apis/example.com/v1/widgets", ("example.com", "Widget"), "", "", ""),
    (
        "/apis/example.com/v1/namespaces/default/widgets/w1/status",
        ("example.com", "Widget"),
        "default",
        "w1",
        "status",
    ),
    ("/apis/example.com/v1/clusterwidgets/c1", ("example.com", "ClusterWidget"), "", "c1", ""),
]


@pytest.mark.parametrize(("path", "group_kind", "namespace", "name", "subresource"), ROUTES)
def test_path_names_its_target(
    table: ResourceTable, path: str, group_kind: tuple[str, str], namespace: str, name: str, subresource: str
) -> None:
    target = parse_path(table, path)
    assert (target.resource.group, target.resource.kind) == group_kind
    assert (target.namespace, target.name, target.subresource) == (namespace, name, subresource)


NOT_SERVED = [
    pytest.param("/", id="root"),
    pytest.param("/healthz", id="not-an-api-path"),
    pytest.param("/api", id="no-version"),
    pytest.param("/apis/apps", id="group-without-version"),
    pytest.param("/api/v2/pods", id="unknown-core-version"),
    pytest.param("/apis/apps/v1beta1/deployments", id="unknown-group-version"),
    pytest.param("/apis/nosuch.example.com/v1/things", id="unknown-group"),
    pytest.param("/api/v1/gizmos", id="unknown-resource"),
    pytest.param("/api/v1/namespaces/default/gizmos", id="unknown-namespaced-resource"),
    pytest.param("/apis/apps/v1/pods", id="core-resource-in-apps"),
    pytest.param("/api/v1/deployments", id="apps-resource-in-core"),
    pytest.param("/api/v1/namespaces/default/nodes", id="cluster-scoped-list-in-namespace"),
    pytest.param("/api/v1/namespaces/default/nodes/n1", id="cluster-scoped-in-namespace"),
    pytest.param("/api/v1/namespaces/default/namespaces/x", id="namespace-in-namespace"),
    pytest.param("/apis/storage.k8s.io/v1/namespaces/default/storageclasses/sc", id="grouped-cluster-scoped"),
    pytest.param("/apis/example.com/v1/namespaces/default/clusterwidgets/c1", id="custom-cluster-scoped"),
    pytest.param("/api/v1/namespaces/default/pods/web/frobnicate", id="unknown-pod-subresource"),
    pytest.param("/apis/apps/v1/namespaces/default/deployments/web/log", id="pod-subresource-on-deployment"),
    pytest.param("/api/v1/nodes/n1/scale", id="unknown-node-subresource"),
    pytest.param("/api/v1/namespaces/ns1/frobnicate", id="unknown-namespace-subresource"),
    pytest.param("/api/v1/namespaces/default/pods/web/status/extra", id="too-deep"),
    pytest.param(
        "/api/v1/pods/web",
        id="named-namespaced-object-without-namespace",
    ),
]


@pytest.mark.parametrize("path", NOT_SERVED)
def test_path_not_served_is_a_404(table: ResourceTable, path: str) -> None:
    with pytest.raises(status.ApiError) as caught:
        parse_path(table, path)
    assert caught.value.code == 404
    assert caught.value.status()["reason"] == "NotFound"


def test_a_removed_custom_resource_is_no_longer_routed() -> None:
    served = ResourceTable()
    served.add(WIDGETS)
    assert parse_path(served, "/apis/example.com/v1/widgets").resource == WIDGETS
    served.remove(WIDGETS)
    with pytest.raises(status.ApiError) as caught:
        parse_path(served, "/apis/example.com/v1/widgets")
    assert caught.value.code == 404


# -- Storage keys ------------------------------------------------------------------------------------

DEPLOYMENTS = next(r for r in BUILTIN if (r.group, r.plural) == ("apps", "deployments"))

STORAGE_KEYS = [
    # resource, namespace, name, key, prefix of the namespace, prefix of all namespaces
    (PODS, "default", "web", "/registry/pods/default/web", "/registry/pods/default/", "/registry/pods/"),
    (
        NAMESPACES,
        "",
        "default",
        "/registry/namespaces/default",
        "/registry/namespaces/",
        "/registry/namespaces/",
    ),
    (
        NAMESPACES,
        "ignored",
        "kube-system",
        "/registry/namespaces/kube-system",
        "/registry/namespaces/",
        "/registry/namespaces/",
    ),
    (
        DEPLOYMENTS,
        "prod",
        "web",
        "/registry/deployments/prod/web",
        "/registry/deployments/prod/",
        "/registry/deployments/",
    ),
    (
        WIDGETS,
        "default",
        "w1",
        "/registry/example.com/widgets/default/w1",
        "/registry/example.com/widgets/default/",
        "/registry/example.com/widgets/",
    ),
    (
        CLUSTER_WIDGETS,
        "",
        "c1",
        "/registry/example.com/clusterwidgets/c1",
        "/registry/example.com/clusterwidgets/",
        "/registry/example.com/clusterwidgets/",
    ),
]


@pytest.mark.parametrize(("resource", "namespace", "name", "key", "prefix", "all_prefix"), STORAGE_KEYS)
def test_storage_keys(
    resource: ResourceType, namespace: str, name: str, key: str, prefix: str, all_prefix: str
) -> None:
    assert resource.storage_key(namespace, name) == key
    assert resource.storage_prefix(namespace) == prefix
    assert resource.storage_prefix() == all_prefix
    assert key.startswith(prefix)


@pytest.mark.parametrize(
    ("resource", "name_a", "ns_a", "name_b", "ns_b"),
    [
        pytest.param(PODS, "web", "prod", "web", "pro", id="namespace-prefix-of-another"),
        pytest.param(DEPLOYMENTS, "web", "prod", "web", "pro", id="grouped-namespace-prefix-of-another"),
        pytest.param(WIDGETS, "w", "team-a", "w", "team", id="custom-namespace-prefix-of-another"),
    ],
)
def test_a_namespace_listing_excludes_namespaces_sharing_its_prefix(
    resource: ResourceType, name_a: str, ns_a: str, name_b: str, ns_b: str
) -> None:
    assert not resource.storage_key(ns_a, name_a).startswith(resource.storage_prefix(ns_b))
    assert resource.storage_key(ns_b, name_b).startswith(resource.storage_prefix(ns_b))


def test_a_custom_resource_never_shares_keys_with_a_builtin_of_the_same_plural() -> None:
    assert FOREIGN_DEPLOYMENTS.storage_key("prod", "web") != DEPLOYMENTS.storage_key("prod", "web")
    assert not FOREIGN_DEPLOYMENTS.storage_key("prod", "web").startswith(DEPLOYMENTS.storage_prefix())
    assert not DEPLOYMENTS.storage_key("prod", "web").startswith(FOREIGN_DEPLOYMENTS.storage_prefix())
