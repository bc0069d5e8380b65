"""The 422 causes the apiserver gives, worded as Kubernetes words them (kubectl prints them
verbatim: ``The Deployment "web" is invalid: spec.replicas: Invalid value: -1: ...``), checked
against Kubernetes' validation (apimachinery util/validation, pkg/apis/core/validation,
pkg/apis/apps/validation, pkg/apis/batch/validation)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kube_actors.api.defaults import apply_defaults, prepare_for_create
from kube_actors.api.validation import cause_reason, validate

Json = dict[str, Any]
Change = Callable[[Json], None]

LABEL_KEY_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
DNS_LABEL_RULE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def _container(name: str = "web", image: str = "nginx:1.27") -> Json:
    return {"name": name, "image": image}


def _pod() -> Json:
    return {"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"containers": [_container()]}}


def _template() -> Json:
    return {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [_container()]}}


def _selecting() -> Json:
    return {
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": _template()},
    }


def _job() -> Json:
    job = {"metadata": {"name": "pi"}, "spec": {"template": _template()}}
    job["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    return job


def _service() -> Json:
    return {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}


VALID: dict[str, Callable[[], Json]] = {
    "Pod": _pod,
    "Deployment": _selecting,
    "ReplicaSet": _selecting,
    "StatefulSet": lambda: {**_selecting(), "metadata": {"name": "db"}},
    "DaemonSet": _selecting,
    "Job": _job,
    "Service": _service,
    "ConfigMap": lambda: {"metadata": {"name": "conf"}, "data": {"app.properties": "a=b"}},
    "Secret": lambda: {"metadata": {"name": "creds"}, "data": {"password": "czNjcjN0"}},
    "Namespace": lambda: {"metadata": {"name": "team-a"}},
    "Node": lambda: {"metadata": {"name": "node-1.example"}},
}


def _stored(kind: str, change: Change | None = None) -> Json:
    """A valid object of ``kind`` as the apiserver stores it, changed by ``change``: defaulted,
    prepared for creation and given its uid."""
    obj = VALID[kind]()
    if change is not None:
        change(obj)
    obj = prepare_for_create(kind, apply_defaults(kind, obj), uid="uid-1")
    if isinstance(obj.get("metadata"), dict):
        obj["metadata"]["uid"] = "uid-1"
    return obj


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_objects_have_no_causes(kind: str) -> None:
    assert validate(kind, _stored(kind)) == []


def _set(path: str, value: Any) -> Change:
    """A change setting the field at a dotted path (``[n]`` indexes a list)."""

    def change(obj: Json) -> None:
        parts = path.replace("[", ".").replace("]", "").split(".")
        node: Any = obj
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str) -> Change:
    def change(obj: Json) -> None:
        *parents, last = path.split(".")
        node: Any = obj
        for part in parents:
            node = node[part]
        del node[last]

    return change


CAUSES = [
    # -- metadata ------------------------------------------------------------------------------
    (
        "Pod",
        _set("metadata.labels", {"-bad": "x"}),
        ("metadata.labels", f'Invalid value: "-bad": {LABEL_KEY_RULE}'),
    ),
    (
        "Pod",
        _set("metadata.labels", {"app": "bad value"}),
        ("metadata.labels", f'Invalid value: "bad value": {LABEL_VALUE_RULE}'),
    ),
    (
        "Pod",
        _set("metadata.labels", {"app": "x" * 64}),
        ("metadata.labels", f'Invalid value: "{"x" * 64}": must be no more than 63 characters'),
    ),
    (
        "Pod",
        _set("metadata.labels", {"-bad.io/app": "x"}),
        ("metadata.labels", f'Invalid value: "-bad.io/app": prefix part {SUBDOMAIN_RULE}'),
    ),
    (
        "Pod",
        _set("metadata.labels", {"a/b/c": "x"}),
        (
            "metadata.labels",
            (
                "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', "
                "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
                "'my.name',  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"
            ),
        ),
    ),
    (
        "Pod",
        _set("metadata.annotations", {"bad key": "x"}),
        ("metadata.annotations", f'Invalid value: "bad key": {LABEL_KEY_RULE}'),
    ),
    (
        "Pod",
        _set("metadata.annotations", {"big": "x" * 262142}),
        ("metadata.annotations", "Too long: may not be more than 262144 bytes"),
    ),
    ("Pod", _set("metadata.name", "Web"), ("metadata.name", f'Invalid value: "Web": {SUBDOMAIN_RULE}')),
    (
        "Pod",
        _set("metadata", {"labels": {}}),
        ("metadata.name", "Required value: name or generateName is required"),
    ),
    (
        "Pod",
        _set("metadata.namespace", "Team"),
        ("metadata.namespace", f'Invalid value: "Team": {DNS_LABEL_RULE}'),
    ),
    (
        "Namespace",
        _set("metadata.name", "team.a"),
        ("metadata.name", 'Invalid value: "team.a": must not contain dots'),
    ),
    (
        "Namespace",
        _set("metadata.name", "Team"),
        ("metadata.name", f'Invalid value: "Team": {DNS_LABEL_RULE}'),
    ),
    (
        "Service",
        _set("metadata.name", "1web"),
        (
            "metadata.name",
            (
                'Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric '
                "characters or '-', start with an alphabetic character, and end with an alphanumeric "
                "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
                "'[a-z]([-a-z0-9]*[a-z0-9])?')"
            ),
        ),
    ),
    (
        "StatefulSet",
        _set("metadata.name", "db.primary"),
        ("metadata.name", 'Invalid value: "db.primary": must not contain dots'),
    ),
    # Annotation keys are compared case-insensitively: an upper-case prefix is fine there.
    ("Pod", _set("metadata.annotations", {"Example.COM/Owner": "x"}), None),
    # -- pods ----------------------------------------------------------------------------------
    ("Pod", _set("spec.containers", []), ("spec.containers", "Required value")),
    ("Pod", _set("spec.containers[0].image", ""), ("spec.containers[0].image", "Required value")),
    (
        "Pod",
        _set("spec.containers[0].image", " nginx"),
        ("spec.containers[0].image", 'Invalid value: " nginx": must not have leading or trailing whitespace'),
    ),
    ("Pod", _set("spec.containers[0].name", ""), ("spec.containers[0].name", "Required value")),
    (
        "Pod",
        _set("spec.containers[0].name", "Web_1"),
        ("spec.containers[0].name", f'Invalid value: "Web_1": {DNS_LABEL_RULE}'),
    ),
    (
        "Pod",
        _set("spec.containers", [_container(), _container(image="redis:7")]),
        ("spec.containers[1].name", 'Duplicate value: "web"'),
    ),
    (
        "Pod",
        _set("spec.initContainers", [_container()]),
        ("spec.initContainers[0].name", 'Duplicate value: "web"'),
    ),
    (
        "Pod",
        _set("spec.restartPolicy", "Sometimes"),
        (
            "spec.restartPolicy",
            'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        ),
    ),
    (
        "Pod",
        _set("spec.dnsPolicy", "Google"),
        (
            "spec.dnsPolicy",
            (
                'Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", '
                '"Default", "None"'
            ),
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].imagePullPolicy", "Sometimes"),
        (
            "spec.containers[0].imagePullPolicy",
            'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
        ),
    ),
    (
        "Pod",
        _set("spec.activeDeadlineSeconds", 0),
        ("spec.activeDeadlineSeconds", "Invalid value: 0: must be between 1 and 2147483647, inclusive"),
    ),
    (
        "Pod",
        _set("spec.containers[0].ports", [{"containerPort": 0}]),
        (
            "spec.containers[0].ports[0].containerPort",
            "Invalid value: 0: must be between 1 and 65535, inclusive",
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].ports", [{"containerPort": 80, "protocol": "ICMP"}]),
        (
            "spec.containers[0].ports[0].protocol",
            'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        ),
    ),
    (
        "Pod",
        _set(
            "spec.containers[0].ports",
            [{"containerPort": 80, "name": "http"}, {"containerPort": 81, "name": "http"}],
        ),
        ("spec.containers[0].ports[1].name", 'Duplicate value: "http"'),
    ),
    (
        "Pod",
        _set("spec.containers[0].ports", [{"containerPort": 80, "name": "80"}]),
        ("spec.containers[0].ports[0].name", 'Invalid value: "80": must contain at least one letter (a-z)'),
    ),
    (
        "Pod",
        _set("spec.containers[0].resources", {"limits": {"cpu": "1"}, "requests": {"cpu": "2"}}),
        (
            "spec.containers[0].resources.requests",
            'Invalid value: "2": must be less than or equal to cpu limit of 1',
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].resources", {"limits": {"memory": "1Gi"}, "requests": {"memory": "1.5Gi"}}),
        (
            "spec.containers[0].resources.requests",
            'Invalid value: "1536Mi": must be less than or equal to memory limit of 1Gi',
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].resources", {"requests": {"cpu": "-1"}}),
        (
            "spec.containers[0].resources.requests[cpu]",
            'Invalid value: "-1": must be greater than or equal to 0',
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].resources", {"requests": {"memory": "1GB"}}),
        (
            "spec.containers[0].resources.requests[memory]",
            (
                'Invalid value: "1GB": quantities must match the regular expression '
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            ),
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].resources", {"limits": {"gpu": "1"}}),
        (
            "spec.containers[0].resources.limits[gpu]",
            "Invalid value: gpu: must be a standard resource for containers",
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].resources", {"limits": {"example.com/dongle": "0.5"}}),
        (
            "spec.containers[0].resources.limits[example.com/dongle]",
            'Invalid value: "500m": must be an integer',
        ),
    ),
    (
        "Pod",
        _set("spec.containers[0].volumeMounts", [{"name": "data", "mountPath": "/data"}]),
        ("spec.containers[0].volumeMounts[0].name", 'Not found: "data"'),
    ),
    (
        "Pod",
        _set("spec.volumes", [{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]),
        ("spec.volumes[1].name", 'Duplicate value: "a"'),
    ),
    (
        "Pod",
        _set("spec.nodeSelector", {"disk": "fast ssd"}),
        ("spec.nodeSelector", f'Invalid value: "fast ssd": {LABEL_VALUE_RULE}'),
    ),
    (
        "Pod",
        _set("spec.tolerations", [{"operator": "Equal", "value": "x"}]),
        (
            "spec.tolerations[0].operator",
            (
                'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all '
                'values and all keys"'
            ),
        ),
    ),
    (
        "Pod",
        _set(
            "spec.tolerations",
            [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}],
        ),
        (
            "spec.tolerations[0].effect",
            "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
    ),
    (
        "Pod",
        _set("spec.tolerations", [{"key": "k", "operator": "Maybe"}]),
        ("spec.tolerations[0].operator", 'Unsupported value: "Maybe": supported values: "Equal", "Exists"'),
    ),
    (
        "Pod",
        _set("spec.tolerations", [{"key": "k", "operator": "Exists", "effect": "NoRun"}]),
        (
            "spec.tolerations[0].effect",
            'Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        ),
    ),
    # -- workloads -----------------------------------------------------------------------------
    (
        "Deployment",
        _set("spec.replicas", -1),
        ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0"),
    ),
    (
        "ReplicaSet",
        _set("spec.replicas", -1),
        ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0"),
    ),
    (
        "StatefulSet",
        _set("spec.replicas", -1),
        ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0"),
    ),
    ("Deployment", _drop("spec.selector"), ("spec.selector", "Required value")),
    ("StatefulSet", _drop("spec.selector"), ("spec.selector", "Required value")),
    ("DaemonSet", _drop("spec.selector"), ("spec.selector", "Required value")),
    (
        "Deployment",
        _set("spec.selector", {}),
        (
            "spec.selector",
            (
                "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
                "deployment"
            ),
        ),
    ),
    (
        "DaemonSet",
        _set("spec.selector", {"matchLabels": {}}),
        (
            "spec.selector",
            (
                "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, "
                "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
                "daemonset"
            ),
        ),
    ),
    (
        "Deployment",
        _set("spec.selector.matchLabels", {"app": "api"}),
        (
            "spec.template.metadata.labels",
            'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
        ),
    ),
    (
        "StatefulSet",
        _set("spec.template.metadata.labels", {}),
        (
            "spec.template.metadata.labels",
            "Invalid value: map[string]string{}: `selector` does not match template `labels`",
        ),
    ),
    (
        "Deployment",
        _set("spec.selector.matchExpressions", [{"key": "tier", "operator": "In"}]),
        (
            "spec.selector.matchExpressions[0].values",
            "Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
    ),
    (
        "Deployment",
        _set("spec.selector.matchExpressions", [{"key": "tier", "operator": "Exists", "values": ["a"]}]),
        (
            "spec.selector.matchExpressions[0].values",
            "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
    ),
    (
        "Deployment",
        _set("spec.selector.matchExpressions", [{"key": "tier", "operator": "Like"}]),
        (
            "spec.selector.matchExpressions[0].operator",
            'Invalid value: "Like": not a valid selector operator',
        ),
    ),
    (
        "Deployment",
        _set("spec.template.spec.containers[0].image", ""),
        ("spec.template.spec.containers[0].image", "Required value"),
    ),
    (
        "Deployment",
        _set("spec.template.spec.restartPolicy", "Never"),
        ("spec.template.spec.restartPolicy", 'Unsupported value: "Never": supported values: "Always"'),
    ),
    (
        "DaemonSet",
        _set("spec.template.spec.activeDeadlineSeconds", 10),
        (
            "spec.template.spec.activeDeadlineSeconds",
            "Forbidden: activeDeadlineSeconds in DaemonSet is not Supported",
        ),
    ),
    (
        "Deployment",
        _set("spec.strategy", {"type": "Recreate", "rollingUpdate": {}}),
        ("spec.strategy.rollingUpdate", "Forbidden: may not be specified when strategy `type` is 'Recreate'"),
    ),
    (
        "Deployment",
        _set("spec.strategy.rollingUpdate", {"maxSurge": 0, "maxUnavailable": "0%"}),
        (
            "spec.strategy.rollingUpdate.maxUnavailable",
            "Invalid value: 0%: may not be 0 when `maxSurge` is 0",
        ),
    ),
    (
        "Deployment",
        _set("spec.strategy.rollingUpdate", {"maxSurge": 1, "maxUnavailable": "150%"}),
        ("spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: 150%: must not be greater than 100%"),
    ),
    (
        "Deployment",
        _set("spec.strategy.rollingUpdate", {"maxSurge": "lots", "maxUnavailable": 1}),
        (
            "spec.strategy.rollingUpdate.maxSurge",
            (
                "Invalid value: lots: a valid percent string must be a numeric string followed by an ending "
                "'%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
            ),
        ),
    ),
    (
        "Deployment",
        lambda d: d["spec"].update(minReadySeconds=10, progressDeadlineSeconds=5),
        ("spec.progressDeadlineSeconds", "Invalid value: 5: must be greater than minReadySeconds"),
    ),
    (
        "DaemonSet",
        _set("spec.updateStrategy.rollingUpdate", {"maxUnavailable": 1, "maxSurge": 1}),
        (
            "spec.updateStrategy.rollingUpdate.maxSurge",
            "Invalid value: 1: may not be set when maxUnavailable is non-zero",
        ),
    ),
    (
        "StatefulSet",
        _set("spec.podManagementPolicy", "Random"),
        ("spec.podManagementPolicy", "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"),
    ),
    (
        "StatefulSet",
        _set("spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}),
        (
            "spec.updateStrategy.rollingUpdate.partition",
            "Invalid value: -1: must be greater than or equal to 0",
        ),
    ),
    (
        "Job",
        _set("spec.template.spec.restartPolicy", "Always"),
        (
            "spec.template.spec.restartPolicy",
            'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        ),
    ),
    (
        "Job",
        _drop("spec.template.spec.restartPolicy"),
        (
            "spec.template.spec.restartPolicy",
            'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        ),
    ),
    (
        "Job",
        _set("spec.parallelism", -1),
        ("spec.parallelism", "Invalid value: -1: must be greater than or equal to 0"),
    ),
    (
        "Job",
        _set("spec.completions", -2),
        ("spec.completions", "Invalid value: -2: must be greater than or equal to 0"),
    ),
    (
        "Job",
        _set("spec.backoffLimit", -1),
        ("spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0"),
    ),
    (
        "Job",
        _set("spec.completionMode", "Sometimes"),
        ("spec.completionMode", 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'),
    ),
    ("Job", _set("spec.completionMode", "Indexed"), None),
    (
        "Job",
        _set("spec.selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": "other"}}),
        (
            "spec.selector",
            (
                "Invalid value: v1.LabelSelector{MatchLabels:"
                'map[string]string{"batch.kubernetes.io/controller-uid":"other"}, '
                "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated"
            ),
        ),
    ),
    (
        "Job",
        _set("spec.template.metadata.labels", {"batch.kubernetes.io/controller-uid": "other"}),
        (
            "spec.template.metadata.labels",
            (
                'Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"other", '
                '"batch.kubernetes.io/job-name":"pi", "controller-uid":"uid-1", "job-name":"pi"}: `selector` '
                "does not match template `labels`"
            ),
        ),
    ),
    ("Job", lambda j: j["spec"].update(manualSelector=True, selector={"matchLabels": {"app": "web"}}), None),
    # -- services ------------------------------------------------------------------------------
    ("Service", _set("spec.ports", []), ("spec.ports", "Required value")),
    (
        "Service",
        _set("spec.ports[0].port", 0),
        ("spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"),
    ),
    (
        "Service",
        _set("spec.ports[0].port", 70000),
        ("spec.ports[0].port", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ),
    (
        "Service",
        _set("spec.ports[0].targetPort", "HTTP"),
        (
            "spec.ports[0].targetPort",
            'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        ),
    ),
    (
        "Service",
        _set("spec.type", "Internal"),
        (
            "spec.type",
            (
                'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", '
                '"LoadBalancer", "NodePort"'
            ),
        ),
    ),
    (
        "Service",
        _set("spec.sessionAffinity", "Sticky"),
        ("spec.sessionAffinity", 'Unsupported value: "Sticky": supported values: "ClientIP", "None"'),
    ),
    ("Service", _set("spec.ports", [{"port": 80}, {"port": 443}]), ("spec.ports[0].name", "Required value")),
    (
        "Service",
        _set("spec.ports", [{"port": 80, "name": "http"}, {"port": 443, "name": "http"}]),
        ("spec.ports[1].name", 'Duplicate value: "http"'),
    ),
    (
        "Service",
        _set("spec.ports[0].nodePort", 30080),
        ("spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'"),
    ),
    (
        "Service",
        _set("spec.ports[0].protocol", "ICMP"),
        ("spec.ports[0].protocol", 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'),
    ),
    ("Service", _set("spec", {"type": "ExternalName"}), ("spec.externalName", "Required value")),
    ("Service", _set("spec", {"type": "ExternalName", "externalName": "db.example.com"}), None),
    ("Service", _set("spec", {"clusterIP": "None", "selector": {"app": "db"}}), None),
    (
        "Service",
        _set("spec", {"type": "NodePort", "clusterIP": "None", "ports": [{"port": 80}]}),
        ("spec.clusterIP", "Invalid value: \"None\": may not be set to 'None' for NodePort services"),
    ),
    # -- configuration -------------------------------------------------------------------------
    (
        "ConfigMap",
        _set("data", {"bad key": "x"}),
        (
            "data[bad key]",
            (
                'Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '
                "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation "
                "is '[-._a-zA-Z0-9]+')"
            ),
        ),
    ),
    (
        "ConfigMap",
        _set("data", {"..data": "x"}),
        ("data[..data]", "Invalid value: \"..data\": must not start with '..'"),
    ),
    (
        "ConfigMap",
        _set("data", {"big": "x" * (1024 * 1024 + 1)}),
        ("", "Too long: may not be more than 1048576 bytes"),
    ),
    (
        "ConfigMap",
        _set("binaryData", {"app.properties": "eA=="}),
        ("data[app.properties]", 'Invalid value: "app.properties": duplicate of key present in binaryData'),
    ),
    (
        "Secret",
        _set("data", {"big": "eHh4" * (350 * 1024)}),
        ("data", "Too long: may not be more than 1048576 bytes"),
    ),
    (
        "Secret",
        _set("data", {"password": "not base64!"}),
        (
            "data[password]",
            'Invalid value: "<secret contents redacted>": illegal base64 data: Only base64 data is allowed',
        ),
    ),
    ("Secret", _set("type", "kubernetes.io/tls"), ("data[tls.crt]", "Required value")),
]


@pytest.mark.parametrize(("kind", "change", "cause"), CAUSES)
def test_invalid_objects_are_refused_with_kubernetes_causes(
    kind: str, change: Change, cause: tuple[str, str] | None
) -> None:
    causes = validate(kind, _stored(kind, change))
    if cause is None:
        assert causes == []
    else:
        assert cause in causes


@pytest.mark.parametrize("kind", sorted(VALID))
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"metadata": "web", "spec": "x"},
        {"metadata": {"name": 5, "labels": ["a"], "annotations": "x"}, "spec": []},
        {
            "metadata": {"name": "web"},
            "spec": {"containers": [None, {"name": 3, "ports": "80"}], "tolerations": [1]},
        },
        {
            "metadata": {"name": "web"},
            "spec": {"selector": "app=web", "template": {"metadata": [], "spec": 1}},
        },
        {"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": [], "matchExpressions": [3]}}},
        {
            "metadata": {"name": "web"},
            "spec": {"ports": [None, {"port": "http"}]},
            "data": [],
            "binaryData": 1,
        },
    ],
)
def test_malformed_bodies_are_answered_not_crashed_on(kind: str, body: Json) -> None:
    causes = validate(kind, body)
    assert all(isinstance(path, str) and isinstance(message, str) for path, message in causes)


def test_a_repeated_problem_is_reported_once() -> None:
    pod = _stored("Pod", _set("metadata.labels", {"a": "bad value", "b": "bad value"}))
    assert validate("Pod", pod) == [("metadata.labels", f'Invalid value: "bad value": {LABEL_VALUE_RULE}')]


def test_every_problem_is_reported_not_only_the_first() -> None:
    deployment = _stored(
        "Deployment", lambda d: d["spec"].update(replicas=-1, template={"metadata": {}, "spec": {}})
    )
    paths = [path for path, _ in validate("Deployment", deployment)]
    assert "spec.replicas" in paths and "spec.template.metadata.labels" in paths
    assert "spec.template.spec.containers" in paths


def test_generate_name_stands_in_for_a_name_and_may_end_in_a_dash() -> None:
    pod = _stored("Pod", _set("metadata", {"generateName": "web-"}))
    assert validate("Pod", pod) == []
    bad = _stored("Pod", _set("metadata", {"generateName": "Web-"}))
    assert validate("Pod", bad)[0][0] == "metadata.generateName"


def test_kinds_without_rules_of_their_own_get_the_metadata_rules() -> None:
    assert validate("Lease", {"metadata": {"name": "holder", "labels": {"ok": "yes"}}}) == []
    assert validate("Lease", {"metadata": {"name": "Holder"}})[0][0] == "metadata.name"


def _update(kind: str, change: Change) -> list[tuple[str, str]]:
    old = _stored(kind)
    new = copy.deepcopy(old)
    change(new)
    return validate(kind, apply_defaults(kind, new), old=old)


POD_UPDATE_FORBIDDEN = (
    "spec",
    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
    "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
    "previously negative)",
)

UPDATES = [
    ("Pod", _set("spec.containers[0].image", "nginx:1.28"), None),
    ("Pod", _set("metadata.labels", {"app": "web", "canary": "true"}), None),
    ("Pod", _set("spec.activeDeadlineSeconds", 60), None),
    ("Pod", _set("spec.tolerations", [{"key": "k", "operator": "Exists"}]), None),
    (
        "Pod",
        _set("spec.containers[0].ports", [{"containerPort": 80, "protocol": "TCP"}]),
        POD_UPDATE_FORBIDDEN,
    ),
    ("Pod", _set("spec.nodeName", "node-2"), POD_UPDATE_FORBIDDEN),
    (
        "Pod",
        _set("spec.containers", [_container(), _container("sidecar")]),
        ("spec.containers", "Forbidden: pod updates may not add or remove containers"),
    ),
    ("Deployment", _set("spec.replicas", 5), None),
    ("Deployment", _set("spec.template.spec.containers[0].image", "nginx:1.28"), None),
    (
        "Deployment",
        lambda d: (
            d["spec"]["selector"]["matchLabels"].update(tier="front"),
            d["spec"]["template"]["metadata"]["labels"].update(tier="front"),
        ),
        (
            "spec.selector",
            (
                'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, '
                "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
            ),
        ),
    ),
    (
        "ReplicaSet",
        _set("spec.selector.matchExpressions", [{"key": "app", "operator": "Exists"}]),
        (
            "spec.selector",
            (
                'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, '
                'MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", '
                'Operator:"Exists", Values:[]string(nil)}}}: field is immutable'
            ),
        ),
    ),
    ("StatefulSet", _set("spec.replicas", 3), None),
    (
        "StatefulSet",
        _set("spec.serviceName", "other"),
        (
            "spec",
            (
                "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                "are forbidden"
            ),
        ),
    ),
    (
        "Job",
        _set("spec.template.spec.containers[0].image", "perl:6"),
        ("spec.template", "Invalid value: core.PodTemplateSpec{...}: field is immutable"),
    ),
    ("Job", _set("spec.completions", 3), ("spec.completions", "Invalid value: 3: field is immutable")),
    ("Job", _set("spec.suspend", True), None),
    ("Service", _set("spec.clusterIP", "10.96.0.99"), None),
    ("ConfigMap", _set("data", {"app.properties": "a=c"}), None),
]


@pytest.mark.parametrize(("kind", "change", "cause"), UPDATES)
def test_updates_may_change_only_what_kubernetes_lets_change(
    kind: str, change: Change, cause: tuple[str, str] | None
) -> None:
    causes = _update(kind, change)
    if cause is None:
        assert causes == []
    else:
        assert cause in causes


def test_pod_tolerations_may_be_added_and_their_seconds_changed_but_not_removed() -> None:
    def with_tolerations(*tolerations: Json) -> Json:
        return _stored("Pod", _set("spec.tolerations", list(tolerations)))

    old = with_tolerations(
        {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    )
    longer = with_tolerations(
        {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}
    )
    assert validate("Pod", longer, old=old) == []
    removed = with_tolerations()
    assert validate("Pod", removed, old=old) == [
        (
            "spec.tolerations",
            "Forbidden: existing toleration can not be modified except its tolerationSeconds",
        )
    ]


def test_pod_deadline_may_only_shrink() -> None:
    old = _stored("Pod", _set("spec.activeDeadlineSeconds", 60))
    longer = _stored("Pod", _set("spec.activeDeadlineSeconds", 120))
    assert validate("Pod", longer, old=old) == [
        ("spec.activeDeadlineSeconds", "Invalid value: 120: must be less than or equal to previous value")
    ]
    assert validate("Pod", _stored("Pod", _set("spec.activeDeadlineSeconds", 30)), old=old) == []


def test_an_assigned_cluster_ip_stays() -> None:
    old = _stored("Service", _set("spec.clusterIP", "10.96.0.10"))
    moved = _stored("Service", _set("spec.clusterIP", "10.96.0.11"))
    assert validate("Service", moved, old=old) == [
        ("spec.clusterIP", 'Invalid value: "10.96.0.11": field is immutable')
    ]


def test_immutable_config_and_secrets_keep_their_data() -> None:
    old = _stored("ConfigMap", _set("immutable", True))
    changed = _stored("ConfigMap", lambda c: c.update(immutable=True, data={"app.properties": "x"}))
    assert validate("ConfigMap", changed, old=old) == [
        ("data", "Forbidden: field is immutable when `immutable` is set")
    ]
    unlocked = _stored("ConfigMap", _set("immutable", False))
    assert ("immutable", "Forbidden: field is immutable when `immutable` is set") in validate(
        "ConfigMap", unlocked, old=old
    )
    secret = _stored("Secret")
    retyped = _stored("Secret", lambda s: s.update(type="kubernetes.io/basic-auth"))
    assert validate("Secret", retyped, old=secret) == [
        ("type", 'Invalid value: "kubernetes.io/basic-auth": field is immutable')
    ]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Required value", "FieldValueRequired"),
        ("Invalid value: -1: must be greater than or equal to 0", "FieldValueInvalid"),
        ('Unsupported value: "x": supported values: "a"', "FieldValueNotSupported"),
        ('Duplicate value: "web"', "FieldValueDuplicate"),
        ("Forbidden: no", "FieldValueForbidden"),
        ("Too long: may not be more than 1 bytes", "FieldValueTooLong"),
        ('Not found: "data"', "FieldValueNotFound"),
    ],
)
def test_each_cause_has_the_reason_kubernetes_gives_it(message: str, reason: str) -> None:
    assert cause_reason(message) == reason
