"""Why: a Service must describe ports a proxy can forward (Kubernetes' ``ValidateService``):
ports in range, named when there are several, unique per protocol, a known type, and the
fields each type needs or forbids; a cluster IP, once given, stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.api import names
from kube_actors.api.validation.fields import FieldErrors, GoValue, child, go_quote, index, is_int
from kube_actors.api.validation.metadata import check_labels
from kube_actors.api.validation.pods import PROTOCOLS

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")


def check_service(errors: FieldErrors, obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    spec = obj.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    kind = spec.get("type")
    headless = spec.get("clusterIP") == "None"
    listed = spec.get("ports")
    ports: list[Any] = listed if isinstance(listed, list) else []
    if old is not None:
        _check_cluster_ip_kept(errors, spec, old)
    if not ports and not headless and kind != "ExternalName":
        errors.required("spec.ports", "")
    if kind in ("LoadBalancer", "NodePort") and headless:
        errors.invalid("spec.clusterIP", "None", f"may not be set to 'None' for {kind} services")
    if kind == "ExternalName":
        if spec.get("clusterIP"):
            errors.forbidden("spec.clusterIP", "must be empty for ExternalName services")
        external = spec.get("externalName")
        if external:
            errors.invalid_each("spec.externalName", external, names.is_dns1123_subdomain(str(external)))
        else:
            errors.required("spec.externalName", "")
    port_names: set[str] = set()
    for position, port in enumerate(ports):
        _check_port(errors, port, index("spec.ports", position), len(ports) > 1, port_names)
    check_labels(errors, spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity")
    if not affinity:
        errors.required("spec.sessionAffinity", "")
    elif affinity not in SESSION_AFFINITIES:
        errors.not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES)
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errors.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None")
    if not kind:
        errors.required("spec.type", "")
    elif kind not in SERVICE_TYPES:
        errors.not_supported("spec.type", kind, SERVICE_TYPES)
    if kind == "ClusterIP":
        for position, port in enumerate(ports):
            if isinstance(port, Mapping) and port.get("nodePort"):
                errors.forbidden(
                    child(index("spec.ports", position), "nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                )
    _check_unique_ports(errors, ports)


def _check_port(errors: FieldErrors, port: Any, path: str, name_required: bool, seen: set[str]) -> None:
    if not isinstance(port, Mapping):
        errors.invalid(path, port, "must be a service port")
        return
    name = port.get("name")
    if name_required and not name:
        errors.required(child(path, "name"), "")
    elif name:
        errors.invalid_each(child(path, "name"), name, names.is_dns1123_label(str(name)))
        if name in seen:
            errors.duplicate(child(path, "name"), name)
        seen.add(str(name))
    number = port.get("port")
    if not is_int(number) or names.is_valid_port_num(number):
        errors.invalid(child(path, "port"), number, names.inclusive_range_error(1, 65535))
    protocol = port.get("protocol")
    if not protocol:
        errors.required(child(path, "protocol"), "")
    elif protocol not in PROTOCOLS:
        errors.not_supported(child(path, "protocol"), protocol, PROTOCOLS)
    target = port.get("targetPort")
    if is_int(target):
        errors.invalid_each(child(path, "targetPort"), target, names.is_valid_port_num(target))
    elif isinstance(target, str):
        errors.invalid_each(child(path, "targetPort"), target, names.is_valid_port_name(target))
    elif target is not None:
        errors.invalid(child(path, "targetPort"), target, "must be a port number or name")


def _check_unique_ports(errors: FieldErrors, ports: list[Any]) -> None:
    """No two ports share a port number and protocol, nor a node port and protocol."""
    seen_ports: set[tuple[Any, Any]] = set()
    seen_node_ports: set[tuple[Any, Any]] = set()
    for position, port in enumerate(ports):
        if not isinstance(port, Mapping):
            continue
        path = index("spec.ports", position)
        node_port = port.get("nodePort")
        if node_port:
            if (port.get("protocol"), node_port) in seen_node_ports:
                errors.duplicate(child(path, "nodePort"), node_port)
            seen_node_ports.add((port.get("protocol"), node_port))
        pair = (port.get("protocol"), port.get("port"))
        if pair in seen_ports:
            errors.duplicate(path, _service_port(pair))
        seen_ports.add(pair)


def _service_port(pair: tuple[Any, Any]) -> GoValue:
    protocol, number = pair
    return GoValue(
        f'core.ServicePort{{Name:"", Protocol:{go_quote(str(protocol))}, AppProtocol:(*string)(nil), '
        f'Port:{number}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}'
    )


def _check_cluster_ip_kept(errors: FieldErrors, spec: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    old_spec = old.get("spec") if isinstance(old.get("spec"), Mapping) else {}
    assert isinstance(old_spec, Mapping)
    if spec.get("type") == "ExternalName" or old_spec.get("type") == "ExternalName":
        return
    if old_spec.get("clusterIP") and spec.get("clusterIP") != old_spec.get("clusterIP"):
        errors.immutable("spec.clusterIP", spec.get("clusterIP") or "")
