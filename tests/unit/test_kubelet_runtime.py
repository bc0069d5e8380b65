"""The simulated container runtime and the annotations that script it, on a virtual clock."""

from __future__ import annotations

from typing import Any

import pytest

from kube_actors.components.kubelet.base import (
    ContainerConfig,
    ContainerExit,
    Refused,
    Sandbox,
    SandboxConfig,
)
from kube_actors.components.kubelet.config import RuntimeDefaults
from kube_actors.components.kubelet.sim_script import (
    PREFIX,
    ContainerScript,
    ProbeScript,
    ScriptError,
    UsageCurve,
    container_script,
    parse_duration,
)
from kube_actors.components.kubelet.simulated import SimulatedRuntime
from kube_actors.runtime import VirtualClock
from kube_actors.runtime.clock import sleep

DEFAULTS = RuntimeDefaults(pull_seconds=0.0)


def script(
    annotations: dict[str, str], container: str = "app", *, forever: bool = True, **requests: str
) -> ContainerScript:
    return container_script(
        annotations, container, defaults=DEFAULTS, runs_until_stopped=forever, requests=requests
    )


@pytest.mark.parametrize(
    ("annotations", "run_seconds", "exit_code"),
    [
        ({}, None, 0),
        ({f"{PREFIX}run-seconds": "90"}, 90.0, 0),
        ({f"{PREFIX}crash-after": "1m30s"}, 90.0, 1),
        ({f"{PREFIX}crash-after": "10", f"{PREFIX}exit-code": "42"}, 10.0, 42),
        (
            {f"{PREFIX}run-seconds": "forever", f"{PREFIX}run-seconds.app": "3"},
            3.0,
            0,
        ),  # the container's wins
        ({f"{PREFIX}run-seconds.other": "3"}, None, 0),
    ],
)
def test_run_time_and_exit_code(
    annotations: dict[str, str], run_seconds: float | None, exit_code: int
) -> None:
    scripted = script(annotations)
    assert (scripted.run_seconds, scripted.exit_code) == (run_seconds, exit_code)


def test_job_like_containers_run_the_pool_default_and_use_their_requests() -> None:
    scripted = script({}, forever=False, memory="64Mi", cpu="250m")
    assert scripted.run_seconds == DEFAULTS.run_seconds
    assert scripted.memory.at(0) == 64 * 1024 * 1024 and scripted.cpu_millis == 250


@pytest.mark.parametrize(
    ("annotation", "value", "complaint"),
    [
        ("exit-code", "300", "between 0 and 255"),
        ("crash-after", "soon", "not a duration"),
        ("memory", "lots", "quantities must match"),
        ("liveness", "maybe", "not a probe outcome"),
    ],
)
def test_a_bad_annotation_is_named(annotation: str, value: str, complaint: str) -> None:
    with pytest.raises(ScriptError, match=f"annotation {PREFIX}{annotation}: .*{complaint}"):
        script({f"{PREFIX}{annotation}": value})


def test_durations_curves_and_probe_scripts() -> None:
    assert parse_duration("2h") == 7200 and parse_duration("1.5m") == 90
    curve = UsageCurve.parse("100Mi, 200Mi@10s, 200Mi@20s, 50Mi@30s")
    assert [curve.at(t) // (1024 * 1024) for t in (0, 5, 15, 25, 99)] == [100, 150, 200, 125, 50]
    assert curve.first_above(150 * 1024 * 1024) == 5.0 and curve.first_above(300 * 1024 * 1024) is None
    flaky = ProbeScript.parse("fail-after=30s")
    assert (flaky.outcome(29.9), flaky.outcome(30)) == (True, False)
    assert ProbeScript.parse("pass-after=5").outcome(0) is False


class Exits(list[ContainerExit]):
    def __call__(self, exit: ContainerExit) -> None:
        self.append(exit)


async def runtime_with(
    clock: VirtualClock, *, cpu: str = "4", pod_cidr: str = "10.244.0.0/24", **defaults: Any
) -> tuple[SimulatedRuntime, Exits]:
    settings: dict[str, Any] = {"pull_seconds": 0.0, **defaults}
    runtime = SimulatedRuntime(clock, defaults=RuntimeDefaults(**settings), pod_cidr=pod_cidr, cpu=cpu)
    exits = Exits()
    runtime.watch_exits(exits)
    return runtime, exits


async def run(runtime: SimulatedRuntime, pod: str, annotations: dict[str, str], **config: Any) -> str:
    sandbox_config = SandboxConfig(f"uid-{pod}", "default", pod, annotations)
    sandbox = await runtime.run_pod_sandbox(sandbox_config)
    assert isinstance(sandbox, Sandbox)
    created = await runtime.create_container(
        sandbox.id,
        ContainerConfig("app", "nginx:1.25", **config),
        sandbox_config,
    )
    assert isinstance(created, str)
    assert await runtime.start_container(created) is None
    return created


async def test_a_container_runs_its_time_and_exits_with_its_code(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    start = virtual_clock.now()
    container = await run(runtime, "job", {f"{PREFIX}crash-after": "30s", f"{PREFIX}exit-code": "3"})
    await sleep(virtual_clock, 60)
    assert [(e.container_id, e.exit_code, e.reason) for e in exits] == [(container, 3, "Error")]
    assert exits[0].finished_at - start == pytest.approx(30)
    runtime.close()


async def test_cpu_contention_stretches_finite_work(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock, cpu="1")
    start = virtual_clock.now()
    await run(runtime, "a", {f"{PREFIX}run-seconds": "10", f"{PREFIX}cpu": "1"})
    await run(runtime, "b", {f"{PREFIX}run-seconds": "20", f"{PREFIX}cpu": "1"})
    await sleep(virtual_clock, 100)
    # Both get half a core until a is done at 20 s; b then has 10 s of work left at full speed.
    assert [round(e.finished_at - start) for e in exits] == [20, 30]
    runtime.close()


async def test_memory_above_the_limit_is_oom_killed(virtual_clock: VirtualClock) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    start = virtual_clock.now()
    await run(runtime, "leak", {f"{PREFIX}memory": "0, 1Gi@100s"}, limits={"memory": "512Mi"})
    await sleep(virtual_clock, 30)
    assert runtime.stats()[0].memory_bytes == pytest.approx(0.3 * 1024**3, rel=0.01)
    await sleep(virtual_clock, 100)
    assert [(e.exit_code, e.reason, round(e.finished_at - start)) for e in exits] == [(137, "OOMKilled", 50)]
    runtime.close()


@pytest.mark.parametrize(
    ("stop_seconds", "grace", "exit_code", "took"),
    [("5", 30.0, 0, 5), ("60", 10.0, 137, 10), ("5", 0.0, 137, 0)],
)
async def test_stopping_honours_the_grace_period(
    virtual_clock: VirtualClock, stop_seconds: str, grace: float, exit_code: int, took: int
) -> None:
    runtime, exits = await runtime_with(virtual_clock)
    container = await run(runtime, "web", {f"{PREFIX}stop-seconds": stop_seconds})
    start = virtual_clock.now()
    await runtime.stop_container(container, grace)
    assert [(e.exit_code, round(e.finished_at - start)) for e in exits] == [(exit_code, took)]
    runtime.close()


async def test_pulls_take_their_time_and_fail_for_unknown_images(virtual_clock: VirtualClock) -> None:
    runtime, _ = await runtime_with(
        virtual_clock, image_pull_seconds={"postgres:16": 8.0}, registry=("nginx:*", "postgres:*")
    )
    pod = SandboxConfig("u", "default", "p")
    start = virtual_clock.now()
    pulled = await runtime.pull_image("postgres:16", pod)
    assert not pulled.error and pulled.image_ref.startswith("docker.io/library/postgres@sha256:")
    assert virtual_clock.now() - start == pytest.approx(8)
    assert runtime.image_status("postgres:16") is not None
    assert "not found" in (await runtime.pull_image("nginxx:1", pod)).error
    failing = SandboxConfig("u", "default", "p", {f"{PREFIX}image-pull": "fail"})
    assert (await runtime.pull_image("nginx:1.25", failing)).error
    runtime.close()


async def test_sandbox_ips_are_unique_until_released(virtual_clock: VirtualClock) -> None:
    runtime, _ = await runtime_with(virtual_clock, pod_cidr="10.9.0.0/30")  # one address for pods
    first = await runtime.run_pod_sandbox(SandboxConfig("a", "default", "a"))
    assert isinstance(first, Sandbox) and first.ip == "10.9.0.2"
    refused = await runtime.run_pod_sandbox(SandboxConfig("b", "default", "b"))
    assert isinstance(refused, Refused) and refused.reason == "FailedCreatePodSandBox"
    await runtime.stop_pod_sandbox(first.id)
    again = await runtime.run_pod_sandbox(SandboxConfig("b", "default", "b"))
    assert isinstance(again, Sandbox) and again.ip == "10.9.0.2"
    runtime.close()


async def test_logs_probes_and_bad_scripts(virtual_clock: VirtualClock) -> None:
    runtime, _ = await runtime_with(virtual_clock)
    annotations = {
        f"{PREFIX}logs": "hello\nworld",
        f"{PREFIX}log-every": "10s",
        f"{PREFIX}liveness": "fail-after=15s",
    }
    container = await run(runtime, "web", annotations)
    await sleep(virtual_clock, 25)
    assert [line.text for line in runtime.logs(container) or []] == [
        "hello",
        "world",
        "app tick 1",
        "app tick 2",
    ]
    assert await runtime.exec_probe(container, "readiness") is True
    assert await runtime.exec_probe(container, "liveness") is False
    sandbox = await runtime.run_pod_sandbox(SandboxConfig("x", "default", "x"))
    assert isinstance(sandbox, Sandbox)
    bad = SandboxConfig("x", "default", "x", {f"{PREFIX}memory": "lots"})
    refused = await runtime.create_container(sandbox.id, ContainerConfig("app", "nginx:1.25"), bad)
    assert isinstance(refused, Refused) and refused.reason == "CreateContainerConfigError"
    assert f"{PREFIX}memory" in refused.message
    runtime.close()
