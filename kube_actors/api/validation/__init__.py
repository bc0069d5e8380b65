"""Why: the apiserver refuses an object Kubernetes would refuse, with the same 422 causes, so
kubectl prints the same ``The Deployment "web" is invalid: spec.replicas: Invalid value: -1:
must be greater than or equal to 0``. Pure: objects in, (field path, message) pairs out.

``validate`` expects the object as stored: after ``defaults.apply_defaults`` (enumerated
fields Kubernetes defaults are required here). ``fields`` words the messages; ``metadata``
checks names, labels and annotations; ``pods``, ``workloads``, ``services`` and ``data``
the kinds. Kinds without rules of their own get the metadata checks.

>>> validate("Deployment", {"metadata": {"name": "web"}, "spec": {"replicas": -1}})[0]
('spec.replicas', 'Invalid value: -1: must be greater than or equal to 0')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kube_actors.api.validation.data import check_config_map, check_secret
from kube_actors.api.validation.fields import Cause, FieldErrors
from kube_actors.api.validation.metadata import check_object_meta
from kube_actors.api.validation.pods import check_pod_spec, check_pod_update
from kube_actors.api.validation.services import check_service
from kube_actors.api.validation.workloads import (
    check_daemon_set,
    check_deployment,
    check_job,
    check_replica_set,
    check_stateful_set,
)
from kube_actors.runtime import codec
from kube_actors.runtime.errors import CodecError

__all__ = ["Cause", "cause_reason", "validate"]

JsonObject = Mapping[str, Any]
KindCheck = Callable[[FieldErrors, JsonObject, JsonObject | None], None]

# The ``reason`` of a Status cause, from the words that open its message.
_REASONS = (
    ("Required value", "FieldValueRequired"),
    ("Unsupported value", "FieldValueNotSupported"),
    ("Duplicate value", "FieldValueDuplicate"),
    ("Forbidden", "FieldValueForbidden"),
    ("Too long", "FieldValueTooLong"),
    ("Not found", "FieldValueNotFound"),
)


def validate(kind: str, obj: JsonObject, *, old: JsonObject | None = None) -> list[Cause]:
    """Why ``obj`` (a ``kind``) may not be stored, as (field path, message) pairs; empty if it
    may. With ``old``, the stored object it replaces, update rules apply too."""
    errors = FieldErrors()
    if old is None or not _same_checked_metadata(obj.get("metadata"), old.get("metadata")):
        check_object_meta(errors, kind, obj.get("metadata"))
    check = _CHECKS.get(kind)
    unchanged_spec = old is not None and kind in _SPEC_RULED and obj.get("spec") == old.get("spec")
    if check is not None and not unchanged_spec:
        check(errors, obj, old)
    return list(dict.fromkeys(errors.causes))  # Kubernetes reports a repeated cause once


# What ``check_object_meta`` looks at: an update that keeps them as stored passes it as before.
_CHECKED_METADATA = ("name", "generateName", "namespace", "labels", "annotations", "finalizers")


def _same_checked_metadata(new: Any, old: Any) -> bool:
    if not isinstance(new, Mapping) or not isinstance(old, Mapping):
        return False
    return all(new.get(field) == old.get(field) for field in _CHECKED_METADATA)


def cause_reason(message: str) -> str:
    """The ``reason`` Kubernetes gives a cause in a 422's ``details.causes``.

    >>> cause_reason("Required value"), cause_reason('Invalid value: "x": bad')
    ('FieldValueRequired', 'FieldValueInvalid')
    """
    for opening, reason in _REASONS:
        if message.startswith(opening):
            return reason
    return "FieldValueInvalid"


def _check_pod(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    errors.extend(_pod_spec_causes(obj.get("spec")))
    if old is not None:
        check_pod_update(errors, obj, old)


# The verdicts on pod specs seen lately, by their encoding: the pods of a ReplicaSet, Job or
# DaemonSet share one spec, and checking it is most of the cost of creating them.
_POD_SPEC_CAUSES: dict[bytes, tuple[Cause, ...]] = {}
_POD_SPECS_REMEMBERED = 4096


def _pod_spec_causes(spec: Any) -> tuple[Cause, ...]:
    try:
        key: bytes | None = codec.encode(spec)
    except CodecError:
        key = None  # not plain data: checked, and refused, every time
    found = _POD_SPEC_CAUSES.get(key) if key is not None else None
    if found is None:
        errors = FieldErrors()
        check_pod_spec(errors, spec, "spec")
        found = tuple(errors.causes)
        if key is not None:
            if len(_POD_SPEC_CAUSES) >= _POD_SPECS_REMEMBERED:
                _POD_SPEC_CAUSES.clear()
            _POD_SPEC_CAUSES[key] = found
    return found


def _check_namespace(errors: FieldErrors, obj: JsonObject, old: JsonObject | None) -> None:
    spec = obj.get("spec")
    finalizers = spec.get("finalizers") if isinstance(spec, Mapping) else None
    for finalizer in finalizers or []:
        if not isinstance(finalizer, str) or not finalizer:
            errors.invalid("spec.finalizers", finalizer, "must be a non-empty string")


# Kinds whose rules read only the spec (and the uid, which an update keeps): an update leaving
# the spec as stored passes them as the stored object did, so a status write does not pay for
# checking a pod's whole spec again.
_SPEC_RULED = frozenset(
    {"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Service", "Namespace"}
)

_CHECKS: dict[str, KindCheck] = {
    "Pod": _check_pod,
    "Deployment": check_deployment,
    "ReplicaSet": check_replica_set,
    "StatefulSet": check_stateful_set,
    "DaemonSet": check_daemon_set,
    "Job": check_job,
    "Service": check_service,
    "ConfigMap": check_config_map,
    "Secret": check_secret,
    "Namespace": _check_namespace,
}
