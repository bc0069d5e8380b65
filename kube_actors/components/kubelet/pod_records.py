"""Why: what the kubelet knows about one pod and each of its containers between two syncs: the
instance running now, how the last one ended, restarts and their backoff, image pulls, probe
verdicts, and whether the pod is being shut down. Plain state shared by the pod worker (which
changes it, ``pod_worker.py``) and the status renderer (which reads it, ``pod_status.py``),
made from the pod object (``new_record``) and turned into what the runtime is given
(``sandbox_config``, ``container_config``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_actors.api.times import unix_seconds
from kube_actors.components.kubelet.base import ContainerConfig, Sandbox, SandboxConfig
from kube_actors.components.kubelet.probes import ProbeState

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Ended:
    """How one container instance ended."""

    container_id: str
    exit_code: int
    reason: str
    started_at: float | None
    finished_at: float
    message: str = ""


@dataclass(slots=True)
class ContainerRecord:
    name: str
    spec: JsonObject
    init: bool
    image_ready: bool = False
    image_id: str = ""
    pulling: bool = False
    pull_retry_at: float | None = None
    pull_backoff_from: float | None = None
    """When the status switches from ErrImagePull to ImagePullBackOff."""
    container_id: str = ""
    """The live instance (starting, running or being stopped)."""
    starting: bool = False
    stopping: bool = False
    restart_after_kill: bool = False
    """Killed for a failing liveness or startup probe, or a changed image: restarted whatever
    the restart policy says about its exit code (unless the policy is Never)."""
    running_since: float | None = None
    ended: Ended | None = None
    """The current instance ended for good (state ``terminated``)."""
    last_ended: Ended | None = None
    """The instance before (``lastState``)."""
    restart_at: float | None = None
    restart_count: int = 0
    waiting_reason: str = ""
    waiting_message: str = ""
    started: bool = False
    ready: bool = False
    probes: dict[str, ProbeState] = field(default_factory=dict)

    @property
    def image(self) -> str:
        return str(self.spec.get("image", ""))

    @property
    def live(self) -> bool:
        """An instance exists in the runtime (or is being made)."""
        return self.starting or bool(self.container_id)

    @property
    def succeeded(self) -> bool:
        return self.ended is not None and self.ended.exit_code == 0

    def wait(self, reason: str, message: str = "") -> None:
        self.waiting_reason, self.waiting_message = reason, message


@dataclass(slots=True)
class PodRecord:
    uid: str
    namespace: str
    name: str
    pod: JsonObject
    restart_policy: str
    grace_seconds: float
    inits: list[ContainerRecord]
    apps: list[ContainerRecord]
    start_time: float
    sandbox: Sandbox | None = None
    pod_ip: str = ""
    """The sandbox's IP; still reported after the sandbox is gone."""
    sandbox_pending: bool = False
    sandbox_retry_at: float | None = None
    sandbox_error: str = ""
    failure: tuple[str, str] | None = None
    """(reason, message) of a pod the kubelet failed: rejected at admission, or evicted."""
    evicted: bool = False
    deleting: bool = False
    removed: bool = False
    """Gone from the API: clean up and forget."""
    terminal: bool = False
    """Succeeded or Failed, nothing runs any more."""
    transitions: dict[str, tuple[str, float]] = field(default_factory=dict)
    """Per condition type: its status and since when (``lastTransitionTime``)."""
    written: JsonObject | None = None
    writing: bool = False
    delete_sent: bool = False
    wake_at: float | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def containers(self) -> list[ContainerRecord]:
        return [*self.inits, *self.apps]

    @property
    def shutting_down(self) -> bool:
        return self.deleting or self.removed or self.failure is not None or self.terminal

    @property
    def quiet(self) -> bool:
        """Nothing of the pod lives in the runtime any more."""
        return not any(c.live for c in self.inits) and not any(c.live for c in self.apps)

    def container(self, name: str) -> ContainerRecord | None:
        for record in self.inits:
            if record.name == name:
                return record
        for record in self.apps:
            if record.name == name:
                return record
        return None

    def condition_since(self, kind: str, status: str, now: float) -> float:
        """When condition ``kind`` last changed to ``status`` (now, if it just did)."""
        seen = self.transitions.get(kind)
        if seen is None or seen[0] != status:
            self.transitions[kind] = (status, now)
            return now
        return seen[1]


def spec_containers(pod: JsonObject, kind: str) -> list[JsonObject]:
    return [c for c in pod.get("spec", {}).get(kind) or [] if isinstance(c, dict)]


def new_record(pod: JsonObject, now: float) -> PodRecord:
    """What the kubelet knows of a pod it has just been given."""
    metadata, spec = pod["metadata"], pod.get("spec", {})
    inits = [ContainerRecord(c["name"], c, init=True) for c in spec_containers(pod, "initContainers")]
    apps = [ContainerRecord(c["name"], c, init=False) for c in spec_containers(pod, "containers")]
    for record in [*inits, *apps]:
        record.wait("PodInitializing" if inits else "ContainerCreating")
    earlier = {s.get("name"): s for s in pod.get("status", {}).get("containerStatuses") or []}
    for record in apps:  # a restarted kubelet keeps counting where the last one stopped
        record.restart_count = int(earlier.get(record.name, {}).get("restartCount") or 0)
    return PodRecord(
        uid=metadata["uid"],
        namespace=metadata.get("namespace", ""),
        name=metadata["name"],
        pod=pod,
        restart_policy=spec.get("restartPolicy") or "Always",
        grace_seconds=float(spec.get("terminationGracePeriodSeconds", 30)),
        inits=inits,
        apps=apps,
        start_time=_started(pod) or now,
    )


def _started(pod: JsonObject) -> float | None:
    return unix_seconds(pod.get("status", {}).get("startTime"))


def sandbox_config(record: PodRecord) -> SandboxConfig:
    metadata = record.pod["metadata"]
    return SandboxConfig(
        record.uid,
        record.namespace,
        record.name,
        dict(metadata.get("annotations") or {}),
        dict(metadata.get("labels") or {}),
    )


def container_config(container: ContainerRecord, record: PodRecord) -> ContainerConfig:
    resources = container.spec.get("resources") or {}
    return ContainerConfig(
        name=container.name,
        image=container.image,
        init=container.init,
        restart_policy=record.restart_policy,
        requests={k: str(v) for k, v in (resources.get("requests") or {}).items()},
        limits={k: str(v) for k, v in (resources.get("limits") or {}).items()},
        command=tuple(container.spec.get("command") or ()),
        args=tuple(container.spec.get("args") or ()),
        attempt=container.restart_count,
    )
