"""Why: the bytes of the REST API's bodies, kept apart from aiohttp (``http.py``) so the watch
cache can encode events the same way: JSON in and out by orjson, which parses and writes a pod
several times faster than the standard library (every create parses one and answers one), with
the standard library behind it for what orjson reads or writes differently.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import yaml

from kube_actors.api import status

JSON = "application/json"
# orjson reads an integer beyond 64 bits as a float, silently; a body with a run of 20 digits
# may hold one (a custom resource's), so the standard library reads it, exactly.
_MAYBE_HUGE_INTEGER = re.compile(rb"\d{20}")


def to_json(value: Any) -> bytes:
    """JSON bytes, by orjson; values orjson refuses (integers beyond 64 bits, which a custom
    resource may hold) fall back to the standard library.

    >>> to_json({"replicas": 3}), to_json({"huge": 2**70})
    (b'{"replicas":3}', b'{"huge": 1180591620717411303424}')
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value).encode()


def from_json(raw: bytes) -> Any:
    """What ``json.loads`` reads in ``raw`` (``ValueError`` if it is not JSON), by orjson
    where that gives the same answer.

    >>> from_json(b'{"a": [1, 2.5, null]}'), from_json(b'{"huge": 123456789012345678901234}')
    ({'a': [1, 2.5, None]}, {'huge': 123456789012345678901234})
    >>> from_json(b'{"x": NaN}')  # not JSON, but the standard library (and so we) read it
    {'x': nan}
    """
    if _MAYBE_HUGE_INTEGER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # the standard library refuses it too, or reads what orjson will not
    return json.loads(raw)


def parse_body(raw: bytes, content_type: str, *, expect_object: bool = True, optional: bool = False) -> Any:
    """A request body as JSON or YAML (by its content type), 400 ``ApiError`` naming the
    problem if it is neither; ``optional``: None for an empty body.

    >>> parse_body(b'{"kind": "Pod"}', "application/json")
    {'kind': 'Pod'}
    >>> parse_body(b"kind: Pod", "application/apply-patch+yaml")
    {'kind': 'Pod'}
    >>> parse_body(b"[1]", "application/json")
    Traceback (most recent call last):
    ...
    kube_actors.api.status.BadRequestError: the request body must be a JSON object, got list
    """
    if "protobuf" in content_type:
        raise status.UnsupportedMediaType(
            "protobuf bodies are not supported: use 'kubectl create -f FILE' or 'kubectl apply -f FILE'"
        )
    if optional and not raw.strip():
        return None
    is_yaml = content_type.endswith("yaml")
    try:
        body = yaml.safe_load(raw) if is_yaml else from_json(raw or b"null")
    except (ValueError, yaml.YAMLError) as exc:
        language = "YAML" if is_yaml else "JSON"
        raise status.BadRequest(f"the request body is not valid {language}: {exc}") from None
    if expect_object and not isinstance(body, dict):
        raise status.BadRequest(f"the request body must be a JSON object, got {type(body).__name__}")
    return body
