"""The volume controller on an in-process cluster: claims bind to volumes, volumes are made on
demand (at once, or where the first consumer was scheduled), and reclaim policies apply when
claims go. The test plays the scheduler's part where one is needed (the selected-node
annotation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api.status import NotFound
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.volumes import VolumeController
from kube_actors.runtime import ActorRef, ActorSystem, VirtualClock
from kube_actors.storage.config import StorageConfig
from tests.waiting import eventually

JsonObject = dict[str, Any]
SIMULATED = "kube-actors.io/simulated"


@pytest.fixture
async def api(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[ActorRef]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        system.spawn(lambda: VolumeController(api), "controllers/persistentvolume-binder")
        yield api


def volume(
    name: str, size: str, *, policy: str = "Retain", modes: tuple[str, ...] = ("ReadWriteOnce",)
) -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": list(modes),
            "storageClassName": "manual",
            "persistentVolumeReclaimPolicy": policy,
            "hostPath": {"path": f"/mnt/{name}"},
        },
    }


def claim(name: str, size: str = "1Gi", storage_class: str | None = None) -> JsonObject:
    spec: JsonObject = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


async def get(api: ActorRef, resource: str, name: str, namespace: str = "default") -> JsonObject | None:
    try:
        found: JsonObject = await api.ask(
            m.GetObject(resource, namespace if resource.endswith("claims") else "", name)
        )
    except NotFound:
        return None
    return found


async def phase(api: ActorRef, resource: str, name: str) -> str:
    found = await get(api, resource, name)
    return "" if found is None else str(found.get("status", {}).get("phase", ""))


async def event_reasons(api: ActorRef, name: str) -> list[str]:
    listed = await api.ask(m.ListObjects("events", "default", field_selector=f"involvedObject.name={name}"))
    return [event["reason"] for event in listed["items"]]


async def test_the_default_storage_class_is_created(api: ActorRef) -> None:
    async def created() -> bool:
        return await get(api, "storageclasses.storage.k8s.io", "standard") is not None

    await eventually(created)
    standard = await get(api, "storageclasses.storage.k8s.io", "standard")
    assert standard is not None
    assert standard["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert standard["provisioner"] == SIMULATED and standard["volumeBindingMode"] == "WaitForFirstConsumer"


async def test_a_claim_binds_the_smallest_matching_volume_and_retain_keeps_it(api: ActorRef) -> None:
    for made in (volume("big", "10Gi"), volume("fits", "2Gi"), volume("too-small", "500Mi")):
        await api.ask(m.CreateObject("persistentvolumes", "", made))
    await api.ask(
        m.CreateObject("persistentvolumes", "", volume("read-only", "1Gi", modes=("ReadOnlyMany",)))
    )

    async def all_available() -> bool:
        return all(
            [await phase(api, "persistentvolumes", n) == "Available" for n in ("big", "fits", "too-small")]
        )

    await eventually(all_available)
    await api.ask(m.CreateObject("persistentvolumeclaims", "default", claim("data", "1Gi", "manual")))

    async def bound() -> bool:
        return await phase(api, "persistentvolumeclaims", "data") == "Bound"

    await eventually(bound)
    data = await get(api, "persistentvolumeclaims", "data")
    fits = await get(api, "persistentvolumes", "fits")
    assert data is not None and fits is not None
    assert data["spec"]["volumeName"] == "fits"
    assert data["status"]["capacity"] == {"storage": "2Gi"} and data["status"]["accessModes"] == [
        "ReadWriteOnce"
    ]
    assert data["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    assert fits["status"]["phase"] == "Bound" and fits["spec"]["claimRef"]["uid"] == data["metadata"]["uid"]
    assert await phase(api, "persistentvolumes", "big") == "Available"

    await api.ask(m.DeleteObject("persistentvolumeclaims", "default", "data"))

    async def released() -> bool:
        return await phase(api, "persistentvolumes", "fits") == "Released"

    await eventually(released)  # Retain: kept, with the data, for an administrator to free


async def test_an_immediate_class_provisions_at_once_and_delete_reclaims(api: ActorRef) -> None:
    instant = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "instant"},
        "provisioner": SIMULATED,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
    }
    await api.ask(m.CreateObject("storageclasses.storage.k8s.io", "", instant))
    await api.ask(m.CreateObject("persistentvolumeclaims", "default", claim("cache", "3Gi", "instant")))

    async def bound() -> bool:
        return await phase(api, "persistentvolumeclaims", "cache") == "Bound"

    await eventually(bound)
    cache = await get(api, "persistentvolumeclaims", "cache")
    assert cache is not None
    name = cache["spec"]["volumeName"]
    assert name == f"pvc-{cache['metadata']['uid']}"
    made = await get(api, "persistentvolumes", name)
    assert made is not None and made["spec"]["capacity"] == {"storage": "3Gi"}
    assert made["spec"]["persistentVolumeReclaimPolicy"] == "Delete" and "nodeAffinity" not in made["spec"]
    assert "ProvisioningSucceeded" in await event_reasons(api, "cache")

    await api.ask(m.DeleteObject("persistentvolumeclaims", "default", "cache"))

    async def volume_gone() -> bool:
        return await get(api, "persistentvolumes", name) is None

    await eventually(volume_gone)


async def test_wait_for_first_consumer_provisions_in_the_selected_nodes_zone(api: ActorRef) -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "zone-b"}},
    }
    await api.ask(m.CreateObject("nodes", "", node))
    await api.ask(m.CreateObject("persistentvolumeclaims", "default", claim("logs")))  # no class: the default

    async def waiting() -> bool:
        found = await get(api, "persistentvolumeclaims", "logs")
        has_class = found is not None and found["spec"].get("storageClassName") == "standard"
        return has_class and "WaitForFirstConsumer" in await event_reasons(api, "logs")

    await eventually(waiting)
    assert await phase(api, "persistentvolumeclaims", "logs") == "Pending"
    listed = await api.ask(m.ListObjects("persistentvolumes"))
    assert listed["items"] == []  # nothing made before a pod using it is scheduled

    selected = {
        "metadata": {"annotations": {"volume.kubernetes.io/selected-node": "n1"}}
    }  # the scheduler's part
    await api.ask(m.PatchObject("persistentvolumeclaims", "default", "logs", selected))

    async def bound() -> bool:
        return await phase(api, "persistentvolumeclaims", "logs") == "Bound"

    await eventually(bound)
    logs = await get(api, "persistentvolumeclaims", "logs")
    assert logs is not None
    made = await get(api, "persistentvolumes", logs["spec"]["volumeName"])
    assert made is not None
    assert made["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"] == [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-b"]}]}
    ]
    assert made["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == SIMULATED
