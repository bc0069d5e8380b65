"""Why: the kubelet drives containers only through the Container Runtime Interface, as the real
one talks gRPC to containerd or CRI-O, so a runtime can be swapped: the simulated one
(``simulated.py``, the default) or one that runs real processes. This module is that
interface, as a Protocol, and the values that cross it.

Expected outcomes are values (a ``Refused`` start, a ``PullOutcome`` with an error), not
exceptions. Methods that may take time are coroutines; a runtime that answers at once lets the
kubelet carry on without a task (``runtime.eager``). Containers' exits are pushed to the
kubelet through ``watch_exits`` (CRI's container events), never polled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """The pod a sandbox (its network namespace, its IP) is made for."""

    uid: str
    namespace: str
    name: str
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sandbox:
    id: str
    ip: str


@dataclass(frozen=True, slots=True)
class ContainerConfig:
    """One container to create in a sandbox. ``restart_policy`` is the pod's: a runtime may
    pick defaults by it (the simulated one runs Job-like containers for a short time)."""

    name: str
    image: str
    init: bool = False
    restart_policy: str = "Always"
    requests: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class Refused:
    """A sandbox or container the runtime would not make or start; ``reason`` is what the
    container status shows (``CreateContainerConfigError``, ``RunContainerError``, ...)."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class PullOutcome:
    """An image pull's result: ``error`` is empty when the image is now present."""

    image: str
    image_ref: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """An image present on the node, as ``Node.status.images`` lists it."""

    name: str
    image_ref: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class ContainerExit:
    """A container stopped: by itself, killed, or OOM-killed (``reason`` ``OOMKilled``)."""

    container_id: str
    exit_code: int
    reason: str
    finished_at: float
    started_at: float | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class ContainerStats:
    container_id: str
    memory_bytes: int
    cpu_millis: int


@dataclass(frozen=True, slots=True)
class UsageChange:
    """What a container uses from a moment on (fault injection: the noisy neighbour). ``memory``
    is a ramp, points of (seconds from that moment, bytes), linear between them and flat before
    the first and after the last; ``cpu_millis`` is the CPU it wants. None keeps what it uses."""

    memory: tuple[tuple[float, int], ...] | None = None
    cpu_millis: int | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line a container wrote, with the time it wrote it."""

    time: float
    text: str


NOT_RUNNING = "ContainerNotRunning"
"""``Refused.reason`` of a fault aimed at a container that does not run (any more)."""
UNSUPPORTED = "Unimplemented"
"""``Refused.reason`` of a runtime that cannot inject faults (CRI's gRPC code for it)."""


class ContainerRuntime(Protocol):
    """The CRI as the kubelet uses it. Ids are opaque strings the runtime makes up."""

    def version(self) -> str:
        """``name://version``, shown as the node's ``containerRuntimeVersion``."""
        ...

    def images(self) -> list[ImageInfo]:
        """Images present now (ListImages)."""
        ...

    def image_status(self, image: str) -> ImageInfo | None:
        """The image as present on the node, or None (ImageStatus)."""
        ...

    async def pull_image(self, image: str, sandbox: SandboxConfig) -> PullOutcome:
        """Pull ``image`` for the pod of ``sandbox``; returns when present or failed."""
        ...

    async def run_pod_sandbox(self, config: SandboxConfig) -> Sandbox | Refused:
        """Make the pod's sandbox and give it an IP from the node's podCIDR (CNI ADD)."""
        ...

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """Kill what still runs in the sandbox and release its IP (CNI DEL)."""
        ...

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        """Forget a stopped sandbox."""
        ...

    async def create_container(
        self, sandbox_id: str, config: ContainerConfig, sandbox: SandboxConfig
    ) -> str | Refused:
        """Create a container (not yet started); returns its id."""
        ...

    async def start_container(self, container_id: str) -> Refused | None:
        """Start a created container; returns once it runs."""
        ...

    async def stop_container(self, container_id: str, grace_seconds: float) -> None:
        """SIGTERM, then SIGKILL after ``grace_seconds``; the exit arrives through
        ``watch_exits`` (this returns once it has)."""
        ...

    def remove_container(self, container_id: str) -> None:
        """Forget an exited container and its logs."""
        ...

    async def exec_probe(self, container_id: str, kind: str) -> bool:
        """Run the container's ``kind`` probe (startup, liveness, readiness): did it pass?"""
        ...

    def stats(self) -> list[ContainerStats]:
        """Current use of every running container (ListContainerStats)."""
        ...

    def logs(self, container_id: str) -> list[LogLine] | None:
        """Everything the container has written so far; None if there is no such container."""
        ...

    # Fault injection: scenarios break a running container on purpose. Only a simulated
    # runtime can honour these; one that runs real containers cannot make a process exit with
    # a chosen code or use a chosen amount of memory, and answers ``Refused(UNSUPPORTED, ...)``.

    def crash_container(self, container_id: str, exit_code: int) -> Refused | None:
        """The container's process exits now with ``exit_code`` (reason ``Error``, or
        ``Completed`` for 0), as if it had crashed by itself; the exit arrives through
        ``watch_exits`` before this returns. ``Refused(NOT_RUNNING, ...)`` if it does not run."""
        ...

    def set_usage(self, container_id: str, change: UsageChange) -> Refused | None:
        """From now on the container uses what ``change`` says: memory above its limit gets it
        OOM-killed, ``stats`` reports the new use, and its CPU counts in the node's contention.
        ``Refused(NOT_RUNNING, ...)`` if it does not run."""
        ...

    def watch_exits(self, sink: Callable[[ContainerExit], None]) -> None:
        """Call ``sink`` with every container exit from now on."""
        ...

    def close(self) -> None:
        """The node goes away: stop every timer; nothing is reported any more."""
        ...
