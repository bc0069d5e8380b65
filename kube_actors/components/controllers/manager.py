"""Why: kube-controller-manager is one process running many controllers; here it is one actor
whose children are the controllers, so stopping it stops them all (a scenario's "stop the
controller-manager") and its supervisor restarts a controller that crashed, which then relists
and carries on: level-triggered loops lose nothing by restarting.

``CONTROLLERS`` names every controller the way ``kube-controller-manager --controllers`` does;
``enabled`` picks some (all by default). ``ControllerSettings`` holds what the real one takes as
flags (``--node-monitor-grace-period`` ...), one field per controller that has any.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.daemonset.controller import DaemonSetController
from kube_actors.components.controllers.deployment.controller import DeploymentController
from kube_actors.components.controllers.garbage_collector.controller import GarbageCollector
from kube_actors.components.controllers.job.controller import JobController
from kube_actors.components.controllers.namespaces.controller import NamespaceController
from kube_actors.components.controllers.node_health import NodeLifecycleConfig
from kube_actors.components.controllers.node_lifecycle import NodeLifecycleController
from kube_actors.components.controllers.replicaset.controller import ReplicaSetController
from kube_actors.components.controllers.statefulset.controller import StatefulSetController
from kube_actors.components.controllers.volumes.controller import VolumeController
from kube_actors.runtime import Actor, ActorRef
from kube_actors.runtime.errors import BadRequestError


@dataclass(frozen=True)
class ControllerSettings:
    node_lifecycle: NodeLifecycleConfig = field(default_factory=NodeLifecycleConfig)


ControllerFactory = Callable[[ActorRef, ControllerSettings], Controller]

CONTROLLERS: dict[str, ControllerFactory] = {
    "deployment": lambda api, _: DeploymentController(api),
    "replicaset": lambda api, _: ReplicaSetController(api),
    "garbage-collector": lambda api, _: GarbageCollector(api),
    "namespace": lambda api, _: NamespaceController(api),
    "node-lifecycle": lambda api, settings: NodeLifecycleController(api, settings.node_lifecycle),
    "statefulset": lambda api, _: StatefulSetController(api),
    "daemonset": lambda api, _: DaemonSetController(api),
    "job": lambda api, _: JobController(api),
    "persistentvolume-binder": lambda api, _: VolumeController(api),
}


class ControllerManager(Actor):
    def __init__(
        self, api: ActorRef, enabled: tuple[str, ...] = (), settings: ControllerSettings | None = None
    ) -> None:
        self.api = api
        self.enabled = enabled or tuple(CONTROLLERS)
        self.settings = settings or ControllerSettings()

    async def on_start(self) -> None:
        for name in self.enabled:
            self.spawn(partial(CONTROLLERS[name], self.api, self.settings), name)
        self.log.info("controllers_started", controllers=list(self.enabled))

    async def receive(self, message: Any) -> Any:
        raise BadRequestError(f"the controller-manager does not handle {type(message).__name__}")
