"""Discovery and OpenAPI as kubectl reads them: ``kubectl api-resources``, short names and
``kubectl get all``, the kinds subresources take (``kubectl scale``, ``drain``'s evictions), and
the OpenAPI v3 index whose hashes decide when kubectl refreshes its cache."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api.resources import ResourceTable, ResourceType
from kube_actors.components.apiserver import discovery

WIDGETS = ResourceType("example.com", "v1", "Widget", "widgets", short_names=("wd",), categories=("all",))


def _resources(group: str, version: str, table: ResourceTable | None = None) -> dict[str, dict[str, Any]]:
    listed = discovery.resource_list(table or ResourceTable(), group, version)
    assert listed is not None
    return {entry["name"]: entry for entry in listed["resources"]}


def test_apis_lists_the_named_groups_but_not_the_core_group() -> None:
    listed = discovery.groups(ResourceTable())
    names = [group["name"] for group in listed["groups"]]
    assert listed["kind"] == "APIGroupList"
    assert {"apps", "batch", "policy", "autoscaling", "coordination.k8s.io", "apiextensions.k8s.io"} <= set(
        names
    )
    assert "" not in names
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("group", "group_version"),
    [("apps", "apps/v1"), ("batch", "batch/v1"), ("autoscaling", "autoscaling/v2")],
)
def test_each_group_prefers_a_version_it_serves(group: str, group_version: str) -> None:
    listed = {g["name"]: g for g in discovery.groups(ResourceTable())["groups"]}
    assert listed[group]["preferredVersion"]["groupVersion"] == group_version
    assert listed[group]["preferredVersion"] in listed[group]["versions"]


def test_a_custom_group_is_discoverable_once_added() -> None:
    table = ResourceTable()
    assert "example.com" not in [g["name"] for g in discovery.groups(table)["groups"]]
    assert discovery.resource_list(table, "example.com", "v1") is None
    table.add(WIDGETS)
    assert "example.com" in [g["name"] for g in discovery.groups(table)["groups"]]
    assert _resources("example.com", "v1", table)["widgets"]["shortNames"] == ["wd"]


@pytest.mark.parametrize(("group", "version"), [("", "v2"), ("apps", "v2"), ("nosuch.example.com", "v1")])
def test_unserved_group_versions_have_no_resource_list(group: str, version: str) -> None:
    assert discovery.resource_list(ResourceTable(), group, version) is None


@pytest.mark.parametrize(("group", "version", "group_version"), [("", "v1", "v1"), ("apps", "v1", "apps/v1")])
def test_resource_list_names_its_group_version(group: str, version: str, group_version: str) -> None:
    listed = discovery.resource_list(ResourceTable(), group, version)
    assert listed is not None
    assert (listed["kind"], listed["groupVersion"]) == ("APIResourceList", group_version)


def test_pods_as_kubectl_api_resources_shows_them() -> None:
    pods = _resources("", "v1")["pods"]
    assert pods["kind"] == "Pod"
    assert pods["singularName"] == "pod"
    assert pods["namespaced"] is True
    assert pods["shortNames"] == ["po"]
    assert pods["categories"] == ["all"]
    assert {"get", "list", "watch", "create", "patch", "delete"} <= set(pods["verbs"])


# name, namespaced, kind, group/version if it differs from the parent's, verbs that must be offered
SUBRESOURCES = [
    ("", "v1", "pods/status", True, "Pod", None, {"get", "patch", "update"}),
    ("", "v1", "pods/log", True, "Pod", None, {"get"}),
    ("", "v1", "pods/eviction", True, "Eviction", ("policy", "v1"), {"create"}),
    ("", "v1", "pods/binding", True, "Binding", None, {"create"}),
    ("", "v1", "nodes/status", False, "Node", None, {"get", "patch", "update"}),
    ("", "v1", "namespaces/finalize", False, "Namespace", None, {"update"}),
    ("apps", "v1", "deployments/scale", True, "Scale", ("autoscaling", "v1"), {"get", "patch", "update"}),
    ("apps", "v1", "deployments/status", True, "Deployment", None, {"get", "patch", "update"}),
    ("apps", "v1", "statefulsets/scale", True, "Scale", ("autoscaling", "v1"), {"get", "patch", "update"}),
]


@pytest.mark.parametrize(
    ("group", "version", "name", "namespaced", "kind", "other_gv", "verbs"), SUBRESOURCES
)
def test_subresources_are_listed_with_their_kind(
    group: str,
    version: str,
    name: str,
    namespaced: bool,
    kind: str,
    other_gv: tuple[str, str] | None,
    verbs: set[str],
) -> None:
    entry = _resources(group, version)[name]
    assert (entry["kind"], entry["namespaced"]) == (kind, namespaced)
    assert (entry.get("group"), entry.get("version")) == (other_gv or (None, None))
    assert verbs <= set(entry["verbs"])


def test_get_all_covers_the_workload_kinds() -> None:
    in_all = {
        entry["kind"]
        for group, version in (("", "v1"), ("apps", "v1"), ("batch", "v1"))
        for entry in _resources(group, version).values()
        if "all" in entry.get("categories", [])
    }
    assert {"Pod", "Service", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"} <= in_all
    assert not in_all & {"Node", "Namespace", "ConfigMap", "Secret", "Event"}


# -- OpenAPI v3 -------------------------------------------------------------------------------------


def _hashes(table: ResourceTable) -> dict[str, str]:
    paths = discovery.openapi_root(table)["paths"]
    hashes = {}
    for path, entry in paths.items():
        url, _, digest = entry["serverRelativeURL"].partition("?hash=")
        assert url == f"/openapi/v3/{path}"
        assert digest
        hashes[path] = digest
    return hashes


def test_openapi_root_names_every_group_version() -> None:
    table = ResourceTable()
    expected = {
        f"apis/{group}/{version}" if group else f"api/{version}"
        for group, versions in table.group_versions().items()
        for version in versions
    }
    assert set(_hashes(table)) == expected
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/autoscaling/v2"} <= expected


def test_openapi_hashes_are_stable_for_the_same_table() -> None:
    assert _hashes(ResourceTable()) == _hashes(ResourceTable())


def test_openapi_hash_changes_only_for_the_group_version_that_changed() -> None:
    table = ResourceTable()
    before = _hashes(table)
    table.add(ResourceType("apps", "v1", "Rollout", "rollouts"))
    after = _hashes(table)
    assert after["apis/apps/v1"] != before["apis/apps/v1"]
    assert {k: v for k, v in after.items() if k != "apis/apps/v1"} == {
        k: v for k, v in before.items() if k != "apis/apps/v1"
    }


def test_openapi_root_gains_a_path_for_a_new_group() -> None:
    table = ResourceTable()
    table.add(WIDGETS)
    assert "apis/example.com/v1" in _hashes(table)


@pytest.mark.parametrize(
    ("group", "version"), [("", "v1"), ("apps", "v1"), ("batch", "v1"), ("example.com", "v1")]
)
def test_openapi_document_offers_a_patch_per_kind_with_field_validation(group: str, version: str) -> None:
    table = ResourceTable()
    table.add(WIDGETS)
    document = discovery.openapi_document(table, group, version)
    patched_kinds = set()
    for operations in document["paths"].values():
        patch = operations["patch"]
        gvk = patch["x-kubernetes-group-version-kind"]
        assert (gvk["group"], gvk["version"]) == (group, version)
        assert "fieldValidation" in [p["name"] for p in patch["parameters"] if p["in"] == "query"]
        patched_kinds.add(gvk["kind"])
    assert patched_kinds == {r.kind for r in table.in_group_version(group, version)}


@pytest.mark.parametrize(
    ("group", "kind", "path"),
    [
        ("", "Pod", "/api/v1/namespaces/{namespace}/pods/{name}"),
        ("", "Node", "/api/v1/nodes/{name}"),
        ("", "Namespace", "/api/v1/namespaces/{name}"),
        ("apps", "Deployment", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"),
        ("storage.k8s.io", "StorageClass", "/apis/storage.k8s.io/v1/storageclasses/{name}"),
    ],
)
def test_openapi_paths_are_the_real_object_paths(group: str, kind: str, path: str) -> None:
    document = discovery.openapi_document(ResourceTable(), group, "v1")
    assert document["paths"][path]["patch"]["x-kubernetes-group-version-kind"]["kind"] == kind
