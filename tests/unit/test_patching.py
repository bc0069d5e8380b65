"""The three patch formats clients send (``kubectl patch/apply/label/scale``, kopf), checked
against RFC 7386, RFC 6902 and Kubernetes' strategic-merge-patch document
(community/contributors/devel/sig-api-machinery/strategic-merge-patch.md)."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.components.apiserver.patching import json_patch, merge_patch, strategic_merge_patch


def _raises(code: int) -> Any:
    return pytest.raises(status.ApiError, check=lambda error: error.code == code)


# -- JSON merge patch (RFC 7386) -----------------------------------------------------------------

# RFC 7386, Appendix A, every row.
RFC_7386_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_7386_EXAMPLES)
def test_merge_patch_follows_rfc_7386_examples(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [
        pytest.param(
            {"metadata": {"labels": {"app": "web", "tier": "front"}}},
            {"metadata": {"labels": {"tier": None, "env": "prod"}}},
            {"metadata": {"labels": {"app": "web", "env": "prod"}}},
            id="kubectl-label-add-and-remove",
        ),
        pytest.param(
            {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}},
            {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "x"}]}}}},
            {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "b", "image": "x"}]}}}},
            id="lists-are-replaced-not-merged",
        ),
        pytest.param(
            {"spec": {"replicas": 1}}, {"spec": {"replicas": 3}}, {"spec": {"replicas": 3}}, id="scale"
        ),
        pytest.param({"a": 1}, {"missing": None}, {"a": 1}, id="deleting-an-absent-key-is-a-no-op"),
    ],
)
def test_merge_patch_on_kubernetes_objects(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


# -- JSON patch (RFC 6902) -------------------------------------------------------------------------

JSON_PATCH_CASES = [
    # RFC 6902, Appendix A.
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"foo": "bar", "baz": "qux"},
        id="A.1-add-object-member",
    ),
    pytest.param(
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
        id="A.2-add-inserts-at-index",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
        id="A.3-remove-member",
    ),
    pytest.param(
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
        id="A.4-remove-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
        id="A.5-replace",
    ),
    pytest.param(
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
        id="A.6-move-value",
    ),
    pytest.param(
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
        id="A.7-move-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
        {"baz": "qux", "foo": ["a", 2, "c"]},
        id="A.8-test-success",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
        id="A.10-add-nested-member",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
        id="A.11-unrecognised-members-ignored",
    ),
    pytest.param(
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
        id="A.14-tilde-order",
    ),
    pytest.param(
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
        id="A.16-add-array-value",
    ),
    # What Kubernetes clients send.
    pytest.param(
        {"metadata": {"finalizers": ["a"]}},
        [{"op": "add", "path": "/metadata/finalizers/-", "value": "kopf"}],
        {"metadata": {"finalizers": ["a", "kopf"]}},
        id="dash-appends",
    ),
    pytest.param(
        {"items": ["a", "b"]},
        [{"op": "add", "path": "/items/2", "value": "c"}],
        {"items": ["a", "b", "c"]},
        id="add-at-length-appends",
    ),
    pytest.param(
        {"items": ["a", "b"]},
        [{"op": "add", "path": "/items/0", "value": "z"}],
        {"items": ["z", "a", "b"]},
        id="add-at-zero-prepends",
    ),
    pytest.param(
        {"a": 1}, [{"op": "add", "path": "/a", "value": 2}], {"a": 2}, id="add-existing-member-replaces"
    ),
    pytest.param(
        {"metadata": {"annotations": {"a/b": "1", "m~n": "2"}}},
        [
            {"op": "replace", "path": "/metadata/annotations/a~1b", "value": "10"},
            {"op": "replace", "path": "/metadata/annotations/m~0n", "value": "20"},
        ],
        {"metadata": {"annotations": {"a/b": "10", "m~n": "20"}}},
        id="tilde-escapes-in-annotation-keys",
    ),
    pytest.param(
        {"spec": {"template": {"x": 1}}, "metadata": {}},
        [{"op": "copy", "from": "/spec/template", "path": "/metadata/copied"}],
        {"spec": {"template": {"x": 1}}, "metadata": {"copied": {"x": 1}}},
        id="copy",
    ),
    pytest.param(
        {"metadata": {"resourceVersion": "5", "labels": {"a": "1"}}},
        [
            {"op": "test", "path": "/metadata/resourceVersion", "value": "5"},
            {"op": "remove", "path": "/metadata/labels/a"},
        ],
        {"metadata": {"resourceVersion": "5", "labels": {}}},
        id="test-guards-following-ops",
    ),
    pytest.param({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}], {"b": 2}, id="replace-root"),
    pytest.param({"a": 1}, [], {"a": 1}, id="empty-patch"),
]


@pytest.mark.parametrize(("target", "operations", "expected"), JSON_PATCH_CASES)
def test_json_patch_applies_operations(target: Any, operations: Any, expected: Any) -> None:
    assert json_patch(target, operations) == expected


JSON_PATCH_ERRORS = [
    pytest.param(
        {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], 422, id="A.12-no-parent"
    ),
    pytest.param(
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        422,
        id="A.9-test-fails",
    ),
    pytest.param(
        {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], 422, id="A.15-string-vs-num"
    ),
    pytest.param({"a": 1}, [{"op": "test", "path": "/missing", "value": 1}], 422, id="test-missing-path"),
    pytest.param({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}], 422, id="replace-missing-member"),
    pytest.param({"a": [1]}, [{"op": "replace", "path": "/a/1", "value": 2}], 422, id="replace-past-end"),
    pytest.param({"a": 1}, [{"op": "remove", "path": "/b"}], 422, id="remove-missing-member"),
    pytest.param(
        {"a": [1, 2]}, [{"op": "add", "path": "/a/5", "value": 3}], 422, id="add-index-out-of-range"
    ),
    pytest.param({"a": 1}, [{"op": "move", "from": "/nope", "path": "/b"}], 422, id="move-from-missing"),
    pytest.param({"a": 1}, [{"op": "frobnicate", "path": "/a"}], 400, id="unknown-op"),
    pytest.param({"a": 1}, [{"path": "/a", "value": 2}], 400, id="no-op"),
    pytest.param({"a": 1}, [{"op": "add", "value": 2}], 400, id="no-path"),
    pytest.param({"a": 1}, [{"op": "add", "path": "a", "value": 2}], 400, id="pointer-without-slash"),
    pytest.param({"a": 1}, [{"op": "add", "path": "/b"}], 400, id="add-without-value"),
    pytest.param({"a": 1}, {"op": "add", "path": "/b", "value": 2}, 400, id="not-a-list"),
    pytest.param({"a": 1}, ["add /b"], 400, id="operation-not-an-object"),
    pytest.param(
        {"spec": {"suspend": True}},
        [{"op": "test", "path": "/spec/suspend", "value": 1}],
        422,
        id="test-true-vs-1",
    ),
]


@pytest.mark.parametrize(("target", "operations", "code"), JSON_PATCH_ERRORS)
def test_json_patch_refuses_bad_patches(target: Any, operations: Any, code: int) -> None:
    with _raises(code):
        json_patch(target, operations)


def test_failed_json_patch_test_names_the_path() -> None:
    with _raises(422) as caught:
        json_patch(
            {"metadata": {"resourceVersion": "7"}},
            [{"op": "test", "path": "/metadata/resourceVersion", "value": "6"}],
        )
    assert "/metadata/resourceVersion" in caught.value.message
    assert caught.value.status()["reason"] == "Invalid"


# -- Strategic merge patch -------------------------------------------------------------------------


def _pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"spec": {"containers": list(containers), **spec}}


WEB = {"name": "web", "image": "nginx:1"}
LOG = {"name": "log", "image": "fluentd"}

STRATEGIC_CASES = [
    pytest.param(
        _pod(WEB, LOG),
        {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}},
        _pod({"name": "web", "image": "nginx:2"}, LOG),
        id="set-image-keeps-other-containers",
    ),
    pytest.param(
        _pod(WEB),
        {"spec": {"containers": [{"name": "sidecar", "image": "envoy"}]}},
        _pod(WEB, {"name": "sidecar", "image": "envoy"}),
        id="new-container-appended",
    ),
    pytest.param(
        _pod(WEB, LOG),
        {"spec": {"containers": [{"name": "log", "$patch": "delete"}]}},
        _pod(WEB),
        id="patch-delete-list-item",
    ),
    pytest.param(
        _pod(WEB),
        {"spec": {"containers": [{"name": "absent", "$patch": "delete"}]}},
        _pod(WEB),
        id="patch-delete-of-absent-item-is-a-no-op",
    ),
    pytest.param(
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}},
        {"spec": {"strategy": {"type": "Recreate"}}},
        id="patch-replace-map",
    ),
    pytest.param(
        _pod(WEB, LOG),
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "web"}, {"name": "log"}],
                "containers": [{"name": "log", "image": "fluentd:2"}],
            }
        },
        _pod(WEB, {"name": "log", "image": "fluentd:2"}),
        id="set-element-order-directive-not-stored",
    ),
    pytest.param(
        {"metadata": {"finalizers": ["a", "b", "c"]}},
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "c"]}},
        {"metadata": {"finalizers": ["a"]}},
        id="delete-from-primitive-list",
    ),
    pytest.param(
        _pod({"name": "web", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}),
        {
            "spec": {
                "containers": [
                    {"name": "web", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}
                ]
            }
        },
        _pod(
            {
                "name": "web",
                "env": [
                    {"name": "A", "value": "1"},
                    {"name": "B", "value": "3"},
                    {"name": "C", "value": "4"},
                ],
            }
        ),
        id="env-merged-by-name",
    ),
    pytest.param(
        _pod({"name": "web", "args": ["--a", "--b"]}),
        {"spec": {"containers": [{"name": "web", "args": ["--c"]}]}},
        _pod({"name": "web", "args": ["--c"]}),
        id="args-replaced",
    ),
    pytest.param(
        _pod(WEB, tolerations=[{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}]),
        {"spec": {"tolerations": [{"key": "c", "operator": "Exists"}]}},
        _pod(WEB, tolerations=[{"key": "c", "operator": "Exists"}]),
        id="list-of-maps-without-merge-key-replaced",
    ),
    pytest.param(
        {"spec": {"unschedulable": True, "podCIDR": "10.0.0.0/24"}},
        {"spec": {"unschedulable": None}},
        {"spec": {"podCIDR": "10.0.0.0/24"}},
        id="null-deletes",
    ),
    pytest.param(
        {
            "status": {
                "conditions": [
                    {"type": "Ready", "status": "False"},
                    {"type": "PodScheduled", "status": "True"},
                ]
            }
        },
        {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        {
            "status": {
                "conditions": [
                    {"type": "Ready", "status": "True"},
                    {"type": "PodScheduled", "status": "True"},
                ]
            }
        },
        id="conditions-merged-by-type",
    ),
    # Documented Kubernetes behaviour the implementation does not have yet.
    pytest.param(
        {"metadata": {"finalizers": ["a"]}},
        {"metadata": {"finalizers": ["b"]}},
        {"metadata": {"finalizers": ["a", "b"]}},
        id="finalizers-merge-as-a-set",
    ),
    pytest.param(
        _pod({"name": "web", "ports": [{"containerPort": 80}, {"containerPort": 9090, "name": "metrics"}]}),
        {"spec": {"containers": [{"name": "web", "ports": [{"containerPort": 9090, "name": "prom"}]}]}},
        _pod({"name": "web", "ports": [{"containerPort": 80}, {"containerPort": 9090, "name": "prom"}]}),
        id="container-ports-merge-by-containerPort",
    ),
    pytest.param(
        {"metadata": {"ownerReferences": [{"uid": "u1", "kind": "ReplicaSet", "name": "rs"}]}},
        {"metadata": {"ownerReferences": [{"uid": "u2", "kind": "Job", "name": "j"}]}},
        {
            "metadata": {
                "ownerReferences": [
                    {"uid": "u1", "kind": "ReplicaSet", "name": "rs"},
                    {"uid": "u2", "kind": "Job", "name": "j"},
                ]
            }
        },
        id="ownerReferences-merge-by-uid",
    ),
    pytest.param(
        _pod(WEB, LOG),
        {"spec": {"containers": [{"name": "solo", "image": "busybox"}, {"$patch": "replace"}]}},
        _pod({"name": "solo", "image": "busybox"}),
        id="patch-replace-list",
    ),
    pytest.param(
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": {"$patch": "delete"}}}},
        {"spec": {"strategy": {"type": "Recreate"}}},
        id="patch-delete-map",
    ),
]


@pytest.mark.parametrize(("target", "patch", "expected"), STRATEGIC_CASES)
def test_strategic_merge_patch(target: Any, patch: Any, expected: Any) -> None:
    assert strategic_merge_patch(target, patch) == expected


def test_strategic_merge_patch_refuses_an_item_without_its_merge_key() -> None:
    with _raises(400) as caught:
        strategic_merge_patch(_pod(WEB), {"spec": {"containers": [{"image": "nginx:2"}]}})
    assert "'name'" in caught.value.message


# -- The object is never touched ---------------------------------------------------------------------


def _deployment() -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web"}, "finalizers": ["a", "b"]},
        "spec": {
            "replicas": 1,
            "template": {"spec": {"containers": [dict(WEB, env=[{"name": "A", "value": "1"}]), dict(LOG)]}},
        },
    }


UNTOUCHED_CASES = [
    pytest.param(
        merge_patch, {"metadata": {"labels": {"app": None, "x": "y"}}, "spec": {"replicas": 3}}, id="merge"
    ),
    pytest.param(
        strategic_merge_patch,
        {
            "metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "web", "image": "nginx:2", "env": [{"name": "A", "value": "2"}]},
                            {"name": "log", "$patch": "delete"},
                        ]
                    }
                }
            },
        },
        id="strategic",
    ),
    pytest.param(
        json_patch,
        [
            {"op": "remove", "path": "/metadata/finalizers/0"},
            {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:2"},
            {"op": "move", "from": "/metadata/labels/app", "path": "/metadata/labels/moved"},
            {"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "B"}},
        ],
        id="json",
    ),
]


@pytest.mark.parametrize(("apply", "patch"), UNTOUCHED_CASES)
def test_patching_never_mutates_the_stored_object(apply: Any, patch: Any) -> None:
    stored = _deployment()
    patched = apply(stored, patch)
    assert stored == _deployment()
    assert patched != stored  # the patch did change something, just not the input


def test_a_json_patch_failing_halfway_leaves_the_object_untouched() -> None:
    stored = _deployment()
    with _raises(422):
        json_patch(
            stored,
            [
                {"op": "remove", "path": "/metadata/finalizers/0"},
                {"op": "replace", "path": "/spec/paused", "value": True},
            ],
        )
    assert stored == _deployment()
