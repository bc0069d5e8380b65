"""A test driver for the kubelet's pure core: it plays the container runtime and the apiserver
just enough (sandboxes get IPs, starts succeed, status writes land) that a test can feed the
events it cares about (exits, probe answers, the passing of time) and assert on the actions
and the status the core reports."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kube_actors.components.kubelet.actions import (
    Action,
    DeletePod,
    KillSandbox,
    PullImage,
    RemoveContainer,
    RunProbe,
    RunSandbox,
    StartContainer,
    StopContainer,
    WriteStatus,
)
from kube_actors.components.kubelet.base import ContainerExit, ContainerStats, PullOutcome, Refused, Sandbox
from kube_actors.components.kubelet.config import KubeletConfig
from kube_actors.components.kubelet.core import KubeletCore

JsonObject = dict[str, Any]
PRESENT_IMAGE = "nginx:1.25"


def make_pod(
    name: str = "web",
    *,
    containers: Iterable[str] = ("app",),
    init: Iterable[str] = (),
    policy: str = "Always",
    image: str = PRESENT_IMAGE,
    grace: int = 30,
    uid: str = "",
    **spec: Any,
) -> JsonObject:
    def container(n: str) -> JsonObject:
        return {
            "name": n,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            **spec.pop(f"container_{n}", {}),
        }

    pod_spec: JsonObject = {
        "containers": [container(c) for c in containers],
        "restartPolicy": policy,
        "terminationGracePeriodSeconds": grace,
        "nodeName": "node-1",
    }
    if init:
        pod_spec["initContainers"] = [container(c) for c in init]
    pod_spec.update(spec)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": uid or f"uid-{name}"},
        "spec": pod_spec,
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]},
    }


@dataclass
class Node:
    """One node's core, with the clock in a test's hands."""

    config: KubeletConfig = field(default_factory=lambda: KubeletConfig("node-1"))
    now: float = 0.0
    missing_images: set[str] = field(default_factory=set)
    pulls_answer: bool = True
    """Answer image pulls at once (False: leave them in flight; ``pulled`` answers)."""
    stops_answer: bool = True
    """Containers exit as soon as they are stopped (exit code 0)."""
    probe_answers: dict[tuple[str, str], bool] = field(default_factory=dict)
    actions: list[tuple[float, Action]] = field(default_factory=list)
    statuses: dict[str, JsonObject] = field(default_factory=dict)
    running: dict[str, tuple[str, str]] = field(default_factory=dict)  # container id -> (pod uid, name)

    def __post_init__(self) -> None:
        self.core = KubeletCore(self.config, images={PRESENT_IMAGE: "sha-nginx"}, runtime_scheme="sim")
        self._ids = itertools.count(1)

    # Feeding events.

    def add(self, pod: JsonObject) -> list[Action]:
        return self.apply(self.core.pod_changed(pod, self.now))

    def update(self, pod: JsonObject) -> list[Action]:
        return self.apply(self.core.pod_changed(pod, self.now))

    def remove(self, pod: JsonObject) -> list[Action]:
        return self.apply(self.core.pod_removed(pod, self.now))

    def exit(self, pod: JsonObject, container: str, code: int, reason: str = "") -> list[Action]:
        cid = self.container_id(pod, container)
        del self.running[cid]
        exit = ContainerExit(cid, code, reason or ("Completed" if code == 0 else "Error"), self.now)
        return self.apply(self.core.container_exited(exit, self.now))

    def pulled(self, pod: JsonObject, image: str, error: str = "") -> list[Action]:
        outcome = PullOutcome(image, "" if error else f"sha-{image}", error)
        return self.apply(self.core.image_pulled(pod["metadata"]["uid"], outcome, self.now))

    def advance(self, seconds: float) -> list[Action]:
        """Let ``seconds`` pass, firing the core's timers in order."""
        target, done = self.now + seconds, []
        while (due := self.core.next_wake()) is not None and due <= target:
            self.now = due
            done.extend(self.apply(self.core.tick(self.now)))
        self.now = target
        return done

    def housekeeping(self, usage: dict[str, int]) -> list[Action]:
        """Memory use per container id."""
        stats = [ContainerStats(cid, used, 0) for cid, used in usage.items()]
        return self.apply(self.core.housekeeping(stats, self.now))

    # Playing runtime and apiserver.

    def apply(self, actions: list[Action]) -> list[Action]:
        """Record actions and answer those a runtime answers at once; all that happened."""
        done: list[Action] = []
        queue = list(actions)
        while queue:
            action = queue.pop(0)
            done.append(action)
            self.actions.append((self.now, action))
            queue.extend(self._answer(action))
        return done

    def _answer(self, action: Action) -> list[Action]:
        core, now = self.core, self.now
        match action:
            case RunSandbox(uid):
                n = next(self._ids)
                return core.sandbox_made(uid, Sandbox(f"sandbox-{n}", f"10.244.0.{n + 1}"), now)
            case PullImage(uid, image) if self.pulls_answer:
                error = "not found" if image in self.missing_images else ""
                return core.image_pulled(uid, PullOutcome(image, "" if error else f"sha-{image}", error), now)
            case StartContainer(uid, _, container):
                cid = f"c{next(self._ids)}-{container.name}"
                self.running[cid] = (uid, container.name)
                return core.container_started(uid, container.name, cid, now)
            case StopContainer(_, cid) if self.stops_answer and cid in self.running:
                del self.running[cid]
                return core.container_exited(ContainerExit(cid, 0, "Completed", now), now)
            case RunProbe(uid, name, cid, kind):
                passed = self.probe_answers.get((name, kind), True)
                return core.probed(uid, name, cid, kind, passed, now)
            case WriteStatus(uid, _, _, written):
                self.statuses[uid] = written
                return core.status_written(uid, written, now)
        return []

    # Reading.

    def container_id(self, pod: JsonObject, container: str) -> str:
        uid = pod["metadata"]["uid"]
        return next(cid for cid, (u, n) in self.running.items() if u == uid and n == container)

    def status(self, pod: JsonObject) -> JsonObject:
        return self.statuses[pod["metadata"]["uid"]]

    def container_status(self, pod: JsonObject, container: str) -> JsonObject:
        status = self.status(pod)
        everything = status.get("initContainerStatuses", []) + status["containerStatuses"]
        return next(s for s in everything if s["name"] == container)

    def state(self, pod: JsonObject, container: str) -> tuple[str, str]:
        """(``running``/``waiting``/``terminated``, its reason) of a container."""
        state = self.container_status(pod, container)["state"]
        kind = next(iter(state))
        return kind, state[kind].get("reason", "")

    def condition(self, pod: JsonObject, kind: str) -> str:
        return str(next(c["status"] for c in self.status(pod)["conditions"] if c["type"] == kind))

    def of_type(self, kind: type[Any], since: float = 0.0) -> list[tuple[float, Any]]:
        return [(t, a) for t, a in self.actions if isinstance(a, kind) and t >= since]


__all__ = [
    "DeletePod",
    "KillSandbox",
    "Node",
    "PullImage",
    "Refused",
    "RemoveContainer",
    "RunProbe",
    "RunSandbox",
    "StartContainer",
    "StopContainer",
    "WriteStatus",
    "make_pod",
]
