"""Why: one pod's life on a node, as the kubelet's pod worker lives it: a sandbox with an IP,
init containers one at a time, then the app containers; image pulls with ImagePullBackOff;
exits handled by ``restartPolicy`` with CrashLoopBackOff; startup, liveness and readiness
probes; graceful termination within the grace period; eviction. Sans-IO: every method takes
the time and appends the runtime calls it decides on (``actions.py``) to ``out``; the node
core (``core.py``) routes events to the right worker and owns the status writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.images import runs_latest
from kube_actors.components.kubelet.actions import (
    Action,
    KillSandbox,
    PullImage,
    RunProbe,
    RunSandbox,
    StartContainer,
    StopContainer,
)
from kube_actors.components.kubelet.backoff import Backoff
from kube_actors.components.kubelet.base import (
    ContainerExit,
    PullOutcome,
    Refused,
    Sandbox,
)
from kube_actors.components.kubelet.pod_records import (
    ContainerRecord,
    Ended,
    PodRecord,
    container_config,
    sandbox_config,
    spec_containers,
)
from kube_actors.components.kubelet.probes import LIVENESS, READINESS, STARTUP, armed_probes

JsonObject = dict[str, Any]
SANDBOX_RETRY = 10.0  # the pod worker's resync after an error
SHOW_PULL_BACKOFF_AFTER = 1.0  # ErrImagePull turns into ImagePullBackOff at the next sync


@dataclass(slots=True)
class NodeContext:
    """What every pod worker of a node shares: images present and the backoff books."""

    images: dict[str, str] = field(default_factory=dict)
    """Image name -> image ref, for images present on the node."""
    restarts: Backoff = field(default_factory=Backoff)
    pulls: Backoff = field(default_factory=Backoff)


def go_duration(seconds: float) -> str:
    """Seconds as Go prints a ``time.Duration``, as the kubelet's messages show it.

    >>> go_duration(10), go_duration(80), go_duration(300)
    ('10s', '1m20s', '5m0s')
    """
    whole = int(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


class PodWorker:
    def __init__(self, record: PodRecord, node: NodeContext) -> None:
        self.record = record
        self.node = node

    # Events.

    def update(self, pod: JsonObject, now: float, out: list[Action]) -> None:
        """A newer version of the pod from the apiserver."""
        record = self.record
        record.pod = pod
        metadata = pod["metadata"]
        if metadata.get("deletionTimestamp"):
            given = metadata.get("deletionGracePeriodSeconds")
            grace = record.grace_seconds if given is None else float(given)
            if not record.deleting:
                record.deleting, record.grace_seconds = True, grace
            elif grace < record.grace_seconds:  # a forced deletion cuts the graceful one short
                record.grace_seconds = grace
                for container in record.containers:
                    if container.container_id and container.stopping:
                        out.append(StopContainer(record.uid, container.container_id, grace))
        specs = {
            c["name"]: c for c in spec_containers(pod, "containers") + spec_containers(pod, "initContainers")
        }
        for container in record.containers:
            spec = specs.get(container.name)
            if spec is not None and spec.get("image") != container.image:
                container.spec, container.image_ready = spec, False
                if container.container_id and not container.stopping:
                    self._kill_for_restart(container, out)
        self.sync(now, out)

    def remove(self, now: float, out: list[Action]) -> None:
        """The pod is gone from the apiserver."""
        self.record.removed = True
        self.sync(now, out)

    def evict(self, message: str, now: float, out: list[Action]) -> None:
        """The eviction manager chose this pod: kill it at once and fail it."""
        self.record.failure, self.record.evicted = ("Evicted", message), True
        self.sync(now, out)

    def sandbox_made(self, outcome: Sandbox | Refused, now: float, out: list[Action]) -> None:
        record = self.record
        record.sandbox_pending = False
        if isinstance(outcome, Refused):
            record.sandbox_error = outcome.message
            record.sandbox_retry_at = now + SANDBOX_RETRY
        elif record.shutting_down:
            out.append(KillSandbox(record.uid, outcome.id))
        else:
            record.sandbox, record.pod_ip, record.sandbox_error = outcome, outcome.ip, ""
        self.sync(now, out)

    def image_pulled(self, outcome: PullOutcome, now: float, out: list[Action]) -> None:
        for container in self.record.containers:
            if container.image != outcome.image or not container.pulling:
                continue
            container.pulling = False
            if outcome.error:
                key = f"{self.record.uid}/{outcome.image}"
                self.node.pulls.record(key, now)
                container.pull_retry_at = now + self.node.pulls.current(key)
                container.pull_backoff_from = now + SHOW_PULL_BACKOFF_AFTER
                container.wait("ErrImagePull", outcome.error)
            else:
                container.image_ready, container.image_id = True, outcome.image_ref
                container.pull_retry_at = container.pull_backoff_from = None
        self.sync(now, out)

    def container_started(self, name: str, outcome: str | Refused, now: float, out: list[Action]) -> None:
        container = self.record.container(name)
        if container is None:
            return
        container.starting = False
        if isinstance(outcome, Refused):
            container.wait(outcome.reason, outcome.message)
            container.restart_at = now + SANDBOX_RETRY
        else:
            container.container_id, container.running_since = outcome, now
            container.probes = armed_probes(container.spec, now)
            container.started = STARTUP not in container.probes
            container.ready = container.started and READINESS not in container.probes and not container.init
            container.wait("")
        self.sync(now, out)

    def container_exited(self, exit: ContainerExit, now: float, out: list[Action]) -> list[str]:
        """Handle an exit; returns the ids of dead containers no longer worth keeping."""
        garbage: list[str] = []
        container = next((c for c in self.record.containers if c.container_id == exit.container_id), None)
        if container is None:
            return garbage
        started = exit.started_at if exit.started_at is not None else container.running_since
        ended = Ended(exit.container_id, exit.exit_code, exit.reason, started, exit.finished_at, exit.message)
        killed_for_restart = container.restart_after_kill
        container.container_id, container.running_since = "", None
        container.stopping = container.restart_after_kill = container.ready = container.started = False
        container.probes = {}
        if not self.record.shutting_down and self._restarts(container, ended, killed_for_restart):
            if container.last_ended is not None:
                garbage.append(container.last_ended.container_id)
            container.last_ended = ended
            key = f"{self.record.uid}/{container.name}"
            retry_at = self.node.restarts.wait_until(key, ended.finished_at)
            container.restart_at = retry_at if retry_at > now else None
            if self._pull_policy(container) == "Always":
                container.image_ready = False
        else:
            if container.ended is not None:
                garbage.append(container.ended.container_id)
            container.ended = ended
        self.sync(now, out)
        return garbage

    def probed(
        self, name: str, container_id: str, kind: str, passed: bool, now: float, out: list[Action]
    ) -> None:
        container = self.record.container(name)
        if container is None or container.container_id != container_id or kind not in container.probes:
            return
        probe = container.probes[kind]
        probe.record(passed, now)
        if kind == STARTUP:
            if passed and probe.passing:
                container.started = True
                for other in (LIVENESS, READINESS):
                    if other in container.probes:
                        armed = container.probes[other]
                        armed.next_at = max(now, (container.running_since or now) + armed.initial_delay)
                container.ready = READINESS not in container.probes
            elif not probe.passing:
                self._kill_for_restart(container, out)
        elif kind == LIVENESS and not probe.passing:
            self._kill_for_restart(container, out)
        elif kind == READINESS:
            container.ready = probe.passing and container.started
        self.sync(now, out)

    # The sync loop.

    def sync(self, now: float, out: list[Action]) -> None:
        """Bring the pod one step closer to what its spec (or its end) asks for."""
        record = self.record
        if not record.shutting_down and self._ensure_sandbox(now, out):
            pending_init = next((c for c in record.inits if not c.succeeded), None)
            if pending_init is not None:
                self._drive(pending_init, now, out)
            else:
                for container in record.apps:
                    self._drive(container, now, out)
            self._probe(now, out)
            if self._finished():
                record.terminal = True
        if record.shutting_down:
            self._shut_down(out)
        record.wake_at = self._next_wake(now)

    def _ensure_sandbox(self, now: float, out: list[Action]) -> bool:
        record = self.record
        if record.sandbox is not None:
            return True
        if record.sandbox_pending or (record.sandbox_retry_at is not None and now < record.sandbox_retry_at):
            return False
        record.sandbox_pending, record.sandbox_retry_at = True, None
        out.append(RunSandbox(record.uid, sandbox_config(record)))
        return False

    def _drive(self, container: ContainerRecord, now: float, out: list[Action]) -> None:
        """Start ``container`` if it should run and may now."""
        if container.live or container.ended is not None:
            return
        record = self.record
        if container.restart_at is not None and now < container.restart_at:
            if container.last_ended is not None:
                delay = self.node.restarts.current(f"{record.uid}/{container.name}")
                container.wait(
                    "CrashLoopBackOff",
                    f"back-off {go_duration(delay)} restarting failed container={container.name} "
                    f"pod={record.name}_{record.namespace}({record.uid})",
                )
            return
        if not self._image_ready(container, now, out):
            return
        assert record.sandbox is not None
        if container.last_ended is not None:
            self.node.restarts.record(f"{record.uid}/{container.name}", container.last_ended.finished_at)
            container.restart_count += 1
        container.restart_at, container.starting = None, True
        config = container_config(container, record)
        out.append(StartContainer(record.uid, record.sandbox.id, config, sandbox_config(record)))

    def _pull_policy(self, container: ContainerRecord) -> str:
        policy = container.spec.get("imagePullPolicy")
        return str(policy) if policy else ("Always" if runs_latest(container.image) else "IfNotPresent")

    def _image_ready(self, container: ContainerRecord, now: float, out: list[Action]) -> bool:
        if container.image_ready:
            return True
        policy, ref = self._pull_policy(container), self.node.images.get(container.image)
        if ref is not None and policy != "Always":
            container.image_ready, container.image_id = True, ref
            return True
        if policy == "Never":
            container.wait(
                "ErrImageNeverPull",
                f'Container image "{container.image}" is not present with pull policy of Never',
            )
            return False
        if container.pulling:
            return False
        if container.pull_retry_at is not None and now < container.pull_retry_at:
            if container.pull_backoff_from is not None and now >= container.pull_backoff_from:
                container.wait("ImagePullBackOff", f'Back-off pulling image "{container.image}"')
            return False
        container.pulling = True
        out.append(PullImage(self.record.uid, container.image, sandbox_config(self.record)))
        return False

    def _probe(self, now: float, out: list[Action]) -> None:
        for container in self.record.containers:
            if not container.container_id or container.stopping:
                continue
            for kind, probe in container.probes.items():
                if (kind == STARTUP) == container.started or not probe.due(now):
                    continue
                probe.in_flight = True
                out.append(RunProbe(self.record.uid, container.name, container.container_id, kind))

    def _finished(self) -> bool:
        """Nothing will run again: an init container failed for good, or every app container
        ended for good."""
        record = self.record
        if any(c.ended is not None and c.ended.exit_code != 0 for c in record.inits):
            return True
        return bool(record.apps) and all(c.ended is not None for c in record.apps)

    def _restarts(self, container: ContainerRecord, ended: Ended, killed_for_restart: bool) -> bool:
        policy = self.record.restart_policy
        if policy == "Never":
            return False
        if killed_for_restart:
            return True
        return ended.exit_code != 0 or (policy == "Always" and not container.init)

    def _kill_for_restart(self, container: ContainerRecord, out: list[Action]) -> None:
        if not container.container_id or container.stopping:
            return
        container.stopping = True
        container.restart_after_kill = self.record.restart_policy != "Never"
        out.append(StopContainer(self.record.uid, container.container_id, self.record.grace_seconds))

    def _shut_down(self, out: list[Action]) -> None:
        """Stop whatever runs; once nothing does, give the sandbox (and its IP) back."""
        record = self.record
        grace = 0.0 if record.evicted or record.removed else record.grace_seconds
        for container in record.containers:
            container.restart_at = None
            container.ready = False
            if container.container_id and not container.stopping:
                container.stopping = True
                out.append(StopContainer(record.uid, container.container_id, grace))
        if record.quiet:
            record.terminal = True
            if record.sandbox is not None:
                out.append(KillSandbox(record.uid, record.sandbox.id))
                record.sandbox = None

    def _next_wake(self, now: float) -> float | None:
        record = self.record
        times: list[float] = []
        if record.sandbox is None and record.sandbox_retry_at is not None and not record.shutting_down:
            times.append(record.sandbox_retry_at)
        if not record.shutting_down:
            for container in record.containers:
                if container.restart_at is not None and not container.live:
                    times.append(container.restart_at)
                if container.pull_retry_at is not None and not container.pulling:
                    times.append(container.pull_retry_at)
                    if container.pull_backoff_from is not None:
                        times.append(container.pull_backoff_from)
                if container.container_id and not container.stopping:
                    times.extend(
                        p.next_at
                        for kind, p in container.probes.items()
                        if not p.in_flight and (kind == STARTUP) != container.started
                    )
        later = [t for t in times if t > now]
        return min(later) if later else None
