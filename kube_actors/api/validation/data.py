"""Why: ConfigMaps and Secrets become files in a volume and environment variables, so their keys
must be file names, their content must fit in etcd's request size (1 MiB), and once marked
``immutable`` their data may not change (Kubernetes' ``ValidateConfigMap`` and
``ValidateSecret``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from kube_actors.api import names
from kube_actors.api.validation.fields import FieldErrors, key

MAX_DATA_BYTES = 1024 * 1024
_IMMUTABLE = "field is immutable when `immutable` is set"
_REQUIRED_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
}


def check_config_map(errors: FieldErrors, obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    data, binary = _map(errors, obj, "data"), _map(errors, obj, "binaryData")
    size = 0
    for name, value in data.items():
        errors.invalid_each(key("data", name), name, names.is_config_map_key(name))
        if name in binary:
            errors.invalid(key("data", name), name, "duplicate of key present in binaryData")
        size += len(str(value).encode())
    for name, value in binary.items():
        errors.invalid_each(key("binaryData", name), name, names.is_config_map_key(name))
        size += len(_decoded(errors, key("binaryData", name), value))
    if size > MAX_DATA_BYTES:
        errors.too_long("", MAX_DATA_BYTES)  # the whole object, as Kubernetes reports it
    if old is not None and old.get("immutable"):
        _check_immutable(errors, obj, old, ("data", "binaryData"))


def check_secret(errors: FieldErrors, obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    data = _map(errors, obj, "data")
    size = 0
    for name, value in data.items():
        errors.invalid_each(key("data", name), name, names.is_config_map_key(name))
        size += len(_decoded(errors, key("data", name), value))
    if size > MAX_DATA_BYTES:
        errors.too_long("data", MAX_DATA_BYTES)
    for required in _REQUIRED_KEYS.get(str(obj.get("type") or ""), ()):
        if required not in data:
            errors.required(key("data", required), "")
    if obj.get("type") == "kubernetes.io/service-account-token":
        metadata = obj.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
        if not isinstance(annotations, Mapping) or not annotations.get("kubernetes.io/service-account.name"):
            errors.required("metadata.annotations[kubernetes.io/service-account.name]", "")
    if old is None:
        return
    if (obj.get("type") or old.get("type")) != old.get("type"):
        errors.immutable("type", obj.get("type"))
    if old.get("immutable"):
        _check_immutable(errors, obj, old, ("data",))


def _check_immutable(
    errors: FieldErrors, obj: Mapping[str, Any], old: Mapping[str, Any], fields: tuple[str, ...]
) -> None:
    if not obj.get("immutable"):
        errors.forbidden("immutable", _IMMUTABLE)
    for field_name in fields:
        if (obj.get(field_name) or {}) != (old.get(field_name) or {}):
            errors.forbidden(field_name, _IMMUTABLE)


def _decoded(errors: FieldErrors, path: str, value: Any) -> bytes:
    """Secret and binary data travel base64-encoded; their size is that of the bytes."""
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as bad:
        errors.invalid(path, "<secret contents redacted>", f"illegal base64 data: {bad}")
        return b""


def _map(errors: FieldErrors, obj: Mapping[str, Any], field_name: str) -> Mapping[str, Any]:
    value = obj.get(field_name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.invalid(field_name, value, "must be a map of strings")
        return {}
    return value
