"""Why: ``kubectl describe pod`` tells what the kubelet did with the pod — ``Pulling``,
``Pulled``, ``Created``, ``Started``, ``Killing``, ``Failed`` — which is how a learner watches a
pod come to life. A kubelet records those Events through a token bucket, as Kubernetes' does
(``eventRecordQPS`` 50, ``eventBurst`` 100), so a node starting thousands of pods at once does
not flood the apiserver with Events. ``PodEvents`` reads them off the work the core orders and
the runtime's answers; pure: the shell passes the time in and sends the bodies.
"""

from __future__ import annotations

from typing import Any

from kube_actors.components.events import event_body
from kube_actors.components.kubelet import messages as m
from kube_actors.components.kubelet.actions import (
    KillSandbox,
    PullImage,
    RunSandbox,
    StartContainer,
    StopContainer,
)
from kube_actors.components.kubelet.base import SandboxConfig

JsonObject = dict[str, object]
EVENT_QPS = 50.0
EVENT_BURST = 100


class PodEvents:
    def __init__(self, node: str, *, qps: float = EVENT_QPS, burst: int = EVENT_BURST) -> None:
        self.component = "kubelet"
        self.node = node
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._updated: float | None = None

    def about(
        self, pod: SandboxConfig, type_: str, reason: str, message: str, now: float
    ) -> JsonObject | None:
        """An Event about ``pod`` to create, or None when this kubelet's budget is spent.

        >>> events = PodEvents("node-1", burst=1)
        >>> pod = SandboxConfig("u1", "shop", "web-1")
        >>> events.about(pod, "Normal", "Started", "Started container web", 0.0)["reason"]
        'Started'
        >>> events.about(pod, "Normal", "Started", "again", 0.0) is None  # spent, until time passes
        True
        """
        if self._updated is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.qps)
        self._updated = now
        if self._tokens < 1:
            return None
        self._tokens -= 1
        subject = {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
        }
        body = event_body(subject, type_, reason, message, self.component, now)
        body["source"] = {"component": self.component, "host": self.node}
        body["reportingInstance"] = self.node
        return body


class PodEventLog:
    """The Events the kubelet's work means, read off the core's actions and the runtime's notes."""

    def __init__(self, node: str) -> None:
        self.events = PodEvents(node)
        self._pods: dict[str, SandboxConfig] = {}  # uid -> the pod, while it has a sandbox
        self._containers: dict[str, str] = {}  # container id -> its name

    def on_action(self, action: Any, now: float) -> list[JsonObject]:
        match action:
            case RunSandbox(uid, config):
                self._pods[uid] = config
            case PullImage(uid, image, config):
                self._pods[uid] = config
                return self._say(uid, "Normal", "Pulling", f'Pulling image "{image}"', now)
            case StartContainer(uid, _, _, config):
                self._pods[uid] = config
            case StopContainer(uid, container_id, _):
                name = self._containers.pop(container_id, "")
                return self._say(uid, "Normal", "Killing", f"Stopping container {name}", now)
            case KillSandbox(uid):
                self._pods.pop(uid, None)
        return []

    def on_note(self, note: Any, now: float) -> list[JsonObject]:
        match note:
            case m.ImagePulled(uid, image, _, ""):
                return self._say(uid, "Normal", "Pulled", f'Successfully pulled image "{image}"', now)
            case m.ImagePulled(uid, image, _, error):
                return self._say(uid, "Warning", "Failed", f'Failed to pull image "{image}": {error}', now)
            case m.ContainerStarted(uid, name, container_id, ""):
                self._containers[container_id] = name
                return [
                    *self._say(uid, "Normal", "Created", f"Created container {name}", now),
                    *self._say(uid, "Normal", "Started", f"Started container {name}", now),
                ]
            case m.ContainerStarted(uid, name, _, reason, text):
                return self._say(uid, "Warning", "Failed", f"Error: {reason}: {text}".rstrip(": "), now)
        return []

    def _say(self, uid: str, type_: str, reason: str, message: str, now: float) -> list[JsonObject]:
        pod = self._pods.get(uid)
        event = None if pod is None else self.events.about(pod, type_, reason, message, now)
        return [] if event is None else [event]
