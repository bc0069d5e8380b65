"""The REST front as a plain HTTP client meets it: what curl-like clients send (``Expect``,
oversized bodies) gets a Kubernetes answer, and a watch resumed from an older resourceVersion
replays, line by line, the events written since."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from kube_actors.cluster import ClusterConfig, start_cluster
from kube_actors.components.apiserver.http import MAX_BODY
from kube_actors.runtime import ActorSystem
from kube_actors.storage.config import StorageConfig
from tests.waiting import eventually

PODS = "/api/v1/namespaces/default/pods"


def pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    spec = {"containers": [{"name": "app", "image": "nginx:1.25"}]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
    }


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    async with ActorSystem("cp") as system:
        url = await start_cluster(
            system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0)
        )
        async with aiohttp.ClientSession(url) as client:
            yield url, client


async def test_a_create_that_expects_100_continue_gets_it_then_its_answer(
    api: tuple[str, aiohttp.ClientSession],
) -> None:
    url, _ = api
    body = json.dumps(pod("curled")).encode()
    address = urlsplit(url)
    assert address.hostname is not None and address.port is not None
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(
        f"POST {PODS} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode()
    )
    assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(body)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    writer.close()
    await writer.wait_closed()
    assert head.startswith(b"HTTP/1.1 201 ")


async def test_a_body_past_the_limit_is_a_413_status(api: tuple[str, aiohttp.ClientSession]) -> None:
    _, client = api
    huge = pod("huge")
    huge["metadata"]["annotations"] = {"filler": "x" * MAX_BODY}
    async with client.post(PODS, json=huge) as reply:
        answer = await reply.json()
    assert reply.status == 413
    assert (
        answer["kind"] == "Status" and answer["reason"] == "RequestEntityTooLarge" and answer["code"] == 413
    )
    async with client.get(f"{PODS}/huge") as missing:
        assert missing.status == 404


async def watch_lines(client: aiohttp.ClientSession, query: dict[str, str], n: int) -> list[dict[str, Any]]:
    events = []
    async with client.get(PODS, params={"watch": "true", **query}) as stream:
        while len(events) < n:
            events.append(json.loads(await asyncio.wait_for(stream.content.readline(), 5)))
    return events


async def test_a_watch_from_an_older_version_replays_what_was_written_since(
    api: tuple[str, aiohttp.ClientSession],
) -> None:
    _, client = api
    async with client.post(PODS, json=pod("before")) as reply:
        since = (await reply.json())["metadata"]["resourceVersion"]
    await watch_lines(client, {"resourceVersion": since}, 0)  # the cache follows from here on
    written = []
    for name, labels in [("a", {}), ("b", {"tier": "web"})]:
        async with client.post(PODS, json=pod(name, labels)) as reply:
            written.append(await reply.json())
    async with client.patch(
        f"{PODS}/a",
        json={"metadata": {"labels": {"tier": "web"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ) as reply:
        written.append(await reply.json())
    everything = await watch_lines(client, {"resourceVersion": since}, 3)
    assert [(e["type"], e["object"]) for e in everything] == list(
        zip(["ADDED", "ADDED", "MODIFIED"], written, strict=True)
    )
    web = await watch_lines(client, {"resourceVersion": since, "labelSelector": "tier=web"}, 2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in web] == [("ADDED", "b"), ("ADDED", "a")]
    assert web[1]["object"] == written[2]


async def test_a_list_at_any_version_comes_from_the_cache_once_it_knows_every_object(
    api: tuple[str, aiohttp.ClientSession],
) -> None:
    _, client = api
    for name in ("b", "a"):
        async with client.post(PODS, json=pod(name)) as reply:
            assert reply.status == 201
    await watch_lines(client, {"resourceVersion": "0"}, 0)  # starts the cache, which lists first
    async with client.post(PODS, json=pod("c")) as reply:
        created = await reply.json()

    async def listed(params: dict[str, str]) -> dict[str, Any]:
        async with client.get(PODS, params=params) as reply:
            assert reply.status == 200
            body: dict[str, Any] = await reply.json()
            return body

    consistent = await listed({})
    assert [p["metadata"]["name"] for p in consistent["items"]] == ["a", "b", "c"]
    seen: list[dict[str, Any]] = []

    async def caught_up() -> bool:
        seen.append(await listed({"resourceVersion": "0"}))
        return len(seen[-1]["items"]) == 3

    await eventually(caught_up)
    cached = seen[-1]
    assert cached["items"] == consistent["items"]
    assert int(cached["metadata"]["resourceVersion"]) >= int(created["metadata"]["resourceVersion"])
    selected = await listed({"resourceVersion": "0", "labelSelector": "tier=web"})
    assert selected["items"] == []
