"""Label and field selectors as ``kubectl get -l ...`` / ``--field-selector ...`` use them, checked
against Kubernetes' documented semantics (concepts/overview/working-with-objects/labels and
field-selectors)."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.selectors import field_selector, label_selector


def _labelled(**labels: str) -> dict[str, Any]:
    return {"metadata": {"name": "x", "labels": labels}}


WEB_FRONT = _labelled(app="web", tier="front")
WEB_CANARY = _labelled(app="web", tier="front", canary="true")
DB_BACK = _labelled(app="db", tier="back")
EMPTY_TIER = _labelled(app="web", tier="")
NO_LABELS = {"metadata": {"name": "x"}}
NULL_LABELS = {"metadata": {"name": "x", "labels": None}}
NO_METADATA: dict[str, Any] = {}

LABEL_CASES = [
    ("app=web", WEB_FRONT, True),
    ("app=web", DB_BACK, False),
    ("app==web", WEB_FRONT, True),
    ("app==web", DB_BACK, False),
    ("app!=web", DB_BACK, True),
    ("app!=web", WEB_FRONT, False),
    ("tier in (front, back)", WEB_FRONT, True),
    ("tier in (front, back)", DB_BACK, True),
    ("tier in (middle)", WEB_FRONT, False),
    ("tier notin (front)", DB_BACK, True),
    ("tier notin (front,back)", WEB_FRONT, False),
    ("canary", WEB_CANARY, True),
    ("canary", WEB_FRONT, False),
    ("tier", EMPTY_TIER, True),
    ("!canary", WEB_FRONT, True),
    ("!canary", WEB_CANARY, False),
    ("tier=", EMPTY_TIER, True),
    ("tier=", WEB_FRONT, False),
    (" app = web ", WEB_FRONT, True),
    ("app=web,tier in (front,back),!canary", WEB_FRONT, True),
    ("app=web,tier in (front,back),!canary", WEB_CANARY, False),
    ("app=web,tier in (front,back),!canary", DB_BACK, False),
    ("app in (web,db),tier notin (back)", DB_BACK, False),
    ("app in (web,db),tier notin (back)", WEB_FRONT, True),
    ("app.kubernetes.io/name=web", _labelled(**{"app.kubernetes.io/name": "web"}), True),
    ("app.kubernetes.io/name=web", _labelled(name="web"), False),
    ("", DB_BACK, True),
]


@pytest.mark.parametrize(("selector", "obj", "expected"), LABEL_CASES)
def test_label_selector_matches(selector: str, obj: dict[str, Any], expected: bool) -> None:
    assert label_selector(selector)(obj) is expected


# An object without labels has none: only the negative requirements hold for it.
UNLABELLED_CASES = [
    ("app=web", False),
    ("app", False),
    ("app in (web)", False),
    ("app!=web", True),
    ("app notin (web)", True),
    ("!app", True),
    ("!app,app!=web,app notin (db)", True),
    ("", True),
]


@pytest.mark.parametrize(
    "obj", [NO_LABELS, NULL_LABELS, NO_METADATA], ids=["no-labels", "null-labels", "empty"]
)
@pytest.mark.parametrize(("selector", "expected"), UNLABELLED_CASES)
def test_label_selector_on_objects_without_labels(selector: str, expected: bool, obj: dict[str, Any]) -> None:
    assert label_selector(selector)(obj) is expected


MALFORMED_LABEL_SELECTORS = [
    pytest.param("app in web", id="set-without-parentheses"),
    pytest.param("app in (web", id="unclosed-parenthesis"),
    pytest.param("app=web=db", id="two-operators"),
    pytest.param("!app=web", id="negated-equality"),
    pytest.param("=web", id="no-key"),
    pytest.param("app web", id="no-operator"),
    pytest.param("app>1", id="unknown-operator"),
    pytest.param(
        "app in ()",
        id="empty-set",
    ),
]


@pytest.mark.parametrize("selector", MALFORMED_LABEL_SELECTORS)
def test_malformed_label_selector_is_a_400_naming_it(selector: str) -> None:
    with pytest.raises(status.ApiError) as caught:
        label_selector(selector)
    assert caught.value.code == 400
    assert selector in caught.value.message


# -- Field selectors -----------------------------------------------------------------------------

RUNNING_ON_N1 = {
    "metadata": {"name": "web-1", "namespace": "default"},
    "spec": {"nodeName": "n1", "schedulerName": "default-scheduler"},
    "status": {"phase": "Running", "podIP": "10.0.0.5"},
}
FAILED_ON_N1 = {
    "metadata": {"name": "web-2", "namespace": "prod"},
    "spec": {"nodeName": "n1"},
    "status": {"phase": "Failed"},
}
PENDING = {"metadata": {"name": "web-3", "namespace": "default"}, "spec": {}, "status": {"phase": "Pending"}}
POD_EVENT = {
    "metadata": {"name": "web-1.17a", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u-1"},
    "reason": "Scheduled",
    "type": "Normal",
}
NODE_EVENT = {
    "metadata": {"name": "n1.17b", "namespace": "default"},
    "involvedObject": {"kind": "Node", "name": "n1", "uid": "u-2"},
    "reason": "NodeReady",
    "type": "Normal",
}

FIELD_CASES = [
    # Every kind: metadata.name and metadata.namespace.
    ("metadata.name=web-1", "Pod", RUNNING_ON_N1, True),
    ("metadata.name=web-1", "Pod", FAILED_ON_N1, False),
    ("metadata.name==web-1", "Pod", RUNNING_ON_N1, True),
    ("metadata.name!=web-1", "Pod", RUNNING_ON_N1, False),
    ("metadata.name=cfg", "ConfigMap", {"metadata": {"name": "cfg", "namespace": "default"}}, True),
    ("metadata.name=n1", "Node", {"metadata": {"name": "n1"}}, True),
    ("metadata.name=w", "Widget", {"metadata": {"name": "w", "namespace": "default"}}, True),
    ("metadata.namespace=default", "Service", {"metadata": {"name": "s", "namespace": "default"}}, True),
    ("metadata.namespace!=default", "Service", {"metadata": {"name": "s", "namespace": "default"}}, False),
    ("metadata.namespace!=default", "Pod", FAILED_ON_N1, True),
    # Pods: what the scheduler, the kubelet and `kubectl describe node` select by.
    ("spec.nodeName=n1", "Pod", RUNNING_ON_N1, True),
    ("spec.nodeName=n2", "Pod", RUNNING_ON_N1, False),
    ("spec.nodeName=", "Pod", PENDING, True),
    ("spec.nodeName=", "Pod", RUNNING_ON_N1, False),
    ("spec.nodeName!=", "Pod", RUNNING_ON_N1, True),
    ("status.phase!=Failed", "Pod", RUNNING_ON_N1, True),
    ("status.phase!=Failed", "Pod", FAILED_ON_N1, False),
    ("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", "Pod", RUNNING_ON_N1, True),
    ("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", "Pod", FAILED_ON_N1, False),
    ("spec.schedulerName=default-scheduler", "Pod", RUNNING_ON_N1, True),
    ("status.podIP=10.0.0.5", "Pod", RUNNING_ON_N1, True),
    (" status.phase = Pending ", "Pod", PENDING, True),
    # Events: what `kubectl describe pod` selects by.
    ("involvedObject.kind=Pod,involvedObject.name=web-1", "Event", POD_EVENT, True),
    ("involvedObject.kind=Pod,involvedObject.name=web-1", "Event", NODE_EVENT, False),
    (
        "involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u-1",
        "Event",
        POD_EVENT,
        True,
    ),
    ("involvedObject.namespace=", "Event", NODE_EVENT, True),
    ("involvedObject.uid=u-1", "Event", NODE_EVENT, False),
    ("reason=Scheduled,type=Normal", "Event", POD_EVENT, True),
    # Other kinds' documented fields.
    ("type=kubernetes.io/tls", "Secret", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls"}, True),
    (
        "status.phase=Terminating",
        "Namespace",
        {"metadata": {"name": "x"}, "status": {"phase": "Active"}},
        False,
    ),
    ("spec.unschedulable=true", "Node", {"metadata": {"name": "n1"}, "spec": {"unschedulable": True}}, True),
    ("", "Pod", FAILED_ON_N1, True),
]


@pytest.mark.parametrize(("selector", "kind", "obj", "expected"), FIELD_CASES)
def test_field_selector_matches(selector: str, kind: str, obj: dict[str, Any], expected: bool) -> None:
    assert field_selector(selector, kind)(obj) is expected


DOCUMENTED_BUT_MISSING = [
    pytest.param(
        "spec.unschedulable=false",
        "Node",
        {"metadata": {"name": "n1"}, "spec": {}},
        id="unset-bool-is-false",
    ),
    pytest.param(
        "source=kubelet",
        "Event",
        {"metadata": {"name": "e"}, "source": {"component": "kubelet", "host": "n1"}},
        id="event-source-is-component",
    ),
    pytest.param(
        "status.phase!=Running,spec.restartPolicy=Always",
        "Pod",
        {"metadata": {"name": "p"}, "spec": {"restartPolicy": "Always"}, "status": {"phase": "Pending"}},
        id="pod-restartPolicy",
    ),
    pytest.param(
        "spec.hostNetwork=true",
        "Pod",
        {"metadata": {"name": "p"}, "spec": {"hostNetwork": True}},
        id="pod-hostNetwork",
    ),
    pytest.param(
        "status.nominatedNodeName=n2",
        "Pod",
        {"metadata": {"name": "p"}, "status": {"nominatedNodeName": "n2"}},
        id="pod-nominatedNodeName",
    ),
    pytest.param(
        "status.replicas=3",
        "ReplicaSet",
        {"metadata": {"name": "rs"}, "status": {"replicas": 3}},
        id="replicaset-replicas",
    ),
    pytest.param(
        "status.successful=1",
        "Job",
        {"metadata": {"name": "j"}, "status": {"succeeded": 1}},
        id="job-successful",
    ),
]


@pytest.mark.parametrize(("selector", "kind", "obj"), DOCUMENTED_BUT_MISSING)
def test_documented_field_selectors_select(selector: str, kind: str, obj: dict[str, Any]) -> None:
    assert field_selector(selector, kind)(obj) is True


UNKNOWN_FIELDS = [
    ("foo.bar=baz", "Pod", "foo.bar"),
    ("spec.nodeName=n1", "Service", "spec.nodeName"),
    ("involvedObject.name=web", "Pod", "involvedObject.name"),
    ("status.phase=Running", "Deployment", "status.phase"),
    ("metadata.name=a,spec.replicas=3", "Deployment", "spec.replicas"),
    ("metadata.labels=x", "Pod", "metadata.labels"),
]


@pytest.mark.parametrize(("selector", "kind", "field"), UNKNOWN_FIELDS)
def test_unknown_field_is_a_400_naming_the_field(selector: str, kind: str, field: str) -> None:
    with pytest.raises(status.ApiError) as caught:
        field_selector(selector, kind)
    assert caught.value.code == 400
    assert f'"{field}" is not a known field selector' in caught.value.message


@pytest.mark.parametrize("selector", ["status.phase", "status.phase>Running", "=Running"])
def test_malformed_field_selector_is_a_400_naming_it(selector: str) -> None:
    with pytest.raises(status.ApiError) as caught:
        field_selector(selector, "Pod")
    assert caught.value.code == 400
    assert selector in caught.value.message
