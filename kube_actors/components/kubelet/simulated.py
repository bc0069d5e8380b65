"""Why: the default container runtime runs nothing: it simulates, on the injected clock, what
containerd would do, scripted per pod by ``sim.kube-actors.io/`` annotations (``sim_script``)
and per node pool by ``RuntimeDefaults``. Pulls take time and can fail; containers start, run
for a while or forever, exit with a code, answer probes, write log lines, use memory (and are
OOM-killed above their limit) and CPU. CPU is shared: when the running containers want more
than the node has, every finite container's work slows down in proportion, which is how a
noisy neighbour shows up without any eviction. Scenarios inject faults through it too: a
container crashes now (``crash_container``) or starts using other amounts (``set_usage``).

It implements ``ContainerRuntime`` (``base.py``); pod IPs come from ``ipam.PodAddresses``.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from kube_actors.api.quantity import parse_quantity
from kube_actors.components.kubelet.base import (
    NOT_RUNNING,
    ContainerConfig,
    ContainerExit,
    ContainerStats,
    ImageInfo,
    LogLine,
    PullOutcome,
    Refused,
    Sandbox,
    SandboxConfig,
    UsageChange,
)
from kube_actors.components.kubelet.config import RuntimeDefaults
from kube_actors.components.kubelet.ipam import PodAddresses
from kube_actors.components.kubelet.sim_script import (
    ContainerScript,
    ScriptError,
    UsageCurve,
    container_script,
    fill,
    pull_script,
)
from kube_actors.runtime.clock import Clock, Timer, sleep

MAX_LOG_LINES = 10_000  # older lines are rotated away, as the kubelet's 10 MiB log files are
KILLED = 137  # 128 + SIGKILL


def qualified_image(image: str) -> str:
    """The fully qualified name a registry knows an image by.

    >>> qualified_image("nginx:1.25"), qualified_image("quay.io/app/web:2")
    ('docker.io/library/nginx:1.25', 'quay.io/app/web:2')
    """
    first, _, rest = image.partition("/")
    if not rest:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image


def image_ref(image: str) -> str:
    """A stable digest reference for ``image`` (``imageID`` in container statuses)."""
    name = qualified_image(image).partition("@")[0]
    repository = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


@dataclass(slots=True)
class _Container:
    id: str
    sandbox_id: str
    config: ContainerConfig
    pod: SandboxConfig
    script: ContainerScript
    memory: UsageCurve
    """Its memory use, counted from ``memory_since``: the script's from the start, or a ramp
    ``set_usage`` gave it."""
    cpu_millis: int
    state: str = "created"  # created, running, exited
    memory_since: float = 0.0
    started_at: float | None = None
    work_left: float | None = None  # CPU-seconds of work before it exits by itself
    progress_at: float = 0.0
    exit_timer: Timer | None = None
    oom_timer: Timer | None = None
    exit: ContainerExit | None = None
    exited: asyncio.Future[None] | None = None


class SimulatedRuntime:
    """One node's containers, on ``clock``; ``cpu`` is the node's CPU capacity (cores)."""

    def __init__(
        self,
        clock: Clock,
        *,
        defaults: RuntimeDefaults,
        pod_cidr: str,
        cpu: str = "4",
        images: tuple[str, ...] = (),
    ) -> None:
        self.clock = clock
        self.defaults = defaults
        self.addresses = PodAddresses(pod_cidr)
        self.cpu_millis = parse_quantity(cpu).milli_value()
        self._images = {image: _image_info(image) for image in images}
        self._sandboxes: dict[str, tuple[SandboxConfig, str]] = {}  # id -> (config, ip)
        self._containers: dict[str, _Container] = {}
        self._running: dict[str, _Container] = {}
        self._demand = 0  # millicores wanted by running containers
        self._sinks: list[Callable[[ContainerExit], None]] = []
        self._ids = itertools.count(1)
        self._id_prefix = hashlib.sha256(f"{pod_cidr}{id(self)}".encode()).hexdigest()[:16]
        self._closed = False

    # Images.

    def version(self) -> str:
        return self.defaults.version

    def images(self) -> list[ImageInfo]:
        return list(self._images.values())

    def image_status(self, image: str) -> ImageInfo | None:
        return self._images.get(image)

    async def pull_image(self, image: str, sandbox: SandboxConfig) -> PullOutcome:
        try:
            script = pull_script(sandbox.annotations)
        except ScriptError as exc:
            return PullOutcome(image, error=str(exc))
        latency = script.seconds
        if latency is None:
            latency = self.defaults.image_pull_seconds.get(image, self.defaults.pull_seconds)
        if latency > 0:
            await sleep(self.clock, latency)
        if script.fails or not any(fnmatch.fnmatchcase(image, p) for p in self.defaults.registry):
            return PullOutcome(
                image,
                error=f'failed to pull and unpack image "{qualified_image(image)}": '
                f"{qualified_image(image)}: not found",
            )
        info = self._images.setdefault(image, _image_info(image))
        return PullOutcome(image, info.image_ref)

    # Sandboxes.

    async def run_pod_sandbox(self, config: SandboxConfig) -> Sandbox | Refused:
        sandbox_id = self._new_id()
        ip = self.addresses.allocate(sandbox_id)
        if ip is None:
            return Refused(
                "FailedCreatePodSandBox",
                f"failed to set up sandbox container network for pod {config.name!r}: "
                f"no IP addresses available in this node's podCIDR ({self.addresses.capacity} in use)",
            )
        self._sandboxes[sandbox_id] = (config, ip)
        return Sandbox(sandbox_id, ip)

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        for container in [c for c in self._running.values() if c.sandbox_id == sandbox_id]:
            self._finish(container, KILLED, "Error")
        found = self._sandboxes.get(sandbox_id)
        if found is not None:
            self.addresses.release(found[1])

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        self._sandboxes.pop(sandbox_id, None)

    # Containers.

    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox: SandboxConfig
    ) -> str | Refused:
        if sandbox_id not in self._sandboxes:
            return Refused("CreateContainerError", f"sandbox {sandbox_id} does not exist")
        try:
            script = container_script(
                sandbox.annotations,
                config.name,
                defaults=self.defaults,
                runs_until_stopped=config.restart_policy == "Always" and not config.init,
                requests=config.requests,
            )
        except ScriptError as exc:
            return Refused("CreateContainerConfigError", str(exc))
        container_id = self._new_id()
        self._containers[container_id] = _Container(
            container_id, sandbox_id, config, sandbox, script, script.memory, script.cpu_millis
        )
        return container_id

    async def start_container(self, container_id: str) -> Refused | None:
        container = self._containers.get(container_id)
        if container is None or container.state != "created":
            return Refused("RunContainerError", f"container {container_id} cannot be started")
        if container.script.start_seconds > 0:
            await sleep(self.clock, container.script.start_seconds)
            if container.state != "created" or self._closed:
                return Refused("RunContainerError", f"container {container_id} was removed while starting")
        now = self.clock.now()
        container.state, container.started_at = "running", now
        container.work_left, container.progress_at = container.script.run_seconds, now
        container.memory_since = now
        self._running[container_id] = container
        self._change_demand(container.cpu_millis, now, started=container)
        self._arm_oom_kill(container)
        return None

    async def stop_container(self, container_id: str, grace_seconds: float) -> None:
        container = self._containers.get(container_id)
        if container is None or container.state == "exited":
            return
        if container.state == "created":
            self._finish(container, KILLED, "Error")
            return
        if container.exited is not None and grace_seconds <= 0:
            self._finish(container, KILLED, "Error")  # a force kill cuts a graceful stop short
        if container.exited is None:
            container.exited = asyncio.get_running_loop().create_future()
            stop = container.script.stop_seconds
            if grace_seconds <= 0:
                self._finish(container, KILLED, "Error")
            elif stop <= grace_seconds:
                self._cancel_timers(container)
                container.exit_timer = self.clock.call_later(stop, self._finish, container, 0, "Completed")
            else:
                self._cancel_timers(container)
                container.exit_timer = self.clock.call_later(
                    grace_seconds, self._finish, container, KILLED, "Error"
                )
        if not container.exited.done():
            await asyncio.shield(container.exited)

    def remove_container(self, container_id: str) -> None:
        container = self._containers.get(container_id)
        if container is not None and container.state != "running":
            self._cancel_timers(container)
            del self._containers[container_id]

    async def exec_probe(self, container_id: str, kind: str) -> bool:
        container = self._running.get(container_id)
        if container is None or container.started_at is None:
            return False
        return container.script.probes[kind].outcome(self.clock.now() - container.started_at)

    def stats(self) -> list[ContainerStats]:
        now = self.clock.now()
        return [
            ContainerStats(c.id, c.memory.at(now - c.memory_since), c.cpu_millis)
            for c in self._running.values()
        ]

    # Fault injection.

    def crash_container(self, container_id: str, exit_code: int) -> Refused | None:
        container = self._running.get(container_id)
        if container is None:
            return Refused(NOT_RUNNING, f"container {container_id} is not running")
        self._finish(container, exit_code, "Completed" if exit_code == 0 else "Error")
        return None

    def set_usage(self, container_id: str, change: UsageChange) -> Refused | None:
        container = self._running.get(container_id)
        if container is None:
            return Refused(NOT_RUNNING, f"container {container_id} is not running")
        now = self.clock.now()
        if change.cpu_millis is not None and change.cpu_millis != container.cpu_millis:
            delta, container.cpu_millis = change.cpu_millis - container.cpu_millis, change.cpu_millis
            self._change_demand(delta, now)
        if change.memory is not None:
            container.memory, container.memory_since = UsageCurve(change.memory), now
            if container.exited is None:  # a container being stopped gets no new OOM timer
                self._arm_oom_kill(container)
        return None

    def logs(self, container_id: str) -> list[LogLine] | None:
        container = self._containers.get(container_id)
        if container is None:
            return None
        if container.started_at is None:
            return []
        script, start = container.script, container.started_at
        end = container.exit.finished_at if container.exit is not None else self.clock.now()
        values = {
            "container": container.config.name,
            "image": container.config.image,
            "pod": container.pod.name,
        }
        lines = [LogLine(start, fill(text, values)) for text in script.log_lines]
        if script.log_every:
            count = int((end - start) / script.log_every)
            first = max(1, count - MAX_LOG_LINES + 1)
            lines.extend(
                LogLine(start + n * script.log_every, fill(script.log_line, {**values, "n": n}))
                for n in range(first, count + 1)
            )
        return lines[-MAX_LOG_LINES:]

    def watch_exits(self, sink: Callable[[ContainerExit], None]) -> None:
        self._sinks.append(sink)

    def close(self) -> None:
        self._closed = True
        self._sinks.clear()
        for container in self._containers.values():
            self._cancel_timers(container)
            if container.exited is not None and not container.exited.done():
                container.exited.cancel()

    # Internals.

    def _new_id(self) -> str:
        return f"{self._id_prefix}{next(self._ids):048x}"

    def _finish(self, container: _Container, exit_code: int, reason: str) -> None:
        if container.state == "exited":
            return
        now = self.clock.now()
        self._cancel_timers(container)
        was_running = container.state == "running"
        container.state = "exited"
        container.exit = ContainerExit(container.id, exit_code, reason, now, container.started_at)
        if was_running:
            del self._running[container.id]
            self._change_demand(-container.cpu_millis, now)
        if container.exited is not None and not container.exited.done():
            container.exited.set_result(None)
        for sink in list(self._sinks):
            sink(container.exit)

    def _cancel_timers(self, container: _Container) -> None:
        for timer in (container.exit_timer, container.oom_timer):
            if timer is not None:
                timer.cancel()
        container.exit_timer = container.oom_timer = None

    def _arm_oom_kill(self, container: _Container) -> None:
        """Kill the container when its memory use, as from now, first goes above its limit."""
        if container.oom_timer is not None:
            container.oom_timer.cancel()
            container.oom_timer = None
        limit = container.config.limits.get("memory")
        if limit is None:
            return
        above_after = container.memory.first_above(parse_quantity(limit).value())
        if above_after is not None:
            delay = max(above_after - (self.clock.now() - container.memory_since), 0.0)
            container.oom_timer = self.clock.call_later(delay, self._finish, container, KILLED, "OOMKilled")

    def _rate(self, demand: int) -> float:
        """The share of its wanted CPU every container gets when ``demand`` is wanted."""
        return 1.0 if demand <= self.cpu_millis else self.cpu_millis / demand

    def _change_demand(self, delta: int, now: float, started: _Container | None = None) -> None:
        """CPU demand changed: bring every finite container's work up to ``now`` at the old
        rate and move its exit to where the new rate puts it."""
        old_rate, self._demand = self._rate(self._demand), self._demand + delta
        new_rate = self._rate(self._demand)
        if old_rate == new_rate:
            if started is not None:
                self._schedule_exit(started, new_rate)
            return
        for container in self._running.values():
            if container.work_left is not None and container is not started and container.exited is None:
                container.work_left = max(container.work_left - (now - container.progress_at) * old_rate, 0.0)
                container.progress_at = now
            if container.exited is None:
                self._schedule_exit(container, new_rate)

    def _schedule_exit(self, container: _Container, rate: float) -> None:
        if container.work_left is None:
            return
        if container.exit_timer is not None:
            container.exit_timer.cancel()
        code = container.script.exit_code
        container.exit_timer = self.clock.call_later(
            container.work_left / rate, self._finish, container, code, "Completed" if code == 0 else "Error"
        )


def _image_info(image: str) -> ImageInfo:
    size = 10_000_000 + int(hashlib.sha256(image.encode()).hexdigest()[:6], 16) * 10
    return ImageInfo(qualified_image(image), image_ref(image), size)
