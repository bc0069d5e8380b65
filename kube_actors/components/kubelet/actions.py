"""Why: the kubelet's pure core (``core.py``, ``pod_worker.py``) decides and its actor shell
(``kubelet.py``) does. These are the decisions: calls into the container runtime and writes to
the apiserver, each a small frozen value the shell executes and unit tests assert on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube_actors.components.kubelet.base import ContainerConfig, SandboxConfig

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RunSandbox:
    uid: str
    config: SandboxConfig


@dataclass(frozen=True, slots=True)
class KillSandbox:
    """Stop the pod's sandbox (releasing its IP) and remove it."""

    uid: str
    sandbox_id: str


@dataclass(frozen=True, slots=True)
class PullImage:
    uid: str
    image: str
    config: SandboxConfig


@dataclass(frozen=True, slots=True)
class StartContainer:
    """Create and start one container of the pod in its sandbox."""

    uid: str
    sandbox_id: str
    container: ContainerConfig
    config: SandboxConfig


@dataclass(frozen=True, slots=True)
class StopContainer:
    uid: str
    container_id: str
    grace_seconds: float


@dataclass(frozen=True, slots=True)
class RemoveContainer:
    """Garbage-collect an exited container (and its logs)."""

    container_id: str


@dataclass(frozen=True, slots=True)
class RunProbe:
    uid: str
    container: str
    container_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class WriteStatus:
    """Replace the pod's status through ``pods/status``."""

    uid: str
    namespace: str
    name: str
    status: JsonObject


@dataclass(frozen=True, slots=True)
class DeletePod:
    """The pod's containers are gone after a graceful deletion: delete it for good."""

    uid: str
    namespace: str
    name: str


Action = (
    RunSandbox
    | KillSandbox
    | PullImage
    | StartContainer
    | StopContainer
    | RemoveContainer
    | RunProbe
    | WriteStatus
    | DeletePod
)
