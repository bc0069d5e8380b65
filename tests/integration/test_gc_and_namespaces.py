"""The garbage collector and the namespace controller on an in-process cluster (virtual clock):
deleting an owner in the background, in the foreground or orphaning its dependents, and
deleting a namespace with everything in it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.base import ProcessQueue
from kube_actors.components.controllers.garbage_collector import GarbageCollector
from kube_actors.components.controllers.namespaces import NamespaceController
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.runtime.clock import VirtualClock
from kube_actors.storage.config import StorageConfig


@pytest.fixture
async def api(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[ActorRef]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        collector = system.spawn(lambda: GarbageCollector(api), "controllers/garbage-collector")
        namespaces = system.spawn(lambda: NamespaceController(api), "controllers/namespace")
        for controller in (collector, namespaces):
            await controller.ask(ProcessQueue())  # answered once its informers have listed
        yield api


HELD_MESSAGE = "Some content in the namespace has finalizers remaining"


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll an API condition until it holds (real seconds; simulated time runs meanwhile)."""

    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 (the condition is the apiserver's state)
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


async def names(api: ActorRef, resource: str, namespace: str = "default") -> list[str]:
    listed = await api.ask(m.ListObjects(resource, namespace))
    return sorted(item["metadata"]["name"] for item in listed["items"])


async def get(api: ActorRef, resource: str, name: str, namespace: str = "default") -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await api.ask(m.GetObject(resource, namespace, name))
    except status.NotFound:
        return None
    return found


def replica_set(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
            },
        },
    }


def owned(
    kind: str, name: str, owner: dict[str, Any], *, blocks: bool = True, finalizers: tuple[str, ...] = ()
) -> dict[str, Any]:
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": blocks,
    }
    metadata: dict[str, Any] = {"name": name, "ownerReferences": [ref]}
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    if kind == "Pod":
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata,
            "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
        }
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {}}


async def make_family(api: ActorRef, name: str, pods: int) -> dict[str, Any]:
    owner: dict[str, Any] = await api.ask(m.CreateObject("replicasets.apps", "default", replica_set(name)))
    for i in range(pods):
        await api.ask(m.CreateObject("pods", "default", owned("Pod", f"{name}-{i}", owner)))
    return owner


async def test_background_deletion_removes_dependents_after_the_owner(api: ActorRef) -> None:
    await make_family(api, "web", 3)
    await make_family(api, "other", 1)
    await api.ask(m.DeleteObject("replicasets.apps", "default", "web"))
    assert await get(api, "replicasets.apps", "web") is None  # the owner goes at once

    async def only_others_left() -> bool:
        return await names(api, "pods") == ["other-0"]

    await until(only_others_left)


async def test_dependents_of_an_owner_that_never_existed_are_deleted(api: ActorRef) -> None:
    ghost = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "ghost", "uid": "no-such-uid"},
    }
    real = await make_family(api, "real", 0)
    stale = {**real, "metadata": {**real["metadata"], "uid": "an-earlier-uid"}}  # same name, another uid
    await api.ask(m.CreateObject("pods", "default", owned("Pod", "orphaned", ghost)))
    await api.ask(m.CreateObject("pods", "default", owned("Pod", "stale", stale)))
    await api.ask(m.CreateObject("pods", "default", owned("Pod", "kept", real)))

    async def only_kept_left() -> bool:
        return await names(api, "pods") == ["kept"]

    await until(only_kept_left)


async def test_foreground_deletion_waits_for_blocking_dependents(api: ActorRef) -> None:
    owner = await make_family(api, "db", 2)
    await api.ask(
        m.CreateObject(
            "configmaps", "default", owned("ConfigMap", "held", owner, finalizers=("example.com/hold",))
        )
    )
    await api.ask(
        m.CreateObject(
            "configmaps",
            "default",
            owned("ConfigMap", "loose", owner, blocks=False, finalizers=("example.com/hold",)),
        )
    )
    marked = await api.ask(m.DeleteObject("replicasets.apps", "default", "db", propagation="Foreground"))
    assert "foregroundDeletion" in marked["metadata"]["finalizers"]

    async def pods_gone_and_dependents_marked() -> bool:
        held, loose = await get(api, "configmaps", "held"), await get(api, "configmaps", "loose")
        return (
            await names(api, "pods") == []
            and held is not None
            and bool(held["metadata"].get("deletionTimestamp"))
            and loose is not None
            and bool(loose["metadata"].get("deletionTimestamp"))
        )

    await until(pods_gone_and_dependents_marked)
    await asyncio.sleep(0.05)
    waiting = await get(api, "replicasets.apps", "db")
    assert waiting is not None and waiting["metadata"]["finalizers"] == [
        "foregroundDeletion"
    ]  # held blocks it
    await api.ask(m.PatchObject("configmaps", "default", "held", {"metadata": {"finalizers": None}}))

    async def owner_gone() -> bool:
        return await get(api, "replicasets.apps", "db") is None

    await until(owner_gone)
    loose = await get(api, "configmaps", "loose")
    assert loose is not None  # it never blocked the owner, and still has its own finalizer
    await api.ask(m.PatchObject("configmaps", "default", "loose", {"metadata": {"finalizers": None}}))


async def test_foreground_deletion_cascades_down_a_chain_of_owners(api: ActorRef) -> None:
    top = await api.ask(m.CreateObject("configmaps", "default", {"metadata": {"name": "top"}, "data": {}}))
    top = {**top, "apiVersion": "v1", "kind": "ConfigMap"}
    middle = await api.ask(m.CreateObject("configmaps", "default", owned("ConfigMap", "middle", top)))
    await api.ask(
        m.CreateObject(
            "configmaps", "default", owned("ConfigMap", "bottom", middle, finalizers=("example.com/hold",))
        )
    )
    await api.ask(m.DeleteObject("configmaps", "default", "top", propagation="Foreground"))

    async def middle_waits_for_bottom() -> bool:
        found = await get(api, "configmaps", "middle")
        return found is not None and "foregroundDeletion" in (found["metadata"].get("finalizers") or [])

    await until(middle_waits_for_bottom)
    assert {"top", "middle", "bottom"} <= set(await names(api, "configmaps"))  # all wait on bottom
    await api.ask(m.PatchObject("configmaps", "default", "bottom", {"metadata": {"finalizers": None}}))

    async def all_gone() -> bool:
        return not {"top", "middle", "bottom"} & set(await names(api, "configmaps"))

    await until(all_gone)


async def test_orphan_deletion_keeps_dependents_without_the_reference(api: ActorRef) -> None:
    await make_family(api, "batch", 2)
    await api.ask(m.DeleteObject("replicasets.apps", "default", "batch", propagation="Orphan"))

    async def owner_gone() -> bool:
        return await get(api, "replicasets.apps", "batch") is None

    await until(owner_gone)
    for name in ["batch-0", "batch-1"]:
        pod = await get(api, "pods", name)
        assert pod is not None and not pod["metadata"].get("ownerReferences")
    await asyncio.sleep(0.05)
    assert await names(api, "pods") == ["batch-0", "batch-1"]  # and the collector leaves them be


async def test_deleting_a_namespace_deletes_its_content_then_the_namespace(api: ActorRef) -> None:
    await api.ask(m.CreateObject("namespaces", "", {"metadata": {"name": "team"}}))
    owner = await api.ask(m.CreateObject("replicasets.apps", "team", replica_set("web")))
    await api.ask(m.CreateObject("pods", "team", owned("Pod", "web-0", owner)))
    await api.ask(m.CreateObject("configmaps", "team", {"metadata": {"name": "settings"}, "data": {}}))
    held = {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}, "data": {}}
    await api.ask(m.CreateObject("configmaps", "team", held))
    await api.ask(m.CreateObject("configmaps", "default", {"metadata": {"name": "elsewhere"}, "data": {}}))
    await api.ask(m.DeleteObject("namespaces", "", "team"))

    async def only_the_held_one_left() -> bool:
        ns = await get(api, "namespaces", "team", "")
        conditions = {c["type"]: c for c in (ns or {}).get("status", {}).get("conditions", [])}
        remaining = conditions.get("NamespaceFinalizersRemaining", {})
        return (
            await names(api, "configmaps", "team") == ["held"]
            and await names(api, "pods", "team") == []
            and await names(api, "replicasets.apps", "team") == []
            and remaining.get("message") == f"{HELD_MESSAGE}: example.com/hold in 1 resource instances"
        )

    await until(only_the_held_one_left)
    namespace = await get(api, "namespaces", "team", "")
    assert namespace is not None and namespace["status"]["phase"] == "Terminating"
    with pytest.raises(status.Forbidden):
        await api.ask(m.CreateObject("configmaps", "team", {"metadata": {"name": "late"}, "data": {}}))
    await api.ask(m.PatchObject("configmaps", "team", "held", {"metadata": {"finalizers": None}}))

    async def namespace_gone() -> bool:
        return await get(api, "namespaces", "team", "") is None

    await until(namespace_gone)
    assert await names(api, "configmaps") == ["elsewhere"]


WIDGETS = "widgets.example.com"
WIDGET_DEFINITION: dict[str, Any] = {
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
                "schema": {
                    "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                },
            }
        ],
    },
}


def widget(name: str, owner: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}}
    if owner is not None:
        body["metadata"]["ownerReferences"] = owned("ConfigMap", name, owner)["metadata"]["ownerReferences"]
    return body


async def test_custom_resources_own_and_are_owned(api: ActorRef) -> None:
    await api.ask(m.CreateObject("customresourcedefinitions.apiextensions.k8s.io", "", WIDGET_DEFINITION))
    owner = await api.ask(m.CreateObject(WIDGETS, "default", widget("owner")))
    await api.ask(m.CreateObject("configmaps", "default", owned("ConfigMap", "of-a-widget", owner)))
    parent = await api.ask(
        m.CreateObject("configmaps", "default", {"metadata": {"name": "parent"}, "data": {}})
    )
    parent = {**parent, "apiVersion": "v1", "kind": "ConfigMap"}
    await api.ask(m.CreateObject(WIDGETS, "default", widget("of-a-configmap", parent)))
    await api.ask(m.DeleteObject(WIDGETS, "default", "owner"))
    await api.ask(m.DeleteObject("configmaps", "default", "parent"))

    async def both_dependents_gone() -> bool:
        return "of-a-widget" not in await names(api, "configmaps") and await names(api, WIDGETS) == []

    await until(both_dependents_gone)
    # Deleting the definition (and with it every widget) leaves the collector working.
    await api.ask(m.CreateObject(WIDGETS, "default", widget("last")))
    await api.ask(m.DeleteObject("customresourcedefinitions.apiextensions.k8s.io", "", WIDGETS))
    await make_family(api, "after", 1)
    await api.ask(m.DeleteObject("replicasets.apps", "default", "after"))

    async def family_gone() -> bool:
        return await names(api, "pods") == []

    await until(family_gone)


async def test_deleting_a_namespace_deletes_its_custom_resources(api: ActorRef) -> None:
    await api.ask(m.CreateObject("customresourcedefinitions.apiextensions.k8s.io", "", WIDGET_DEFINITION))
    await api.ask(m.CreateObject("namespaces", "", {"metadata": {"name": "lab"}}))
    await api.ask(m.CreateObject(WIDGETS, "lab", widget("gadget")))
    await api.ask(m.DeleteObject("namespaces", "", "lab"))

    async def namespace_gone() -> bool:
        return await get(api, "namespaces", "lab", "") is None

    await until(namespace_gone)
    assert await names(api, WIDGETS, "lab") == []
