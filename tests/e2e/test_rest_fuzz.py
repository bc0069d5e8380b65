"""Malformed requests of every kind get a 4xx Status, never a 5xx, and change nothing stored."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.cluster_process import ClusterProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEGMENTS = st.sampled_from(
    [
        "api",
        "apis",
        "v1",
        "apps",
        "namespaces",
        "default",
        "pods",
        "deployments",
        "configmaps",
        "status",
        "scale",
        "binding",
        "eviction",
        "log",
        "nodes",
        "kept",
        "..",
        "%00",
        "x" * 300,
        "",
    ]
)
PATHS = st.lists(SEGMENTS, min_size=1, max_size=7).map(lambda parts: "/" + "/".join(parts))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["apiVersion", "kind", "metadata", "spec", "data", "status"]), JSON_VALUES, max_size=5
    ).map(lambda v: json.dumps(v).encode()),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/json-patch+json",
        "application/apply-patch+yaml",
        "application/vnd.kubernetes.protobuf",
        "text/plain",
        "",
        "application/json; charset=utf-8",
    ]
)
QUERIES = st.dictionaries(
    st.sampled_from(
        [
            "watch",
            "resourceVersion",
            "labelSelector",
            "fieldSelector",
            "timeoutSeconds",
            "propagationPolicy",
            "gracePeriodSeconds",
            "fieldValidation",
            "resourceVersionMatch",
            "sendInitialEvents",
            "allowWatchBookmarks",
            "includeObject",
        ]
    ),
    st.text(max_size=12),
    max_size=3,
)


GUARDED_NAMESPACE = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "guarded"}})
PRECIOUS = json.dumps(
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "precious", "namespace": "guarded"},
        "data": {"a": "MQ=="},
    }
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcess]:
    running = ClusterProcess(tmp_path_factory.mktemp("fuzz"), "--storage", "memory")
    # An object of a kind the generated paths never name: no request may touch it.
    assert running.kubectl("create", "-f", "-", stdin=GUARDED_NAMESPACE).returncode == 0
    assert running.kubectl("create", "-f", "-", stdin=PRECIOUS).returncode == 0
    yield running
    running.stop()


def _send(url: str, method: str, body: bytes | None, content_type: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    path=PATHS,
    query=QUERIES,
    body=BODIES,
    content_type=CONTENT_TYPES,
)
def test_garbage_is_refused_cleanly(
    cluster: ClusterProcess, method: str, path: str, query: dict[str, str], body: bytes, content_type: str
) -> None:
    query = {k: v for k, v in query.items() if k != "watch" or v not in ("1", "true")}  # no endless streams
    query_string = urllib.parse.urlencode(query)
    target = f"{cluster.url}{urllib.parse.quote(path)}" + (f"?{query_string}" if query_string else "")
    code, answer = _send(target, method, body if method != "GET" else None, content_type)
    assert code < 500, f"{method} {target} -> {code}: {answer[:300]!r}"
    if code >= 400:
        status = json.loads(answer)
        assert status["kind"] == "Status" and status["code"] == code and status["message"]
    kept_code, kept = _send(f"{cluster.url}/api/v1/namespaces/guarded/secrets/precious", "GET", None, "")
    assert kept_code == 200 and json.loads(kept)["data"] == {"a": "MQ=="}
    assert json.loads(kept)["metadata"].get("generation") is None  # never rewritten
