"""Faults a scenario injects into a node: the simulated runtime's crash and usage hooks on a
virtual clock, the ``SetUsage`` syntax, and how the kubelet finds the container and turns a
refusal into the error the asker sees (``faults.inject``)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from kube_actors.api import status
from kube_actors.components.kubelet.base import (
    NOT_RUNNING,
    UNSUPPORTED,
    ContainerRuntime,
    Refused,
    UsageChange,
)
from kube_actors.components.kubelet.faults import inject
from kube_actors.components.kubelet.messages import CrashContainer, SetUsage
from kube_actors.components.kubelet.sim_script import PREFIX, ScriptError, usage_change
from kube_actors.runtime import VirtualClock
from kube_actors.runtime.clock import sleep
from tests.unit.kubelet_driver import Node, make_pod
from tests.unit.test_kubelet_runtime import run, runtime_with

MI = 1024 * 1024


# The simulated runtime.


async def test_a_crash_exits_the_container_now_with_its_code(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    web = await run(runtime, "web", {})
    await sleep(virtual_clock, 30)
    assert runtime.crash_container(web, 42) is None
    assert [(e.container_id, e.exit_code, e.reason, e.finished_at) for e in exits] == [
        (web, 42, "Error", virtual_clock.now())
    ]
    assert runtime.stats() == []
    refused = runtime.crash_container(web, 1)
    assert isinstance(refused, Refused) and refused.reason == NOT_RUNNING
    job = await run(runtime, "job", {}, restart_policy="Never")
    assert runtime.crash_container(job, 0) is None
    assert (exits[-1].exit_code, exits[-1].reason) == (0, "Completed")
    runtime.close()


async def test_a_crashed_container_gives_its_cpu_back(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock, cpu="1")
    start = virtual_clock.now()
    await run(runtime, "job", {f"{PREFIX}run-seconds": "10", f"{PREFIX}cpu": "1"})
    hog = await run(runtime, "hog", {f"{PREFIX}cpu": "1"})
    await sleep(virtual_clock, 10)  # half a core each: the job has done 5 s of its work
    runtime.crash_container(hog, 1)
    await sleep(virtual_clock, 100)
    assert [round(e.finished_at - start) for e in exits] == [10, 15]
    runtime.close()


async def test_memory_set_above_the_limit_is_oom_killed_at_once(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    web = await run(runtime, "web", {}, limits={"memory": "512Mi"}, requests={"memory": "256Mi"})
    await sleep(virtual_clock, 20)
    assert runtime.stats()[0].memory_bytes == 256 * MI
    set_at = virtual_clock.now()
    assert runtime.set_usage(web, usage_change("600Mi", None)) is None
    await sleep(virtual_clock, 0)
    assert [(e.exit_code, e.reason, e.finished_at) for e in exits] == [(137, "OOMKilled", set_at)]
    runtime.close()


async def test_a_ramp_counts_from_when_it_is_set(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    leak = await run(runtime, "leak", {}, limits={"memory": "512Mi"})
    await sleep(virtual_clock, 100)
    set_at = virtual_clock.now()
    runtime.set_usage(leak, usage_change("0, 1Gi@100s", None))
    await sleep(virtual_clock, 30)
    assert runtime.stats()[0].memory_bytes == pytest.approx(0.3 * 1024 * MI, rel=0.01)
    await sleep(virtual_clock, 100)
    assert [(e.reason, round(e.finished_at - set_at)) for e in exits] == [("OOMKilled", 50)]
    runtime.close()


async def test_lower_memory_cancels_a_scripted_oom_kill(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    leak = await run(runtime, "leak", {f"{PREFIX}memory": "0, 1Gi@100s"}, limits={"memory": "512Mi"})
    await sleep(virtual_clock, 30)
    runtime.set_usage(leak, UsageChange(memory=((0.0, 100 * MI),)))
    await sleep(virtual_clock, 200)
    assert exits == [] and runtime.stats()[0].memory_bytes == 100 * MI
    runtime.close()


async def test_more_cpu_slows_the_node_finite_work(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock, cpu="1")
    start = virtual_clock.now()
    await run(runtime, "job", {f"{PREFIX}run-seconds": "10", f"{PREFIX}cpu": "500m"})
    neighbour = await run(runtime, "neighbour", {f"{PREFIX}cpu": "500m"})
    await sleep(virtual_clock, 4)  # no contention yet: 4 s of the job's work done
    assert runtime.set_usage(neighbour, usage_change(None, "1500m")) is None
    assert sorted(s.cpu_millis for s in runtime.stats()) == [500, 1500]
    await sleep(virtual_clock, 100)
    # 2000m wanted of 1000m: the 6 s left take 12 s.
    assert [round(e.finished_at - start) for e in exits] == [16]
    runtime.close()


async def test_usage_of_a_container_that_does_not_run_is_refused(virtual_clock: VirtualClock) -> None:
    runtime, _ = await runtime_with(virtual_clock)
    refused = runtime.set_usage("no-such-container", UsageChange(cpu_millis=100))
    assert isinstance(refused, Refused) and refused.reason == NOT_RUNNING
    runtime.close()


@pytest.mark.parametrize(
    ("memory", "cpu", "change"),
    [
        ("256Mi", None, UsageChange(((0.0, 256 * MI),), None)),
        ("64Mi, 1Gi@1m", "2", UsageChange(((0.0, 64 * MI), (60.0, 1024 * MI)), 2000)),
        (None, "250m", UsageChange(None, 250)),
    ],
)
def test_usage_is_read_as_the_annotations_are(
    memory: str | None, cpu: str | None, change: UsageChange
) -> None:
    assert usage_change(memory, cpu) == change


@pytest.mark.parametrize(
    ("memory", "cpu", "complaint"),
    [
        ("lots", None, "memory: quantities must match"),
        ("1Gi@soon", None, "memory: 'soon' is not a duration"),
        ("-1Gi", None, "memory: '-1Gi' is negative"),
        (None, "-500m", "cpu: '-500m' is negative"),
        (None, None, "set memory, cpu or both"),
    ],
)
def test_bad_usage_is_named(memory: str | None, cpu: str | None, complaint: str) -> None:
    with pytest.raises(ScriptError, match=complaint):
        usage_change(memory, cpu)


# The kubelet's side: finding the container, and the errors the asker sees.


def test_only_a_running_container_can_be_hit() -> None:
    node = Node()
    pod = make_pod("web", containers=("app", "sidecar"))
    node.add(pod)
    app = node.container_id(pod, "app")
    assert node.core.running_container("default", "web", "app") == app
    node.exit(pod, "app", 1)
    node.exit(pod, "app", 1)  # restarted at once, then in a 10 s backoff
    cases = [
        ("default", "other", "app", 'pods "other" not found'),
        ("kube-system", "web", "app", 'pods "web" not found'),
        ("default", "web", "db", 'container "db" is not valid for pod "web"'),
        ("default", "web", "app", 'container "app" in pod "web" is not running: CrashLoopBackOff'),
    ]
    for namespace, name, container, message in cases:
        with pytest.raises(status.NotFound) as raised:
            node.core.running_container(namespace, name, container)
        assert raised.value.message == message
    assert node.core.running_container("default", "web", "sidecar") == node.container_id(pod, "sidecar")


class Unsupporting:
    """A runtime of real containers, as far as faults go: it refuses them."""

    def crash_container(self, container_id: str, exit_code: int) -> Refused | None:
        return Refused(UNSUPPORTED, "this runtime cannot crash a container on request")

    def set_usage(self, container_id: str, change: UsageChange) -> Refused | None:
        return Refused(UNSUPPORTED, "this runtime cannot set a container's usage")


@pytest.mark.parametrize(
    ("fault", "runtime", "error", "message"),
    [
        (CrashContainer("default", "web", "app", 256), "sim", status.BadRequest, "exit code 256"),
        (SetUsage("default", "web", "app", "lots"), "sim", status.BadRequest, "memory: quantities"),
        (SetUsage("default", "web", "app"), "sim", status.BadRequest, "set memory, cpu or both"),
        (CrashContainer("default", "db", "app"), "sim", status.NotFound, 'pods "db" not found'),
        (SetUsage("default", "web", "db", cpu="1"), "sim", status.NotFound, 'container "db" is not'),
        (CrashContainer("default", "web", "app"), "sim", status.NotFound, "not running: container c"),
        (SetUsage("default", "web", "app", cpu="1"), "real", status.BadRequest, "Unimplemented: this"),
    ],
)
async def test_refusals_become_api_errors(
    virtual_clock: VirtualClock, fault: Any, runtime: str, error: type[Exception], message: str
) -> None:
    node = Node()
    node.add(make_pod("web"))
    simulated, _ = await runtime_with(virtual_clock)  # never heard of the driver's containers
    used = cast(ContainerRuntime, simulated if runtime == "sim" else Unsupporting())
    with pytest.raises(error, match=message):
        inject(fault, node.core, used)
    simulated.close()
