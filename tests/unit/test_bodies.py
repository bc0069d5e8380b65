"""Request bodies are read as the standard library would read them, whatever reads them faster,
and every body that is not JSON or YAML is a 4xx naming the problem."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.components.apiserver.bodies import from_json, parse_body, to_json

JSON = "application/json"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"kind": "Pod", "spec": {"replicas": 3, "ratio": 0.5, "on": true, "x": null}}', None),
        (b'{"big": 9223372036854775807, "small": -9223372036854775808}', None),
        (b'{"huge": 123456789012345678901234567890}', 123456789012345678901234567890),
        (b'{"negative": -123456789012345678901234567890}', -123456789012345678901234567890),
        (b'{"name": "caf\\u00e9 \\ud83d\\ude00"}', None),
        (b'{"a": 1, "a": 2}', None),  # the last of repeated keys, as both libraries read it
    ],
)
def test_json_is_read_exactly_as_the_standard_library_reads_it(raw: bytes, expected: Any) -> None:
    read = from_json(raw)
    assert read == json.loads(raw)
    if expected is not None:
        assert next(iter(read.values())) == expected and isinstance(expected, int)


def test_what_only_the_standard_library_reads_is_still_read() -> None:
    assert math.isnan(from_json(b'{"x": NaN}')["x"])
    assert from_json(b'"\\ud800"') == "\ud800"  # a lone surrogate


@pytest.mark.parametrize(
    ("raw", "content_type", "code", "words"),
    [
        (b"{not json", JSON, 400, "not valid JSON"),
        (b"\xff\xfe\x00garbage", JSON, 400, "not valid JSON"),
        (b"[1, 2]", JSON, 400, "must be a JSON object, got list"),
        (b"", JSON, 400, "must be a JSON object, got NoneType"),
        (b"kind: [unclosed", "application/apply-patch+yaml", 400, "not valid YAML"),
        (b"\x0a\x03pod", "application/vnd.kubernetes.protobuf", 415, "protobuf bodies are not supported"),
    ],
)
def test_a_body_that_cannot_be_read_is_refused_naming_why(
    raw: bytes, content_type: str, code: int, words: str
) -> None:
    with pytest.raises(status.ApiError) as refused:
        parse_body(raw, content_type)
    assert refused.value.code == code and words in refused.value.message


def test_optional_bodies_and_patches_that_are_not_objects() -> None:
    assert parse_body(b"  \n", JSON, optional=True) is None
    assert parse_body(b'[{"op": "test", "path": "/a", "value": 1}]', JSON, expect_object=False) == [
        {"op": "test", "path": "/a", "value": 1}
    ]
    assert parse_body(b"metadata:\n  name: web\n", "application/yaml") == {"metadata": {"name": "web"}}


def test_answers_are_compact_json_even_with_integers_orjson_cannot_write() -> None:
    assert to_json({"a": [1, None, "é"]}) == '{"a":[1,null,"é"]}'.encode()
    assert from_json(to_json({"huge": 2**80})) == {"huge": 2**80}
