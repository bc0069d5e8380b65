"""Why: what others ask a kubelet (``ReadLogs``, which the apiserver's ``pods/{name}/log``
route forwards to ``ka://<host>/kubelet/<node>``; ``CrashContainer`` and ``SetUsage``, the
faults a scenario injects), and the notes a kubelet sends itself when a timer fires or a
runtime call that had to wait comes back, so that every change to its state happens while it
handles a message.
"""

from __future__ import annotations

from typing import Any

from kube_actors.runtime.message import message

JsonObject = dict[str, Any]


@message("kubelet.ReadLogs")
class ReadLogs:
    """``kubectl logs`` for one container; answered with ``PodLogs``, or an ``ApiError``
    (404 for a pod not on this node, 400 for a container that is not there or not started).

    ``since_seconds``, ``since_time`` (RFC 3339) and ``tail_lines`` select among the lines
    written so far; to follow (``-f``), ask again with ``after_line`` set to the last answer's
    ``next_line`` while its ``running`` is true.
    """

    namespace: str
    pod: str
    container: str = ""
    previous: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: str = ""
    timestamps: bool = False
    limit_bytes: int | None = None
    after_line: int = 0


@message("kubelet.PodLogs")
class PodLogs:
    text: str
    next_line: int
    running: bool
    """The container still runs: a follower should ask again for more."""


@message("kubelet.Describe")
class Describe:
    """Ask a kubelet how it is doing; answered with ``KubeletSummary`` once it has registered."""


@message("kubelet.KubeletSummary")
class KubeletSummary:
    node: str
    pods: dict[str, str]
    """``namespace/name`` -> phase, for the pods this kubelet runs."""
    ips_in_use: int


@message("kubelet.CrashContainer")
class CrashContainer:
    """Fault injection (a scenario's ``crash_container``): the process of ``container`` in pod
    ``namespace/pod`` exits now with ``exit_code`` (reason ``Error``; ``Completed`` for 0), and
    the kubelet handles it as any exit: a restart per ``restartPolicy`` with CrashLoopBackOff,
    ``lastState.terminated``, ``restartCount``. Answered with None once the container has
    exited (its new status is written after); ``NotFound`` if the pod is not on this node or
    the container does not run now, ``BadRequest`` for a code outside 0-255 or a runtime that
    cannot inject faults."""

    namespace: str
    pod: str
    container: str
    exit_code: int = 1


@message("kubelet.SetUsage")
class SetUsage:
    """Fault injection (a scenario's ``set_usage``, the noisy neighbour): from now on
    ``container`` uses ``memory`` (a quantity, or a ramp ``64Mi, 2Gi@60s`` whose times count
    from now, as the ``sim.kube-actors.io/memory`` annotation) and wants ``cpu`` (``500m``);
    None keeps what it uses. Memory above the container's limit gets it OOMKilled (137); the
    eviction manager sees the new use at its next look at memory (every
    ``status_update_period``); CPU demand above the node's slows its finite containers.
    Answered with None once applied; ``NotFound`` as for ``CrashContainer``, ``BadRequest`` for
    a bad quantity or ramp, neither set, or a runtime that cannot inject faults."""

    namespace: str
    pod: str
    container: str
    memory: str | None = None
    cpu: str | None = None


# Notes to self.


@message("kubelet.RetryWrites")
class RetryWrites:
    """Time to retry the pod status writes and deletions that failed."""


@message("kubelet.Wake")
class Wake:
    """A pod worker's timer (a backoff, a probe, a retry) is due."""


@message("kubelet.Heartbeat")
class Heartbeat:
    """Time to renew the node's Lease, or to look at memory and the node status, or both."""


@message("kubelet.SandboxMade")
class SandboxMade:
    uid: str
    sandbox_id: str
    ip: str
    refused_reason: str = ""
    refused_message: str = ""


@message("kubelet.ImagePulled")
class ImagePulled:
    uid: str
    image: str
    image_ref: str
    error: str = ""


@message("kubelet.ContainerStarted")
class ContainerStarted:
    uid: str
    name: str
    container_id: str
    refused_reason: str = ""
    refused_message: str = ""


@message("kubelet.ContainerExited")
class ContainerExited:
    container_id: str
    exit_code: int
    reason: str
    finished_at: float
    started_at: float | None = None
    message: str = ""


@message("kubelet.ProbeAnswered")
class ProbeAnswered:
    uid: str
    container: str
    container_id: str
    kind: str
    passed: bool


@message("kubelet.StatusWritten")
class StatusWritten:
    """A pod status write ended; ``error_code`` 0 if it was stored."""

    uid: str
    error_code: int = 0


@message("kubelet.DeleteFailed")
class DeleteFailed:
    """Deleting a pod whose containers have stopped failed: try again."""

    uid: str


@message("kubelet.LeaseRenewed")
class LeaseRenewed:
    """The Lease was created, or a renewal failed with ``error_code``."""

    created: bool
    error_code: int = 0


@message("kubelet.NodeStatusPosted")
class NodeStatusPosted:
    posted: bool
