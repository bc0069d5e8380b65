"""StatefulSets on an in-process cluster: ordered pods with stable names that keep their claims
(and so their volumes) across restarts and scaling, and rolling updates with a partition.

Pods are placed and run by ``tests/fake_pods_for_statefulsets.py`` (test-only) until the
scheduler and kubelets join in-process clusters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api.status import Conflict
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.statefulset import StatefulSetController
from kube_actors.components.controllers.volumes import VolumeController
from kube_actors.runtime import Actor, ActorRef, ActorSystem, VirtualClock
from kube_actors.storage.config import StorageConfig
from tests.fake_pods_for_statefulsets import FakeNodes, zone_of
from tests.waiting import eventually

JsonObject = dict[str, Any]


class PodLog(Actor):
    """Records the pod watch stream as (event, pod, state) in arrival order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, m.ObjectEvents):
            for event in message.events:
                pod = event["object"]
                self.seen.append((event["type"], pod["metadata"]["name"], _state(pod)))
        return None

    def first(self, event: str, pod: str, state: str = "", *, since: int = 0) -> int:
        """Where the first matching event is, from position ``since`` on."""
        return next(
            i
            for i, (e, p, s) in enumerate(self.seen)
            if i >= since and e == event and p == pod and (not state or s == state)
        )


def _state(pod: JsonObject) -> str:
    if pod["metadata"].get("deletionTimestamp"):
        return "terminating"
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
    return "ready" if ready else pod["status"].get("phase", "")


@pytest.fixture
async def cluster(
    tmp_path: Path, virtual_clock: VirtualClock
) -> AsyncIterator[tuple[ActorSystem, ActorRef, PodLog]]:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        log = PodLog()
        watcher = system.spawn(lambda: log, "test/pod-log")
        api.tell(m.WatchObjects("pod-log", str(watcher.address), "pods", "default"))
        system.spawn(lambda: VolumeController(api), "controllers/persistentvolume-binder")
        system.spawn(lambda: StatefulSetController(api), "controllers/statefulset")
        yield system, api, log


def database(replicas: int = 3, *, policy: str = "OrderedReady", image: str = "postgres:16") -> JsonObject:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "replicas": replicas,
            "serviceName": "db",
            "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": image}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                }
            ],
        },
    }


async def pods_by_name(api: ActorRef) -> dict[str, JsonObject]:
    listed = await api.ask(m.ListObjects("pods", "default"))
    return {pod["metadata"]["name"]: pod for pod in listed["items"]}


async def claims_by_name(api: ActorRef) -> dict[str, JsonObject]:
    listed = await api.ask(m.ListObjects("persistentvolumeclaims", "default"))
    return {claim["metadata"]["name"]: claim for claim in listed["items"]}


async def set_status(api: ActorRef) -> JsonObject:
    found: JsonObject = (await api.ask(m.GetObject("statefulsets.apps", "default", "db"))).get("status", {})
    return found


async def patch_set(api: ActorRef, patch: JsonObject) -> None:
    """Patch the set, again if the controller's status write came in between: this apiserver's
    patch does not retry a conflict itself, as Kubernetes' does."""
    for _ in range(10):
        try:
            await api.ask(m.PatchObject("statefulsets.apps", "default", "db", patch))
            return
        except Conflict:
            continue
    raise AssertionError("the set kept changing under the patch")


async def scale(api: ActorRef, replicas: int) -> None:
    await patch_set(api, {"spec": {"replicas": replicas}})


async def all_ready(api: ActorRef, replicas: int) -> bool:
    status = await set_status(api)
    pods = await pods_by_name(api)
    return status.get("readyReplicas") == replicas and len(pods) == replicas


def start_nodes(system: ActorSystem, api: ActorRef) -> ActorRef:
    return system.spawn(lambda: FakeNodes(api, nodes=2), "test/fake-nodes")


async def test_pods_start_in_order_and_keep_their_claims_across_restarts_and_scaling(
    cluster: tuple[ActorSystem, ActorRef, PodLog],
) -> None:
    system, api, log = cluster
    await api.ask(m.CreateObject("statefulsets.apps", "default", database()))
    await eventually(lambda: ("ADDED", "db-0", "Pending") in log.seen)
    assert [name for _, name, _ in log.seen] == ["db-0"]  # nothing runs it: db-1 waits
    start_nodes(system, api)
    await eventually(lambda: all_ready(api, 3))
    for ordinal in (1, 2):  # each pod was created only once its predecessor was ready
        assert log.first("ADDED", f"db-{ordinal - 1}") < log.first("MODIFIED", f"db-{ordinal - 1}", "ready")
        assert log.first("MODIFIED", f"db-{ordinal - 1}", "ready") < log.first("ADDED", f"db-{ordinal}")

    pods, claims = await pods_by_name(api), await claims_by_name(api)
    assert sorted(claims) == ["data-db-0", "data-db-1", "data-db-2"]
    for ordinal in range(3):
        pod, claim = pods[f"db-{ordinal}"], claims[f"data-db-{ordinal}"]
        assert pod["spec"]["hostname"] == f"db-{ordinal}" and pod["spec"]["subdomain"] == "db"
        assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == f"db-{ordinal}"
        assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == str(ordinal)
        assert {"name": "data", "persistentVolumeClaim": {"claimName": f"data-db-{ordinal}"}} in pod["spec"][
            "volumes"
        ]
        assert claim["status"]["phase"] == "Bound" and claim["spec"]["storageClassName"] == "standard"
        volume = await api.ask(m.GetObject("persistentvolumes", "", claim["spec"]["volumeName"]))
        [term] = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        assert term["matchExpressions"][0]["values"] == [
            zone_of(pod["spec"]["nodeName"])
        ]  # made where it runs
    listed = await api.ask(m.ListObjects("events", "default", field_selector="involvedObject.name=db"))
    messages = {(event["reason"], event["message"]) for event in listed["items"]}
    assert ("SuccessfulCreate", "create Claim data-db-0 Pod db-0 in StatefulSet db success") in messages
    assert ("SuccessfulCreate", "create Pod db-0 in StatefulSet db successful") in messages
    claim_uids = {name: claim["metadata"]["uid"] for name, claim in claims.items()}
    zones = {f"data-{name}": zone_of(pod["spec"]["nodeName"]) for name, pod in pods.items()}
    volumes = {name: claim["spec"]["volumeName"] for name, claim in claims.items()}

    old_uid = pods["db-1"]["metadata"]["uid"]
    await api.ask(m.DeleteObject("pods", "default", "db-1"))

    async def replaced() -> bool:
        pods = await pods_by_name(api)
        return "db-1" in pods and pods["db-1"]["metadata"]["uid"] != old_uid and await all_ready(api, 3)

    await eventually(replaced)
    pods = await pods_by_name(api)
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}} in pods["db-1"]["spec"][
        "volumes"
    ]
    assert zone_of(pods["db-1"]["spec"]["nodeName"]) == zones["data-db-1"]  # back where its data is

    scaled_at = len(log.seen)
    await scale(api, 1)

    async def scaled_down() -> bool:
        return list(await pods_by_name(api)) == ["db-0"] and (await set_status(api)).get("replicas") == 1

    await eventually(scaled_down)
    # Highest first, and db-1 only once db-2 is gone.
    assert log.first("DELETED", "db-2", since=scaled_at) < log.first(
        "MODIFIED", "db-1", "terminating", since=scaled_at
    )
    claims = await claims_by_name(api)
    assert {name: c["metadata"]["uid"] for name, c in claims.items()} == claim_uids  # Retain: all kept

    await scale(api, 3)
    await eventually(lambda: all_ready(api, 3))
    claims = await claims_by_name(api)
    assert {name: c["metadata"]["uid"] for name, c in claims.items()} == claim_uids
    assert {name: c["spec"]["volumeName"] for name, c in claims.items()} == volumes  # the same data back
    pods = await pods_by_name(api)
    assert {f"data-{name}": zone_of(pod["spec"]["nodeName"]) for name, pod in pods.items()} == zones


async def test_parallel_creates_and_deletes_every_pod_without_waiting(
    cluster: tuple[ActorSystem, ActorRef, PodLog],
) -> None:
    system, api, log = cluster
    await api.ask(m.CreateObject("statefulsets.apps", "default", database(policy="Parallel")))
    await eventually(
        lambda: sorted(name for event, name, _ in log.seen if event == "ADDED") == ["db-0", "db-1", "db-2"]
    )
    nodes = start_nodes(system, api)
    await eventually(lambda: all_ready(api, 3))
    await system.stop(nodes)  # nothing confirms deletions now: deleted pods stay terminating
    await scale(api, 0)

    async def all_terminating() -> bool:
        pods = await pods_by_name(api)
        return len(pods) == 3 and all(_state(pod) == "terminating" for pod in pods.values())

    await eventually(all_terminating)  # OrderedReady would wait for db-2 to go before db-1


async def test_a_rolling_update_goes_down_to_the_partition(
    cluster: tuple[ActorSystem, ActorRef, PodLog],
) -> None:
    system, api, log = cluster
    start_nodes(system, api)
    await api.ask(m.CreateObject("statefulsets.apps", "default", database()))
    await eventually(lambda: all_ready(api, 3))
    before = await pods_by_name(api)
    first_revision = (await set_status(api))["currentRevision"]
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "db", "image": "postgres:17"}]}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
        }
    }
    await patch_set(api, patch)

    async def partly_updated() -> bool:
        status = await set_status(api)
        return status.get("updatedReplicas") == 2 and status.get("readyReplicas") == 3

    await eventually(partly_updated)
    after = await pods_by_name(api)
    assert after["db-0"]["metadata"]["uid"] == before["db-0"]["metadata"]["uid"]  # below the partition
    assert [after[f"db-{i}"]["spec"]["containers"][0]["image"] for i in range(3)] == [
        "postgres:16",
        "postgres:17",
        "postgres:17",
    ]
    assert log.first("MODIFIED", "db-1", "terminating") > log.first("DELETED", "db-2")  # highest first
    status = await set_status(api)
    assert status["currentRevision"] == first_revision != status["updateRevision"]
    assert after["db-1"]["metadata"]["labels"]["controller-revision-hash"] == status["updateRevision"]

    patch = {"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}}}
    await patch_set(api, patch)

    async def fully_updated() -> bool:
        status = await set_status(api)
        done = status.get("updatedReplicas") == 3 and status.get("readyReplicas") == 3
        return done and status.get("currentRevision") == status.get("updateRevision")

    await eventually(fully_updated)
    assert (await pods_by_name(api))["db-0"]["spec"]["containers"][0]["image"] == "postgres:17"


async def test_a_restarted_controller_recreates_a_pod_below_the_partition_at_its_old_revision(
    cluster: tuple[ActorSystem, ActorRef, PodLog],
) -> None:
    system, api, _ = cluster
    nodes = start_nodes(system, api)
    await api.ask(m.CreateObject("statefulsets.apps", "default", database(2)))
    await eventually(lambda: all_ready(api, 2))
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "db", "image": "postgres:17"}]}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
        }
    }
    await patch_set(api, patch)

    async def partly_updated() -> bool:
        status = await set_status(api)
        return status.get("updatedReplicas") == 1 and status.get("readyReplicas") == 2

    await eventually(partly_updated)
    first_revision = (await set_status(api))["currentRevision"]
    # A new controller has no memory of the old template: it must learn it from db-0 while it
    # is still there (kept terminating, with no node to confirm its deletion).
    await system.stop(nodes)
    await system.stop(system.ref("ka://cp/controllers/statefulset"))
    old = (await pods_by_name(api))["db-0"]
    await api.ask(m.DeleteObject("pods", "default", "db-0"))
    controller = system.spawn(lambda: StatefulSetController(api), "controllers/statefulset")
    uid = (await api.ask(m.GetObject("statefulsets.apps", "default", "db")))["metadata"]["uid"]
    cell = system._cells[controller.address.path]
    await eventually(lambda: first_revision in cell.actor.history.templates(uid))  # type: ignore[union-attr]
    start_nodes(system, api)

    async def back() -> bool:
        pods = await pods_by_name(api)
        return (
            "db-0" in pods
            and pods["db-0"]["metadata"]["uid"] != old["metadata"]["uid"]
            and await all_ready(api, 2)
        )

    await eventually(back)
    again = (await pods_by_name(api))["db-0"]
    assert again["spec"]["containers"][0]["image"] == "postgres:16"
    assert again["metadata"]["labels"] == old["metadata"]["labels"]
