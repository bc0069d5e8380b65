"""Why: Kubernetes fills in what a manifest leaves out (a pod's ``restartPolicy: Always``, a
Deployment's rolling update at 25%), and kubectl, controllers and users read those values
back; the apiserver must store the same object Kubernetes would.

``apply_defaults`` is Kubernetes' defaulting, done when a body is decoded: it runs on every
create and update, fills only what is missing, and so is idempotent. Resource quantities are
stored in canonical form (``0.5`` becomes ``500m``), as Kubernetes re-encodes them.
``prepare_for_create`` and ``prepare_for_update`` are the create- and update-only steps of
Kubernetes' registry strategies (a namespace's ``kubernetes`` finalizer, a Job's generated
selector, a Service keeping its allocated IP), which must not run on every write: the
namespace finalizer is removed on purpose before a namespace is deleted.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any

from kube_actors.api.images import runs_latest
from kube_actors.api.quantity import QuantityError, parse_quantity
from kube_actors.api.trees import copy_tree

JsonObject = dict[str, Any]
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
_LEGACY_JOB_LABELS = {"controller-uid": CONTROLLER_UID_LABEL, "job-name": JOB_NAME_LABEL}
_VOLUME_MODE_BITS = 0o644  # 420, what Kubernetes shows as defaultMode
_VOLUME_SOURCES_WITH_MODE = ("secret", "configMap", "downwardAPI", "projected")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def apply_defaults(kind: str, obj: JsonObject) -> JsonObject:
    """A copy of ``obj`` with what Kubernetes defaults filled in; malformed parts are left for
    validation to report.

    >>> pod = apply_defaults("Pod", {"spec": {"containers": [{"name": "web", "image": "nginx"}]}})
    >>> pod["spec"]["restartPolicy"], pod["spec"]["containers"][0]["imagePullPolicy"]
    ('Always', 'Always')
    """
    filled = copy_tree(obj)
    defaulter = _DEFAULTERS.get(kind)
    if defaulter is not None and isinstance(filled, dict):
        defaulter(filled)
    return filled


def apply_status_defaults(kind: str, obj: JsonObject) -> JsonObject:
    """``apply_defaults`` for a write through the ``status`` subresource: all but the status is
    the stored object, defaulted when it was stored, so only the status is filled, and copied
    first only where Kubernetes defaults a status (a Node's): elsewhere nothing is changed,
    so the status given is kept as it is (a write's body is read-only, as stored objects are).

    >>> node = {"spec": {}, "status": {"capacity": {"cpu": "2"}}}
    >>> apply_status_defaults("Node", node)["status"]["allocatable"], "allocatable" in node["status"]
    ({'cpu': '2'}, False)
    """
    if kind not in _STATUS_DEFAULTED or not isinstance(obj.get("status"), dict):
        return dict(obj)
    filled = {**obj, "status": copy_tree(obj["status"])}
    _DEFAULTERS[kind](filled)
    return filled


def prepare_for_create(kind: str, obj: JsonObject, *, uid: str, in_place: bool = False) -> JsonObject:
    """A copy of ``obj`` (``obj`` itself if ``in_place``: one the caller owns, fresh from
    ``apply_defaults``) with what Kubernetes sets on create only; ``uid`` is the one the new
    object gets (a Job's generated selector names it).

    >>> prepare_for_create("Namespace", {"metadata": {"name": "team"}}, uid="u1")["spec"]
    {'finalizers': ['kubernetes']}
    """
    prepared = obj if in_place else copy_tree(obj)
    if kind == "Namespace":
        finalizers = _child(prepared, "spec").setdefault("finalizers", [])
        if isinstance(finalizers, list) and "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
    elif kind == "Job":
        _generate_job_selector(prepared, uid)
    return prepared


def prepare_for_update(kind: str, obj: JsonObject, old: JsonObject, *, in_place: bool = False) -> JsonObject:
    """A copy of ``obj`` (or ``obj`` itself, ``in_place``) keeping what the server allocated and
    the new body left out: a Service's cluster IPs and node ports survive a ``kubectl replace``
    of its manifest."""
    prepared = obj if in_place else copy_tree(obj)
    if kind == "Service":
        spec, old_spec = _child(prepared, "spec"), old.get("spec") or {}
        if spec.get("type") != "ExternalName":
            for name in ("clusterIP", "clusterIPs"):
                if not spec.get(name) and old_spec.get(name):
                    spec[name] = copy_tree(old_spec[name])
        allocated = {_port_key(p): p["nodePort"] for p in _items(old_spec, "ports") if p.get("nodePort")}
        for port in _items(spec, "ports"):
            if not port.get("nodePort") and _port_key(port) in allocated:
                port["nodePort"] = allocated[_port_key(port)]
    return prepared


def _port_key(port: JsonObject) -> tuple[Any, Any]:
    return port.get("port"), port.get("protocol") or "TCP"


def _pod(pod: JsonObject) -> None:
    spec = _child(pod, "spec")
    _pod_spec(spec)
    # Only Pods, not templates: limits stand for missing requests, links are on, and the
    # Priority admission step gives a pod without a class priority 0.
    for container in _items(spec, "containers") + _items(spec, "initContainers"):
        resources = _child(container, "resources")
        limits = resources.get("limits")
        if isinstance(limits, dict) and limits:
            requests = _child(resources, "requests")
            for name, amount in limits.items():
                requests.setdefault(name, amount)
    _fill(spec, "enableServiceLinks", True)
    if not spec.get("priorityClassName"):
        _fill(spec, "priority", 0)
        _fill(spec, "preemptionPolicy", "PreemptLowerPriority")


def _pod_template(owner: JsonObject) -> None:
    template = _child(_child(owner, "spec"), "template")
    _pod_spec(_child(template, "spec"))


def _pod_spec(spec: JsonObject) -> None:
    _fill(spec, "dnsPolicy", "ClusterFirst")
    _fill(spec, "restartPolicy", "Always")
    _fill(spec, "securityContext", {})
    _fill(spec, "terminationGracePeriodSeconds", 30)
    _fill(spec, "schedulerName", "default-scheduler")
    for container in _items(spec, "containers") + _items(spec, "initContainers"):
        _container(container, host_network=spec.get("hostNetwork") is True)
    for volume in _items(spec, "volumes"):
        _volume(volume)


def _container(container: JsonObject, *, host_network: bool) -> None:
    image = container.get("image")
    pull = "Always" if isinstance(image, str) and runs_latest(image) else "IfNotPresent"
    _fill(container, "imagePullPolicy", pull)
    _fill(container, "terminationMessagePath", "/dev/termination-log")
    _fill(container, "terminationMessagePolicy", "File")
    resources = _child(container, "resources")
    for amounts in (resources.get("limits"), resources.get("requests")):
        _canonical_quantities(amounts, round_to_milli=True)
    for port in _items(container, "ports"):
        _fill(port, "protocol", "TCP")
        if host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")
    for probe_name in _PROBES:
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            for name, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1)):
                _fill(probe, name, value)
            _fill(probe, "failureThreshold", 3)
            if isinstance(probe.get("httpGet"), dict):
                _fill(probe["httpGet"], "path", "/")
                _fill(probe["httpGet"], "scheme", "HTTP")
    for variable in _items(container, "env"):
        source = variable.get("valueFrom")
        if isinstance(source, dict) and isinstance(source.get("fieldRef"), dict):
            _fill(source["fieldRef"], "apiVersion", "v1")


def _volume(volume: JsonObject) -> None:
    if set(volume) <= {"name"}:
        volume["emptyDir"] = {}
    for source_name in _VOLUME_SOURCES_WITH_MODE:
        source = volume.get(source_name)
        if isinstance(source, dict):
            _fill(source, "defaultMode", _VOLUME_MODE_BITS)
    if isinstance(volume.get("hostPath"), dict):
        volume["hostPath"].setdefault("type", "")
    for projection in _items(volume.get("projected") or {}, "sources"):
        token = projection.get("serviceAccountToken")
        if isinstance(token, dict):
            _fill(token, "expirationSeconds", 3600)


def _deployment(deployment: JsonObject) -> None:
    spec = _child(deployment, "spec")
    _fill(spec, "replicas", 1)
    strategy = _child(spec, "strategy")
    _fill(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _child(strategy, "rollingUpdate")
        _fill(rolling, "maxUnavailable", "25%")
        _fill(rolling, "maxSurge", "25%")
    _fill(spec, "revisionHistoryLimit", 10)
    _fill(spec, "progressDeadlineSeconds", 600)
    _pod_template(deployment)


def _replica_set(replica_set: JsonObject) -> None:
    _fill(_child(replica_set, "spec"), "replicas", 1)
    _pod_template(replica_set)


def _stateful_set(stateful_set: JsonObject) -> None:
    spec = _child(stateful_set, "spec")
    _fill(spec, "podManagementPolicy", "OrderedReady")
    strategy = _child(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {})
    if strategy["type"] == "RollingUpdate" and isinstance(strategy.get("rollingUpdate"), dict):
        _fill(strategy["rollingUpdate"], "partition", 0)
    retention = _child(spec, "persistentVolumeClaimRetentionPolicy")
    _fill(retention, "whenDeleted", "Retain")
    _fill(retention, "whenScaled", "Retain")
    _fill(spec, "replicas", 1)
    _fill(spec, "revisionHistoryLimit", 10)
    for claim in _items(spec, "volumeClaimTemplates"):
        _claim(claim)
    _pod_template(stateful_set)


def _daemon_set(daemon_set: JsonObject) -> None:
    spec = _child(daemon_set, "spec")
    strategy = _child(spec, "updateStrategy")
    _fill(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _child(strategy, "rollingUpdate")
        _fill(rolling, "maxUnavailable", 1)
        _fill(rolling, "maxSurge", 0)
    _fill(spec, "revisionHistoryLimit", 10)
    _pod_template(daemon_set)


def _job(job: JsonObject) -> None:
    spec = _child(job, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _fill(spec, "parallelism", 1)
    _fill(spec, "backoffLimit", 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6)
    _fill(spec, "completionMode", "NonIndexed")
    _fill(spec, "suspend", False)
    _fill(spec, "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    template_labels = _child(_child(spec, "template"), "metadata").get("labels")
    metadata = _child(job, "metadata")
    if isinstance(template_labels, dict) and not metadata.get("labels"):
        metadata["labels"] = dict(template_labels)
    _pod_template(job)


def _generate_job_selector(job: JsonObject, uid: str) -> None:
    """Unless the user manages the selector, the Job's pods carry its uid and name and the
    selector picks them by uid, so no two Jobs ever share pods."""
    spec = _child(job, "spec")
    if spec.get("manualSelector") is True:
        return
    name = _child(job, "metadata").get("name", "")
    labels = _child(_child(_child(spec, "template"), "metadata"), "labels")
    for legacy, label in _LEGACY_JOB_LABELS.items():
        value = uid if label == CONTROLLER_UID_LABEL else name
        labels.setdefault(legacy, value)
        labels.setdefault(label, value)
    _child(_child(spec, "selector"), "matchLabels").setdefault(CONTROLLER_UID_LABEL, uid)


def _service(service: JsonObject) -> None:
    spec = _child(service, "spec")
    _fill(spec, "type", "ClusterIP")
    _fill(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _child(_child(spec, "sessionAffinityConfig"), "clientIP")
        _fill(client_ip, "timeoutSeconds", 10800)
    for port in _items(spec, "ports"):
        _fill(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs")):
        _fill(spec, "externalTrafficPolicy", "Cluster")
    if kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        _fill(spec, "internalTrafficPolicy", "Cluster")
        # The registry's choice on a single-stack (IPv4) cluster.
        _fill(spec, "ipFamilyPolicy", "SingleStack")
        _fill(spec, "ipFamilies", ["IPv4"])
    if kind == "LoadBalancer":
        _fill(spec, "allocateLoadBalancerNodePorts", True)


def _namespace(namespace: JsonObject) -> None:
    metadata = _child(namespace, "metadata")
    if isinstance(metadata.get("name"), str):
        _child(metadata, "labels")["kubernetes.io/metadata.name"] = metadata["name"]


def _secret(secret: JsonObject) -> None:
    _fill(secret, "type", "Opaque")
    # stringData is write-only: its entries are encoded into data, and win over it.
    plain = secret.pop("stringData", None)
    if isinstance(plain, dict) and plain:
        data = _child(secret, "data")
        for name, value in plain.items():
            data[name] = base64.b64encode(str(value).encode()).decode()


def _claim(claim: JsonObject) -> None:
    spec = _child(claim, "spec")
    _fill(spec, "volumeMode", "Filesystem")
    resources = spec.get("resources")
    if isinstance(resources, dict):
        for amounts in (resources.get("limits"), resources.get("requests")):
            _canonical_quantities(amounts, round_to_milli=True)


def _persistent_volume(volume: JsonObject) -> None:
    spec = _child(volume, "spec")
    _fill(spec, "persistentVolumeReclaimPolicy", "Retain")
    _fill(spec, "volumeMode", "Filesystem")
    _canonical_quantities(spec.get("capacity"), round_to_milli=True)


def _node(node: JsonObject) -> None:
    status = node.get("status")
    if not isinstance(status, dict):
        return
    _canonical_quantities(status.get("capacity"), round_to_milli=False)
    _canonical_quantities(status.get("allocatable"), round_to_milli=False)
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _canonical_quantities(amounts: Any, *, round_to_milli: bool) -> None:
    """Quantities as Kubernetes stores them; text that does not parse stays for validation."""
    if not isinstance(amounts, dict):
        return
    for name, text in amounts.items():
        try:
            amounts[name] = canonical_quantity(text, round_to_milli)
        except QuantityError:
            continue


@functools.lru_cache(maxsize=4096)  # manifests repeat the same few amounts
def canonical_quantity(text: Any, round_to_milli: bool) -> str:
    """An amount as Kubernetes stores it (``"0.5"`` -> ``"500m"``); QuantityError if it is not one.

    >>> canonical_quantity("0.5", False), canonical_quantity("1.0001", True)
    ('500m', '1001m')
    """
    amount = parse_quantity(text)
    return str(amount.rounded_up_to_milli() if round_to_milli else amount)


def _fill(target: JsonObject, name: str, value: Any) -> None:
    """Set a field Kubernetes would default: one that is absent, null or (strings) empty."""
    current = target.get(name)
    if current is None or current == "":
        target[name] = copy_tree(value) if isinstance(value, (dict, list)) else value


def _child(parent: JsonObject, name: str) -> JsonObject:
    """The object at ``parent[name]``, created when absent; a detached one when the field holds
    something else, so defaulting a malformed body never fails."""
    found = parent.get(name)
    if found is None:
        found = parent[name] = {}
    return found if isinstance(found, dict) else {}


def _items(parent: Any, name: str) -> list[JsonObject]:
    found = parent.get(name) if isinstance(parent, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


# Kinds whose defaulter fills in status (and nothing else a status write would keep).
_STATUS_DEFAULTED = frozenset({"Node"})
_DEFAULTERS: dict[str, Callable[[JsonObject], None]] = {
    "Pod": _pod,
    "PodTemplate": lambda template: _pod_spec(_child(_child(template, "template"), "spec")),
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "StatefulSet": _stateful_set,
    "DaemonSet": _daemon_set,
    "Job": _job,
    "Service": _service,
    "Namespace": _namespace,
    "Secret": _secret,
    "PersistentVolumeClaim": _claim,
    "PersistentVolume": _persistent_volume,
    "Node": _node,
}
