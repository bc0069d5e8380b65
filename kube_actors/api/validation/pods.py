"""Why: a pod spec is checked wherever one appears, in a Pod or a workload's template
(Kubernetes' ``ValidatePodSpec``): containers named uniquely and given an image, enumerated
fields from their allowed values, resources that parse with requests within limits,
tolerations and volumes well formed. A running Pod's spec is then mostly immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_actors.api import names
from kube_actors.api.quantity import QuantityError, parse_quantity
from kube_actors.api.trees import copy_tree
from kube_actors.api.validation.fields import FieldErrors, GoValue, child, index, is_int, key
from kube_actors.api.validation.metadata import check_labels, check_template_meta

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
PROTOCOLS = ("SCTP", "TCP", "UDP")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
TOLERATION_OPERATORS = ("Equal", "Exists")
_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_MAX_INT32 = 2**31 - 1
UPDATABLE_POD_FIELDS = ",".join(
    (
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    )
)


def check_pod_template(errors: FieldErrors, template: Any, path: str) -> None:
    """A workload's ``spec.template``: its labels and annotations, and its pod spec."""
    if not isinstance(template, Mapping):
        errors.required(path, "")
        return
    check_template_meta(errors, template.get("metadata"), child(path, "metadata"))
    check_pod_spec(errors, template.get("spec"), child(path, "spec"))


def check_pod_spec(errors: FieldErrors, spec: Any, path: str) -> None:
    if not isinstance(spec, Mapping):
        errors.required(child(path, "containers"), "")
        return
    volumes = _check_volumes(errors, spec.get("volumes"), child(path, "volumes"))
    seen: set[str] = set()
    containers = spec.get("containers")
    if not containers or not isinstance(containers, list):
        errors.required(child(path, "containers"), "")
    else:
        _check_containers(errors, containers, child(path, "containers"), seen, volumes)
    if isinstance(spec.get("initContainers"), list):
        _check_containers(errors, spec["initContainers"], child(path, "initContainers"), seen, volumes)
    _check_choice(errors, spec.get("restartPolicy"), child(path, "restartPolicy"), RESTART_POLICIES)
    _check_choice(errors, spec.get("dnsPolicy"), child(path, "dnsPolicy"), DNS_POLICIES, required=False)
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (not is_int(deadline) or not 1 <= deadline <= _MAX_INT32):
        errors.invalid(
            child(path, "activeDeadlineSeconds"), deadline, names.inclusive_range_error(1, _MAX_INT32)
        )
    check_labels(errors, spec.get("nodeSelector"), child(path, "nodeSelector"))
    check_tolerations(errors, spec.get("tolerations"), child(path, "tolerations"))


def check_tolerations(errors: FieldErrors, tolerations: Any, path: str) -> None:
    if tolerations is None:
        return
    if not isinstance(tolerations, list):
        errors.invalid(path, tolerations, "must be a list of tolerations")
        return
    for position, toleration in enumerate(tolerations):
        at = index(path, position)
        if not isinstance(toleration, Mapping):
            errors.invalid(at, toleration, "must be a toleration")
            continue
        toleration_key, operator = toleration.get("key") or "", toleration.get("operator") or ""
        effect, value = toleration.get("effect") or "", toleration.get("value") or ""
        if toleration_key:
            errors.invalid_each(child(at, "key"), toleration_key, names.is_qualified_name(toleration_key))
        elif operator != "Exists":
            errors.invalid(
                child(at, "operator"),
                operator,
                'operator must be Exists when `key` is empty, which means "match all values and all keys"',
            )
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.invalid(
                child(at, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"
            )
        if operator in ("Equal", ""):
            problems = names.is_label_value(str(value))
            if problems:
                errors.invalid(child(at, "operator"), value, ";".join(problems))
        elif operator == "Exists":
            if value:
                errors.invalid(
                    child(at, "operator"), dict(toleration), "value must be empty when `operator` is 'Exists'"
                )
        else:
            errors.not_supported(child(at, "operator"), operator, TOLERATION_OPERATORS)
        if effect and effect not in TAINT_EFFECTS:
            errors.not_supported(child(at, "effect"), effect, TAINT_EFFECTS)


def check_pod_update(errors: FieldErrors, new: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    """Only images, a shorter deadline and added tolerations may change in a Pod's spec."""
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, Mapping) or not isinstance(old_spec, Mapping):
        return
    for field_name in ("containers", "initContainers"):
        if len(new_spec.get(field_name) or []) != len(old_spec.get(field_name) or []):
            errors.forbidden(child("spec", field_name), "pod updates may not add or remove containers")
            return
    before = len(errors)
    _check_deadline_update(
        errors, new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    )
    _check_only_added_tolerations(
        errors, new_spec.get("tolerations") or [], old_spec.get("tolerations") or []
    )
    if len(errors) > before:
        return
    munged = copy_tree(dict(new_spec))
    for field_name in ("containers", "initContainers"):
        for mine, theirs in zip(munged.get(field_name) or [], old_spec.get(field_name) or [], strict=True):
            if isinstance(mine, dict) and isinstance(theirs, Mapping):
                mine["image"] = theirs.get("image")
    for field_name in ("activeDeadlineSeconds", "tolerations"):
        _copy_field(munged, old_spec, field_name)
    grace, old_grace = (
        munged.get("terminationGracePeriodSeconds"),
        old_spec.get("terminationGracePeriodSeconds"),
    )
    if grace == 1 and is_int(old_grace) and old_grace < 0:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged != dict(old_spec):
        errors.forbidden("spec", f"pod updates may not change fields other than {UPDATABLE_POD_FIELDS}")


def _check_containers(
    errors: FieldErrors, containers: list[Any], path: str, seen: set[str], volumes: set[str]
) -> None:
    for position, container in enumerate(containers):
        at = index(path, position)
        if not isinstance(container, Mapping):
            errors.invalid(at, container, "must be a container")
            continue
        name = container.get("name")
        if not name:
            errors.required(child(at, "name"), "")
        elif not isinstance(name, str):
            errors.invalid(child(at, "name"), name, "must be a string")
        else:
            errors.invalid_each(child(at, "name"), name, names.is_dns1123_label(name))
            if name in seen:
                errors.duplicate(child(at, "name"), name)
            seen.add(name)
        image = container.get("image")
        if not image:
            errors.required(child(at, "image"), "")
        elif isinstance(image, str) and image != image.strip():
            errors.invalid(child(at, "image"), image, "must not have leading or trailing whitespace")
        _check_choice(errors, container.get("imagePullPolicy"), child(at, "imagePullPolicy"), PULL_POLICIES)
        _check_choice(
            errors,
            container.get("terminationMessagePolicy"),
            child(at, "terminationMessagePolicy"),
            TERMINATION_MESSAGE_POLICIES,
        )
        _check_ports(errors, container.get("ports"), child(at, "ports"))
        _check_resources(errors, container.get("resources"), child(at, "resources"))
        _check_mounts(errors, container.get("volumeMounts"), child(at, "volumeMounts"), volumes)


def _check_ports(errors: FieldErrors, ports: Any, path: str) -> None:
    if not isinstance(ports, list):
        return
    seen: set[str] = set()
    for position, port in enumerate(ports):
        at = index(path, position)
        if not isinstance(port, Mapping):
            errors.invalid(at, port, "must be a container port")
            continue
        name = port.get("name")
        if name:
            errors.invalid_each(child(at, "name"), name, names.is_valid_port_name(str(name)))
            if name in seen:
                errors.duplicate(child(at, "name"), name)
            seen.add(str(name))
        number = port.get("containerPort")
        if number is None:
            errors.required(child(at, "containerPort"), "")
        elif not is_int(number) or names.is_valid_port_num(number):
            errors.invalid(child(at, "containerPort"), number, names.inclusive_range_error(1, 65535))
        host_port = port.get("hostPort")
        if host_port not in (None, 0) and (not is_int(host_port) or names.is_valid_port_num(host_port)):
            errors.invalid(child(at, "hostPort"), host_port, names.inclusive_range_error(1, 65535))
        protocol = port.get("protocol")
        if protocol is None:
            errors.required(child(at, "protocol"), "")
        elif protocol not in PROTOCOLS:
            errors.not_supported(child(at, "protocol"), protocol, PROTOCOLS)


def _check_resources(errors: FieldErrors, resources: Any, path: str) -> None:
    if not isinstance(resources, Mapping):
        return
    parsed: dict[str, dict[str, Any]] = {}
    for kind in ("limits", "requests"):
        amounts = resources.get(kind)
        parsed[kind] = {}
        if not isinstance(amounts, Mapping):
            continue
        for name, text in amounts.items():
            at = key(child(path, kind), str(name))
            _check_resource_name(errors, str(name), at)
            try:
                amount = parse_quantity(text)
            except QuantityError as bad:
                errors.invalid(at, text, str(bad))
                continue
            if amount.amount < 0:
                errors.invalid(at, str(amount), "must be greater than or equal to 0")
            elif (
                "/" in str(name)
                and not str(name).startswith(("kubernetes.io/", "requests."))
                and (amount.amount.denominator != 1)
            ):
                errors.invalid(at, str(amount), "must be an integer")
            parsed[kind][str(name)] = amount
    for name, request in parsed["requests"].items():
        limit = parsed["limits"].get(name)
        if limit is not None and request > limit:
            errors.invalid(
                child(path, "requests"),
                str(request),
                f"must be less than or equal to {name} limit of {limit}",
            )


def _check_resource_name(errors: FieldErrors, name: str, path: str) -> None:
    problems = names.is_qualified_name(name)
    errors.invalid_each(path, GoValue(name), problems)
    if "/" not in name and name not in _CONTAINER_RESOURCES and not name.startswith("hugepages-"):
        if not problems:
            errors.invalid(path, GoValue(name), "must be a standard resource type or fully qualified")
        errors.invalid(path, GoValue(name), "must be a standard resource for containers")


def _check_volumes(errors: FieldErrors, volumes: Any, path: str) -> set[str]:
    found: set[str] = set()
    if not isinstance(volumes, list):
        return found
    for position, volume in enumerate(volumes):
        at = index(path, position)
        name = volume.get("name") if isinstance(volume, Mapping) else None
        if not name:
            errors.required(child(at, "name"), "")
            continue
        errors.invalid_each(child(at, "name"), name, names.is_dns1123_label(str(name)))
        if name in found:
            errors.duplicate(child(at, "name"), name)
        found.add(str(name))
    return found


def _check_mounts(errors: FieldErrors, mounts: Any, path: str, volumes: set[str]) -> None:
    if not isinstance(mounts, list):
        return
    for position, mount in enumerate(mounts):
        at = index(path, position)
        if not isinstance(mount, Mapping):
            errors.invalid(at, mount, "must be a volume mount")
            continue
        name = mount.get("name")
        if not name:
            errors.required(child(at, "name"), "")
        elif name not in volumes:
            errors.not_found(child(at, "name"), name)
        if not mount.get("mountPath"):
            errors.required(child(at, "mountPath"), "")


def _check_choice(
    errors: FieldErrors, value: Any, path: str, allowed: tuple[str, ...], *, required: bool = True
) -> None:
    """An enumerated field; apply_defaults fills the ones Kubernetes defaults."""
    if value is None or value == "":
        if required:
            errors.required(path, "")
    elif value not in allowed:
        errors.not_supported(path, value, allowed)


def _check_deadline_update(errors: FieldErrors, new: Any, old: Any) -> None:
    path = "spec.activeDeadlineSeconds"
    if new is None:
        if old is not None:
            errors.invalid(path, None, "must not update from a positive integer to nil value")
    elif not is_int(new) or not 0 <= new <= _MAX_INT32:
        errors.invalid(path, new, names.inclusive_range_error(0, _MAX_INT32))
    elif is_int(old) and old < new:
        errors.invalid(path, new, "must be less than or equal to previous value")


def _check_only_added_tolerations(errors: FieldErrors, new: list[Any], old: list[Any]) -> None:
    """Every existing toleration stays, though its ``tolerationSeconds`` may change."""

    def without_seconds(toleration: Any) -> Any:
        return (
            {k: v for k, v in toleration.items() if k != "tolerationSeconds"}
            if isinstance(toleration, Mapping)
            else toleration
        )

    kept = [without_seconds(t) for t in new]
    if any(without_seconds(t) not in kept for t in old):
        errors.forbidden(
            "spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"
        )


def _copy_field(target: dict[str, Any], source: Mapping[str, Any], field_name: str) -> None:
    if field_name in source:
        target[field_name] = copy_tree(source[field_name])
    else:
        target.pop(field_name, None)
