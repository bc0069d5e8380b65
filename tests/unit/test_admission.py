"""Admission as a client sees it: tolerations a pod gains, ``Warning:`` lines kubectl prints,
and the 403/404/422 a write is refused with, checked against Kubernetes' admission plugins
(DefaultTolerationSeconds, NamespaceLifecycle) and its admission order (mutating, validation,
validating)."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from kube_actors.api import status
from kube_actors.api.admission import (
    AdmissionChain,
    AdmissionPlugin,
    AdmissionRequest,
    AdmissionResult,
    DefaultTolerationSeconds,
    ImagePolicy,
    NamespaceLifecycle,
    NamespacePhase,
    Operation,
    allow,
    default_chain,
    forbid,
    warning_header,
)
from kube_actors.api.defaults import apply_defaults

Json = dict[str, Any]
NOT_READY = {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}
UNREACHABLE = {
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}
MOTTO = "friends don't let friends run latest"


def _pod(image: str = "nginx:1.27", tolerations: list[Json] | None = None) -> Json:
    spec: Json = {"containers": [{"name": "web", "image": image}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return apply_defaults("Pod", {"metadata": {"name": "web", "namespace": "default"}, "spec": spec})


def _request(
    obj: Json | None,
    *,
    operation: Operation = "CREATE",
    kind: str = "Pod",
    resource: str = "pods",
    group: str = "",
    old: Json | None = None,
    subresource: str = "",
    namespace: str = "default",
    phase: NamespacePhase | None = "Active",
) -> AdmissionRequest:
    name = ((obj or old or {}).get("metadata") or {}).get("name", "")
    return AdmissionRequest(
        operation, kind, namespace, name, obj, old, resource, group, subresource, namespace_phase=phase
    )


def _refusal(result: AdmissionResult) -> status.ApiError:
    assert result.refusal is not None
    return result.refusal


# -- DefaultTolerationSeconds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        pytest.param(None, [NOT_READY, UNREACHABLE], id="none-given"),
        pytest.param(
            [{"key": "gpu", "operator": "Exists"}],
            [{"key": "gpu", "operator": "Exists"}, NOT_READY, UNREACHABLE],
            id="others-kept-first",
        ),
        pytest.param(
            [{**NOT_READY, "tolerationSeconds": 30}],
            [{**NOT_READY, "tolerationSeconds": 30}, UNREACHABLE],
            id="own-not-ready-kept",
        ),
        pytest.param(
            [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
            [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}, NOT_READY],
            id="any-effect-covers-no-execute",
        ),
        pytest.param([{"operator": "Exists"}], [{"operator": "Exists"}], id="tolerates-everything"),
        pytest.param(
            [{"key": "", "operator": "Exists", "effect": ""}],
            [{"key": "", "operator": "Exists", "effect": ""}],
            id="empty-key-and-effect-are-wildcards",
        ),
        pytest.param(
            [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}],
            [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"},
                NOT_READY,
                UNREACHABLE,
            ],
            id="no-schedule-does-not-cover-no-execute",
        ),
    ],
)
def test_pods_tolerate_an_unready_node_for_five_minutes(
    tolerations: list[Json] | None, expected: list[Json]
) -> None:
    pod = _pod(tolerations=tolerations)
    before = copy.deepcopy(pod)
    result = DefaultTolerationSeconds().admit(_request(pod))
    assert result.allowed
    assert result.object is not None and result.object["spec"]["tolerations"] == expected
    assert pod == before  # the request's object is not changed in place


def test_toleration_seconds_are_configurable() -> None:
    result = DefaultTolerationSeconds(not_ready_seconds=60, unreachable_seconds=120).admit(_request(_pod()))
    assert result.object is not None
    assert [t["tolerationSeconds"] for t in result.object["spec"]["tolerations"]] == [60, 120]


@pytest.mark.parametrize(
    "request_",
    [
        _request(_pod(), subresource="status", operation="UPDATE", old=_pod()),
        _request(None, operation="DELETE", old=_pod()),
        _request(
            {"metadata": {"name": "web"}, "spec": {}}, kind="Deployment", resource="deployments", group="apps"
        ),
    ],
    ids=["status-subresource", "delete", "not-a-pod"],
)
def test_default_tolerations_touch_only_pods_being_written(request_: AdmissionRequest) -> None:
    result = DefaultTolerationSeconds().admit(request_)
    assert result.allowed and result.object is request_.object


# -- ImagePolicy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "warning"),
    [
        ("nginx", f'spec.containers[0].image: image "nginx" has no tag, so it runs "latest"; {MOTTO}'),
        ("nginx:latest", f'spec.containers[0].image: image "nginx:latest" uses the "latest" tag; {MOTTO}'),
        (
            "localhost:5000/app",
            f'spec.containers[0].image: image "localhost:5000/app" has no tag, so it runs "latest"; {MOTTO}',
        ),
        ("nginx:1.27", None),
        ("nginx@sha256:" + "0" * 64, None),
    ],
)
def test_image_policy_warns_about_floating_images(image: str, warning: str | None) -> None:
    result = ImagePolicy().admit(_request(_pod(image)))
    assert result.allowed
    assert result.warnings == ((warning,) if warning else ())


def test_image_policy_looks_into_workload_templates() -> None:
    deployment = {
        "metadata": {"name": "web"},
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": "init", "image": "busybox"}],
                    "containers": [{"name": "web", "image": "nginx:1.27"}],
                }
            }
        },
    }
    result = ImagePolicy().admit(
        _request(deployment, kind="Deployment", resource="deployments", group="apps")
    )
    assert result.warnings == (
        (
            'spec.template.spec.initContainers[0].image: image "busybox" has no tag, so it runs "latest"; '
            f"{MOTTO}"
        ),
    )


def test_image_policy_can_deny_instead_with_403() -> None:
    result = ImagePolicy(deny=True).admit(_request(_pod("nginx:latest")))
    refusal = _refusal(result)
    assert refusal.code == 403 and refusal.reason == "Forbidden"
    assert refusal.message == (
        'pods "web" is forbidden: spec.containers[0].image: image "nginx:latest" uses the "latest" tag; '
        f"{MOTTO}"
    )
    assert refusal.status()["details"] == {"name": "web", "group": "", "kind": "pods"}


@pytest.mark.parametrize("deny", [False, True])
def test_updates_are_judged_only_on_the_images_they_introduce(deny: bool) -> None:
    old = _pod("nginx:latest")
    relabelled = copy.deepcopy(old)
    relabelled["metadata"]["labels"] = {"tier": "front"}
    kept = ImagePolicy(deny=deny).admit(_request(relabelled, operation="UPDATE", old=old))
    assert kept.allowed and kept.warnings == ()
    changed = ImagePolicy(deny=deny).admit(_request(_pod("redis"), operation="UPDATE", old=old))
    assert changed.allowed is not deny
    assert len(changed.warnings) == (0 if deny else 1)


def test_image_policy_ignores_deletes_and_status_writes() -> None:
    pod = _pod("nginx")
    assert ImagePolicy(deny=True).admit(_request(None, operation="DELETE", old=pod)).allowed
    assert (
        ImagePolicy(deny=True).admit(_request(pod, operation="UPDATE", old=pod, subresource="status")).allowed
    )


# -- NamespaceLifecycle -------------------------------------------------------------------------


def test_nothing_is_written_into_a_missing_namespace() -> None:
    refusal = _refusal(NamespaceLifecycle().admit(_request(_pod(), namespace="gone", phase="Missing")))
    assert (refusal.code, refusal.message) == (404, 'namespaces "gone" not found')


def test_nothing_new_is_created_in_a_terminating_namespace() -> None:
    refusal = _refusal(NamespaceLifecycle().admit(_request(_pod(), namespace="old", phase="Terminating")))
    assert refusal.code == 403
    assert refusal.message == (
        'pods "web" is forbidden: unable to create new content in namespace old because it is being '
        "terminated"
    )
    assert refusal.status()["details"]["causes"] == [
        {
            "reason": "NamespaceTerminating",
            "message": "namespace old is being terminated",
            "field": "metadata.namespace",
        }
    ]


@pytest.mark.parametrize(
    "request_",
    [
        _request(_pod(), operation="UPDATE", old=_pod(), namespace="old", phase="Terminating"),
        _request(None, operation="DELETE", old=_pod(), namespace="old", phase="Terminating"),
        _request(None, operation="DELETE", old=_pod(), namespace="gone", phase="Missing"),
        _request({"metadata": {"name": "n1"}}, kind="Node", resource="nodes", namespace="", phase=None),
        _request(
            {"metadata": {"name": "new"}}, kind="Namespace", resource="namespaces", namespace="", phase=None
        ),
        _request(_pod(), phase=None),
    ],
    ids=[
        "update-in-terminating",
        "delete-in-terminating",
        "delete-in-missing",
        "cluster-scoped",
        "namespace",
        "not-looked-up",
    ],
)
def test_namespace_lifecycle_lets_other_writes_through(request_: AdmissionRequest) -> None:
    assert NamespaceLifecycle().admit(request_).allowed


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_the_clusters_own_namespaces_cannot_be_deleted(name: str) -> None:
    namespace = {"metadata": {"name": name}}
    request = _request(
        None, operation="DELETE", kind="Namespace", resource="namespaces", old=namespace, namespace=""
    )
    refusal = _refusal(NamespaceLifecycle().admit(request))
    assert (refusal.code, refusal.message) == (
        403,
        f'namespaces "{name}" is forbidden: this namespace may not be deleted',
    )


def test_other_namespaces_can_be_deleted() -> None:
    namespace = {"metadata": {"name": "team"}}
    request = _request(
        None, operation="DELETE", kind="Namespace", resource="namespaces", old=namespace, namespace=""
    )
    assert NamespaceLifecycle().admit(request).allowed


# -- the chain ----------------------------------------------------------------------------------


def test_the_default_chain_admits_a_pod_with_its_tolerations_and_warnings() -> None:
    result = default_chain().admit(_request(_pod("nginx")))
    assert result.allowed
    assert result.object is not None and result.object["spec"]["tolerations"] == [NOT_READY, UNREACHABLE]
    assert result.warnings == (
        f'spec.containers[0].image: image "nginx" has no tag, so it runs "latest"; {MOTTO}',
    )


def test_an_invalid_object_is_refused_with_422_naming_every_field() -> None:
    pod = _pod()
    pod["spec"]["containers"][0]["image"] = ""
    pod["spec"]["restartPolicy"] = "Sometimes"
    refusal = _refusal(default_chain().admit(_request(pod)))
    assert (refusal.code, refusal.reason) == (422, "Invalid")
    assert refusal.message == (
        'Pod "web" is invalid: spec.containers[0].image: Required value; '
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
    )
    assert [cause["field"] for cause in refusal.status()["details"]["causes"]] == [
        "spec.containers[0].image",
        "spec.restartPolicy",
    ]


def test_a_missing_namespace_is_reported_before_anything_else() -> None:
    pod = _pod()
    pod["spec"]["containers"] = []
    refusal = _refusal(default_chain().admit(_request(pod, namespace="gone", phase="Missing")))
    assert refusal.code == 404


def test_validation_sees_what_mutating_plugins_added() -> None:
    @dataclass(frozen=True)
    class BadToleration:
        name: ClassVar[str] = "BadToleration"

        def admit(self, request: AdmissionRequest) -> AdmissionResult:
            assert request.object is not None
            changed = copy.deepcopy(request.object)
            changed["spec"]["tolerations"] = [{"key": "k", "operator": "Maybe"}]
            return allow(request, changed)

    refusal = _refusal(AdmissionChain(mutating=[BadToleration()]).admit(_request(_pod())))
    assert "spec.tolerations[0].operator" in refusal.message


def test_validating_plugins_run_after_validation_and_only_refuse() -> None:
    seen: list[Json] = []

    @dataclass(frozen=True)
    class Recorder:
        name: ClassVar[str] = "Recorder"

        def admit(self, request: AdmissionRequest) -> AdmissionResult:
            assert request.object is not None
            seen.append(request.object)
            return allow(request, {"replaced": True}, warnings=("looked",))

    chain = AdmissionChain(mutating=[DefaultTolerationSeconds()], validating=[Recorder()])
    result = chain.admit(_request(_pod()))
    assert seen[0]["spec"]["tolerations"] == [NOT_READY, UNREACHABLE]  # the final object
    assert result.object == seen[0]  # a validating plugin's object is ignored
    assert result.warnings == ("looked",)

    invalid = _pod()
    invalid["spec"]["containers"] = []
    seen.clear()
    assert not chain.admit(_request(invalid)).allowed
    assert seen == []  # validation refused first


def test_the_first_refusal_ends_the_chain_keeping_earlier_warnings() -> None:
    @dataclass(frozen=True)
    class Refuse:
        name: ClassVar[str] = "Refuse"

        def admit(self, request: AdmissionRequest) -> AdmissionResult:
            return forbid(request, "not today")

    chain = AdmissionChain(validating=[ImagePolicy(), Refuse(), ImagePolicy(deny=True)])
    result = chain.admit(_request(_pod("nginx")))
    assert _refusal(result).message == 'pods "web" is forbidden: not today'
    assert len(result.warnings) == 1


def test_deletes_are_not_validated_as_objects() -> None:
    result = default_chain().admit(
        _request(None, operation="DELETE", old={"metadata": {"name": "Not Valid"}})
    )
    assert result.allowed and result.object is None


def test_validation_can_be_left_out_of_the_chain() -> None:
    result = AdmissionChain(check_object=None).admit(_request({"metadata": {"name": "Not Valid"}}))
    assert result.allowed


def test_update_rules_apply_to_updates() -> None:
    old = _pod()
    moved = copy.deepcopy(old)
    moved["spec"]["nodeName"] = "node-2"
    moved["spec"]["tolerations"] = [NOT_READY, UNREACHABLE]
    old["spec"]["tolerations"] = [NOT_READY, UNREACHABLE]
    refusal = _refusal(default_chain().admit(_request(moved, operation="UPDATE", old=old)))
    assert "pod updates may not change fields other than" in refusal.message


def test_plugins_share_one_protocol() -> None:
    plugins: list[AdmissionPlugin] = [NamespaceLifecycle(), DefaultTolerationSeconds(), ImagePolicy()]
    assert [plugin.name for plugin in plugins] == [
        "NamespaceLifecycle",
        "DefaultTolerationSeconds",
        "ImagePolicy",
    ]


def test_warnings_become_warning_headers() -> None:
    assert warning_header(f'image "nginx": {MOTTO}') == f'299 - "image \\"nginx\\": {MOTTO}"'


def test_qualified_resource_names_the_group() -> None:
    assert (
        _request({}, kind="Deployment", resource="deployments", group="apps").qualified_resource
        == "deployments.apps"
    )
    assert _request({}).qualified_resource == "pods"


def test_a_request_with_another_object_keeps_everything_else() -> None:
    request = AdmissionRequest(
        "UPDATE", "Pod", "shop", "web", {"a": 1}, {"b": 2}, "pods", "", "status", "Terminating"
    )
    assert request.with_object({"c": 3}) == dataclasses.replace(request, object={"c": 3})
