"""The Job controller on an in-process cluster with the virtual clock, its pods run by a
test-only stand-in for kubelets (``tests/fake_job_pods.py``) that makes them succeed or fail."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from kube_actors.api import status
from kube_actors.api.times import unix_seconds
from kube_actors.cluster import API_PATH, ClusterConfig, start_cluster
from kube_actors.components.apiserver import messages as m
from kube_actors.components.controllers.base import ProcessQueue
from kube_actors.components.controllers.garbage_collector import GarbageCollector
from kube_actors.components.controllers.job import JobController
from kube_actors.components.informing import Change, Informer, InformingActor
from kube_actors.runtime import ActorRef, ActorSystem
from kube_actors.runtime.clock import VirtualClock
from kube_actors.storage.config import StorageConfig
from tests.fake_job_pods import FakeJobPods

JsonObject = dict[str, Any]
# Each job's pods in turn: outcome and seconds of running (the last entry repeats).
SCRIPTS: dict[str, list[tuple[str, float]]] = {
    "pi": [("Succeeded", 5.0)],
    "doomed": [("Failed", 2.0)],
    "flaky": [("Failed", 2.0), ("Failed", 2.0), ("Succeeded", 3.0)],
    "slow": [("Succeeded", 1e9)],  # never within a test: idle, the virtual clock races ahead
    "brief": [("Succeeded", 1.0)],
    "indexed": [("Succeeded", 4.0)],
}


@pytest.fixture
async def cluster(tmp_path: Path, virtual_clock: VirtualClock) -> AsyncIterator[tuple[ActorSystem, ActorRef]]:
    started: Counter[str] = Counter()

    def script(pod: JsonObject) -> tuple[str, float]:
        job = pod["metadata"]["labels"]["batch.kubernetes.io/job-name"]
        turns = SCRIPTS[job]
        started[job] += 1
        return turns[min(started[job], len(turns)) - 1]

    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        controllers = [
            system.spawn(lambda: JobController(api), "controllers/job"),
            system.spawn(lambda: GarbageCollector(api), "controllers/garbage-collector"),
        ]
        system.spawn(lambda: FakeJobPods(api, script), "test/kubelets")
        for controller in controllers:
            await controller.ask(ProcessQueue())
        yield system, api


@pytest.fixture
def api(cluster: tuple[ActorSystem, ActorRef]) -> ActorRef:
    return cluster[1]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 (the condition is the apiserver's state)
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


def job(name: str, **spec: Any) -> JsonObject:
    body: JsonObject = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "perl:5.34"}]}
            },
            **spec,
        },
    }
    return body


async def get_job(api: ActorRef, name: str) -> JsonObject | None:
    try:
        found: JsonObject = await api.ask(m.GetObject("jobs.batch", "default", name))
    except status.NotFound:
        return None
    return found


async def pods_of(api: ActorRef, name: str) -> list[JsonObject]:
    listed = await api.ask(
        m.ListObjects("pods", "default", label_selector=f"batch.kubernetes.io/job-name={name}")
    )
    items: list[JsonObject] = listed["items"]
    return sorted(items, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))


def condition(job: JsonObject | None, kind: str) -> JsonObject | None:
    for each in (job or {}).get("status", {}).get("conditions", []):
        if each["type"] == kind and each["status"] == "True":
            return dict(each)
    return None


async def finished(api: ActorRef, name: str, kind: str) -> JsonObject:
    """The Job as first seen with a true ``kind`` condition."""
    seen: list[JsonObject] = []

    async def done() -> bool:
        found = await get_job(api, name)
        if condition(found, kind) is None:
            return False
        assert found is not None
        seen.append(found)
        return True

    await until(done)
    return seen[0]


async def test_a_job_runs_its_completions_in_parallel(api: ActorRef) -> None:
    created = await api.ask(m.CreateObject("jobs.batch", "default", job("pi", completions=3, parallelism=2)))
    done = await finished(api, "pi", "Complete")
    assert done["status"]["succeeded"] == 3 and "failed" not in done["status"]
    assert done["status"]["uncountedTerminatedPods"] == {}
    started, completed = (
        unix_seconds(done["status"]["startTime"]),
        unix_seconds(done["status"]["completionTime"]),
    )
    assert (
        started is not None and completed is not None and 10 <= completed - started <= 12
    )  # two rounds of 5 s
    pods = await pods_of(api, "pi")
    assert len(pods) == 3 and all(p["status"]["phase"] == "Succeeded" for p in pods)
    for pod in pods:
        assert pod["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == created["metadata"]["uid"]
        assert pod["metadata"].get("finalizers") in (None, [])  # counted, so released
    events = await api.ask(m.ListObjects("events", "default"))
    reasons = Counter(e["reason"] for e in events["items"] if e["involvedObject"]["name"] == "pi")
    assert reasons["SuccessfulCreate"] == 3 and reasons["Completed"] == 1


async def test_a_job_with_failing_pods_retries_up_to_its_backoff_limit(api: ActorRef) -> None:
    await api.ask(m.CreateObject("jobs.batch", "default", job("doomed", backoffLimit=2)))
    failed = await finished(api, "doomed", "Failed")
    assert condition(failed, "Failed") is not None
    assert condition(failed, "Failed")["reason"] == "BackoffLimitExceeded"  # type: ignore[index]
    assert failed["status"]["failed"] == 3  # the first try and two retries
    pods = await pods_of(api, "doomed")
    assert [p["status"]["phase"] for p in pods] == ["Failed"] * 3
    # Each retry waits out the pod failure backoff: 10 s, then 20 s after the failure before.
    starts = [unix_seconds(p["metadata"]["creationTimestamp"]) or 0.0 for p in pods]
    assert 12 <= starts[1] - starts[0] <= 13 and 22 <= starts[2] - starts[1] <= 23
    await asyncio.sleep(0.05)
    assert len(await pods_of(api, "doomed")) == 3  # and no more are made


async def test_a_flaky_job_completes_after_retries(api: ActorRef) -> None:
    await api.ask(m.CreateObject("jobs.batch", "default", job("flaky", backoffLimit=6)))
    done = await finished(api, "flaky", "Complete")
    assert (done["status"]["succeeded"], done["status"]["failed"]) == (1, 2)


async def test_a_job_past_its_deadline_fails_and_stops_its_pods(api: ActorRef) -> None:
    await api.ask(
        m.CreateObject(
            "jobs.batch", "default", job("slow", activeDeadlineSeconds=30, parallelism=2, completions=2)
        )
    )
    failed = await finished(api, "slow", "Failed")
    reason = condition(failed, "Failed")
    assert reason is not None and reason["reason"] == "DeadlineExceeded"
    started, ended = unix_seconds(failed["status"]["startTime"]), unix_seconds(reason["lastTransitionTime"])
    assert started is not None and ended is not None and 30 <= ended - started <= 31
    assert failed["status"]["failed"] == 2 and "active" not in failed["status"]

    async def pods_gone() -> bool:
        return await pods_of(api, "slow") == []

    await until(pods_gone)


class DeletionClock(InformingActor):
    """Notes, from the watch stream, when (simulated time) each Job completed and when it was
    marked for deletion: a poll could miss the Job between the two, as the idle virtual clock
    races through its TTL."""

    def __init__(self, api: ActorRef, completed: dict[str, float], marked: dict[str, float]) -> None:
        super().__init__(api)
        self.completed = completed
        self.marked = marked

    async def on_start(self) -> None:
        await self.inform("jobs.batch")

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        for change in changes:
            name = change.object["metadata"]["name"]
            finished_at = unix_seconds(change.object.get("status", {}).get("completionTime"))
            if finished_at is not None:
                self.completed.setdefault(name, finished_at)
            if (
                change.object["metadata"].get("deletionTimestamp") or change.type == "DELETED"
            ) and name not in self.marked:
                self.marked[name] = self.clock.now()


async def test_a_finished_job_is_deleted_with_its_pods_after_its_ttl(
    cluster: tuple[ActorSystem, ActorRef],
) -> None:
    system, api = cluster
    completed: dict[str, float] = {}
    marked: dict[str, float] = {}
    system.spawn(lambda: DeletionClock(api, completed, marked), "test/deletions")
    await api.ask(m.CreateObject("jobs.batch", "default", job("brief", ttlSecondsAfterFinished=60)))

    async def all_gone() -> bool:
        return "brief" in marked and await get_job(api, "brief") is None and await pods_of(api, "brief") == []

    await until(all_gone)
    assert completed["brief"] + 60 <= marked["brief"] <= completed["brief"] + 61


async def test_an_indexed_job_completes_every_index(api: ActorRef) -> None:
    await api.ask(
        m.CreateObject(
            "jobs.batch", "default", job("indexed", completions=3, parallelism=3, completionMode="Indexed")
        )
    )
    done = await finished(api, "indexed", "Complete")
    assert done["status"]["completedIndexes"] == "0-2" and done["status"]["succeeded"] == 3
    pods = await pods_of(api, "indexed")
    assert sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods) == [
        "0",
        "1",
        "2",
    ]
    assert sorted(p["spec"]["hostname"] for p in pods) == ["indexed-0", "indexed-1", "indexed-2"]


async def test_deleting_a_running_job_deletes_its_pods(api: ActorRef) -> None:
    await api.ask(m.CreateObject("jobs.batch", "default", job("slow", parallelism=2, completions=2)))

    async def running() -> bool:
        pods = await pods_of(api, "slow")
        return len(pods) == 2 and all(p["status"].get("phase") == "Running" for p in pods)

    await until(running)
    await api.ask(m.DeleteObject("jobs.batch", "default", "slow"))

    async def pods_gone() -> bool:
        return await pods_of(api, "slow") == []

    await until(pods_gone)  # the collector deletes them, the Job controller lets their finalizers go


async def test_a_job_made_before_the_controller_started_runs(
    tmp_path: Path, virtual_clock: VirtualClock
) -> None:
    async with ActorSystem("cp", clock=virtual_clock) as system:
        await start_cluster(system, ClusterConfig(StorageConfig("memory", data_dir=tmp_path), api_port=0))
        api = system.ref(f"ka://cp/{API_PATH}")
        await api.ask(m.CreateObject("jobs.batch", "default", job("pi")))
        system.spawn(lambda: FakeJobPods(api, lambda pod: ("Succeeded", 1.0)), "test/kubelets")
        system.spawn(lambda: JobController(api), "controllers/job")
        done = await finished(api, "pi", "Complete")
        assert done["status"]["succeeded"] == 1
