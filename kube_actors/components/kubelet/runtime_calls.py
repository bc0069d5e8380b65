"""Why: the kubelet's calls into its container runtime, kept out of the actor shell: each of
the core's runtime actions becomes one CRI call, and its outcome becomes a note
(``messages.py``). A call that answers at once (the simulated runtime mostly does) gives its
note back to the caller straight away, so the core goes on in the same turn without a task; a
call that must wait (an image pull, a slow start) runs as a task whose note is told to the
kubelet when it lands. Exits, which the runtime pushes, become notes the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from structlog.typing import FilteringBoundLogger

from kube_actors.components.kubelet import messages as m
from kube_actors.components.kubelet.actions import (
    Action,
    KillSandbox,
    PullImage,
    RemoveContainer,
    RunProbe,
    RunSandbox,
    StartContainer,
    StopContainer,
)
from kube_actors.components.kubelet.base import ContainerExit, ContainerRuntime, Refused, Sandbox
from kube_actors.runtime.eager import Finished, step_eagerly

Note = Any
"""One of the outcome notes of ``messages.py``, or None for calls whose outcome is an exit."""


class RuntimeCalls:
    def __init__(
        self, runtime: ContainerRuntime, tell: Callable[[Note], None], log: FilteringBoundLogger
    ) -> None:
        self.runtime = runtime
        self._tell = tell
        self._log = log
        self._tasks: set[asyncio.Future[Any]] = set()
        runtime.watch_exits(self._exited)

    def execute(self, action: Action) -> Note:
        """Make the runtime call ``action`` stands for; its note if it answered at once."""
        runtime = self.runtime
        match action:
            case RunSandbox(uid, config):
                return self._call(runtime.run_pod_sandbox(config), lambda made: sandbox_note(uid, made))
            case PullImage(uid, image, config):
                return self._call(
                    runtime.pull_image(image, config),
                    lambda pulled: m.ImagePulled(uid, pulled.image, pulled.image_ref, pulled.error),
                )
            case StartContainer():
                return self._call(self._start(action), lambda note: note)
            case StopContainer(_, container_id, grace):
                return self._call(runtime.stop_container(container_id, grace), lambda _: None)
            case KillSandbox(_, sandbox_id):
                return self._call(self._kill_sandbox(sandbox_id), lambda _: None)
            case RemoveContainer(container_id):
                runtime.remove_container(container_id)
            case RunProbe(uid, name, container_id, kind):
                return self._call(
                    runtime.exec_probe(container_id, kind),
                    lambda passed: m.ProbeAnswered(uid, name, container_id, kind, passed),
                )
        return None

    def close(self) -> None:
        """The node goes dark: calls in flight are abandoned and the runtime stops."""
        for task in self._tasks:
            task.cancel()
        self.runtime.close()

    def _call(self, work: Coroutine[Any, Any, Any], note: Callable[[Any], Note]) -> Note:
        started = step_eagerly(work)
        if isinstance(started, Finished):
            return note(started.result())
        self._tasks.add(started)

        def landed(task: asyncio.Future[Any]) -> None:
            self._tasks.discard(task)
            if task.cancelled():
                return
            error = task.exception()
            if error is not None:
                self._log.error("runtime_call_failed", error=repr(error))
                return
            told = note(task.result())
            if told is not None:
                self._tell(told)

        started.add_done_callback(landed)
        return None

    async def _start(self, action: StartContainer) -> m.ContainerStarted:
        name = action.container.name
        created = await self.runtime.create_container(action.sandbox_id, action.container, action.config)
        if isinstance(created, Refused):
            return m.ContainerStarted(action.uid, name, "", created.reason, created.message)
        refused = await self.runtime.start_container(created)
        if refused is not None:
            self.runtime.remove_container(created)
            return m.ContainerStarted(action.uid, name, "", refused.reason, refused.message)
        return m.ContainerStarted(action.uid, name, created)

    async def _kill_sandbox(self, sandbox_id: str) -> None:
        await self.runtime.stop_pod_sandbox(sandbox_id)
        self.runtime.remove_pod_sandbox(sandbox_id)

    def _exited(self, exit: ContainerExit) -> None:
        self._tell(
            m.ContainerExited(
                exit.container_id,
                exit.exit_code,
                exit.reason,
                exit.finished_at,
                exit.started_at,
                exit.message,
            )
        )


def sandbox_note(uid: str, made: Sandbox | Refused) -> m.SandboxMade:
    if isinstance(made, Refused):
        return m.SandboxMade(uid, "", "", made.reason, made.message)
    return m.SandboxMade(uid, made.id, made.ip)
