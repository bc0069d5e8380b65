"""Field paths in Kubernetes' FieldsV1 vocabulary: what an object's fields are, how a path
reads and removes a value, and the round trip through the managedFields tree."""

from __future__ import annotations

import pytest

from kube_actors.api.field_sets import (
    MISSING,
    changed_fields,
    describe,
    fields_of,
    from_fields_v1,
    remove_at,
    to_fields_v1,
    value_at,
)

WEB = 'k:{"name":"web"}'
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "u",
        "resourceVersion": "5",
        "labels": {"app": "web"},
        "finalizers": ["example.com/keep"],
    },
    "spec": {
        "replicas": 3,
        "template": {
            "spec": {
                "containers": [{"name": "web", "image": "nginx:1", "args": ["-v", "-x"], "resources": {}}]
            }
        },
    },
}


def test_fields_are_the_leaves_and_the_items_of_keyed_lists_and_sets() -> None:
    containers = ("f:spec", "f:template", "f:spec", "f:containers")
    assert fields_of(DEPLOYMENT) == {
        ("f:metadata", "f:labels", "f:app"),
        ("f:metadata", "f:finalizers", 'v:"example.com/keep"'),
        ("f:spec", "f:replicas"),
        (*containers, WEB),
        (*containers, WEB, "f:name"),
        (*containers, WEB, "f:image"),
        (*containers, WEB, "f:args"),  # atomic: owned whole
        (*containers, WEB, "f:resources"),  # an empty map is a leaf
    }


def test_skipped_top_level_fields_and_server_owned_metadata_are_nobodys() -> None:
    pod = {"metadata": {"name": "a", "uid": "u", "managedFields": []}, "status": {"phase": "Running"}}
    assert fields_of(pod, skip=("status",)) == set()


@pytest.mark.parametrize(
    "items",
    [
        [{"name": "a"}, {"name": "a"}],  # two items with one key cannot be told apart
        [{"name": "a"}, {"image": "b"}],  # an item without its key
    ],
)
def test_a_keyed_list_whose_items_cannot_be_named_is_owned_whole(items: list[object]) -> None:
    assert fields_of({"spec": {"containers": items}}) == {("f:spec", "f:containers")}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("f:spec", "f:replicas"), 3),
        (("f:spec", "f:template", "f:spec", "f:containers", WEB, "f:image"), "nginx:1"),
        (("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"db"}', "f:image"), MISSING),
        (("f:metadata", "f:finalizers", 'v:"example.com/keep"'), "example.com/keep"),
        (("f:metadata", "f:finalizers", 'v:"other"'), MISSING),
        (("f:spec", "f:replicas", "f:deeper"), MISSING),
    ],
)
def test_value_at_follows_a_path(path: tuple[str, ...], expected: object) -> None:
    assert value_at(DEPLOYMENT, path) == expected


def test_remove_at_removes_items_fields_and_the_maps_left_empty() -> None:
    obj = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web"}, {"name": "log"}]}}
    remove_at(obj, ("f:metadata", "f:labels", "f:app"))
    remove_at(obj, ("f:spec", "f:containers", 'k:{"name":"log"}'))
    remove_at(obj, ("f:spec", "f:nothing", "f:here"))  # absent: nothing happens
    assert obj == {"metadata": {}, "spec": {"containers": [{"name": "web"}]}}


def test_changed_fields_are_what_an_update_set_and_what_it_removed() -> None:
    old = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"replicas": 1}}
    new = {"metadata": {"labels": {"a": "1", "c": "3"}}, "spec": {"replicas": 2}}
    changed, removed = changed_fields(old, new)
    assert changed == {("f:metadata", "f:labels", "f:c"), ("f:spec", "f:replicas")}
    assert removed == {("f:metadata", "f:labels", "f:b")}


def test_the_fields_v1_tree_round_trips_and_marks_owned_items_with_children() -> None:
    paths = fields_of(DEPLOYMENT)
    tree = to_fields_v1(paths)
    containers = tree["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers[WEB]["."] == {} and containers[WEB]["f:image"] == {}
    assert "." not in tree["f:spec"]
    assert from_fields_v1(tree) == paths


@pytest.mark.parametrize(
    "tree", [[], {"x:odd": {}}, {"f:a": "not a map"}, {"k:not json": {}}, {"k:[1]": {}}]
)
def test_a_tree_that_is_not_fields_v1_is_refused(tree: object) -> None:
    assert from_fields_v1(tree) is None


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("f:spec", "f:replicas"), ".spec.replicas"),
        (("f:spec", "f:containers", WEB, "f:image"), '.spec.containers[name="web"].image'),
        (("f:spec", "f:ports", 'k:{"containerPort":80}'), ".spec.ports[containerPort=80]"),
        (("f:metadata", "f:finalizers", 'v:"x"'), '.metadata.finalizers[="x"]'),
    ],
)
def test_describe_prints_a_path_as_kubernetes_does(path: tuple[str, ...], text: str) -> None:
    assert describe(path) == text
