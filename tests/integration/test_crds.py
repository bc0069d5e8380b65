"""Custom resources across apiserver replicas: a definition written through one replica is
served by every replica (each follows the stored definitions), by a replica started later, and
by none once it is deleted, along with its objects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.server import ApiServer, ServingAt
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.storage.config import StorageConfig

CRDS = "customresourcedefinitions.apiextensions.k8s.io"
WIDGETS = "widgets.example.com"
CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": WIDGETS},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
                            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, replicas: Any = 1) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"replicas": replicas},
    }


@pytest.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[tuple[ActorSystem, ActorRef, ActorRef]]:
    async with ActorSystem("cp") as system:
        config = ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0)
        await start_cluster(system, config)
        second = system.spawn(lambda: ApiServer(config.storage.shard_map, port=0), "apiserver/1")
        await second.ask(ServingAt())
        yield system, system.ref(f"ka://cp/{API_PATH}"), second


async def serves(api: ActorRef, resource: str, *, expected: bool = True, timeout: float = 5.0) -> None:
    """Wait until ``api`` serves ``resource`` (or, with ``expected=False``, no longer does)."""

    async def poll() -> None:
        while True:
            try:
                await api.ask(m.ListObjects(resource, "default"))
                if expected:
                    return
            except status.NotFound:
                if not expected:
                    return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_a_definition_is_served_by_the_replica_that_wrote_it_before_it_answers(
    replicas: tuple[ActorSystem, ActorRef, ActorRef],
) -> None:
    _, first, _ = replicas
    created = await first.ask(m.CreateObject(CRDS, "", CRD))
    conditions = {c["type"]: c["status"] for c in created["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    made = await first.ask(m.CreateObject(WIDGETS, "default", widget("w1")))
    assert made["apiVersion"] == "example.com/v1" and made["metadata"]["uid"]


async def test_the_other_replica_follows_the_definition_and_validates_alike(
    replicas: tuple[ActorSystem, ActorRef, ActorRef],
) -> None:
    _, first, second = replicas
    await first.ask(m.CreateObject(CRDS, "", CRD))
    await serves(second, WIDGETS)
    with pytest.raises(status.Invalid, match=r"spec\.replicas in body must be of type integer"):
        await second.ask(m.CreateObject(WIDGETS, "default", widget("bad", replicas="two")))
    await second.ask(m.CreateObject(WIDGETS, "default", {**widget("w1"), "status": {"ready": True}}))
    got = await first.ask(m.GetObject(WIDGETS, "default", "w1"))
    assert "status" not in got  # written through /status only
    patched = await first.ask(
        m.PatchObject(WIDGETS, "default", "w1", {"status": {"ready": True}}, subresource="status")
    )
    assert patched["status"] == {"ready": True}
    listed = await second.ask(m.ListObjects(WIDGETS, "default"))
    assert [w["metadata"]["name"] for w in listed["items"]] == ["w1"]


async def test_a_strategic_merge_patch_of_a_custom_object_is_415(
    replicas: tuple[ActorSystem, ActorRef, ActorRef],
) -> None:
    _, first, _ = replicas
    await first.ask(m.CreateObject(CRDS, "", CRD))
    await first.ask(m.CreateObject(WIDGETS, "default", widget("w1")))
    with pytest.raises(status.UnsupportedMediaType):
        await first.ask(
            m.PatchObject(
                WIDGETS, "default", "w1", {"spec": {"replicas": 2}}, "application/strategic-merge-patch+json"
            )
        )
    merged = await first.ask(m.PatchObject(WIDGETS, "default", "w1", {"spec": {"replicas": 2, "junk": 1}}))
    assert merged["spec"] == {"replicas": 2}  # unknown fields pruned
    assert merged["metadata"]["generation"] == 2


async def test_deleting_the_definition_through_either_replica_ends_serving_and_its_objects(
    replicas: tuple[ActorSystem, ActorRef, ActorRef],
) -> None:
    _, first, second = replicas
    await first.ask(m.CreateObject(CRDS, "", CRD))
    await first.ask(m.CreateObject(WIDGETS, "default", widget("w1")))
    await serves(second, WIDGETS)
    marked = await second.ask(m.DeleteObject(CRDS, "", WIDGETS))
    assert marked["metadata"]["deletionTimestamp"]
    assert any(c["type"] == "Terminating" for c in marked["status"]["conditions"])
    with pytest.raises(status.NotFound):  # the replica that took the delete stops at once
        await second.ask(m.ListObjects(WIDGETS, "default"))
    await serves(first, WIDGETS, expected=False)

    async def definition_gone() -> None:
        while True:
            try:
                await first.ask(m.GetObject(CRDS, "", WIDGETS))
            except status.NotFound:
                return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(definition_gone(), 5)
    # Defined again, it starts empty: the old objects were deleted with the old definition.
    await first.ask(m.CreateObject(CRDS, "", CRD))
    assert (await first.ask(m.ListObjects(WIDGETS, "default")))["items"] == []


async def test_a_replica_started_later_serves_the_definitions_already_stored(
    replicas: tuple[ActorSystem, ActorRef, ActorRef],
) -> None:
    system, first, _ = replicas
    await first.ask(m.CreateObject(CRDS, "", CRD))
    await first.ask(m.CreateObject(WIDGETS, "default", widget("w1")))
    shard_map = StorageConfig("memory").shard_map
    late = system.spawn(lambda: ApiServer(shard_map, port=0), "apiserver/2")
    await late.ask(ServingAt())
    got = await late.ask(m.GetObject(WIDGETS, "default", "w1"))  # no waiting: served from the start
    assert got["spec"] == {"replicas": 1}


async def test_a_definition_that_cannot_be_served_is_refused_and_not_stored(
    replicas: tuple[ActorSystem, ActorRef, ActorRef],
) -> None:
    _, first, _ = replicas
    wrong = {**CRD, "metadata": {"name": "gadgets.example.com"}}
    with pytest.raises(status.Invalid, match=r"metadata\.name"):
        await first.ask(m.CreateObject(CRDS, "", wrong))
    assert (await first.ask(m.ListObjects(CRDS)))["items"] == []
