"""Why: kube-controller-manager is one process running many controllers; here it is one actor
whose children are the controllers, so stopping it stops them all (a scenario's "stop the
controller-manager") and its supervisor restarts a controller that crashed, which then relists
and carries on: level-triggered loops lose nothing by restarting.

``CONTROLLERS`` names every controller the way ``kube-controller-manager --controllers`` does;
``enabled`` picks some (all by default).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.deployment.controller import DeploymentController
from kube_actors.components.controllers.garbage_collector.controller import GarbageCollector
from kube_actors.components.controllers.namespaces.controller import NamespaceController
from kube_actors.components.controllers.replicaset.controller import ReplicaSetController
from kube_actors.runtime import Actor, ActorRef
from kube_actors.runtime.errors import BadRequestError

ControllerFactory = Callable[[ActorRef], Controller]

CONTROLLERS: dict[str, ControllerFactory] = {
    "deployment": DeploymentController,
    "replicaset": ReplicaSetController,
    "garbage-collector": GarbageCollector,
    "namespace": NamespaceController,
}


class ControllerManager(Actor):
    def __init__(self, api: ActorRef, enabled: tuple[str, ...] = ()) -> None:
        self.api = api
        self.enabled = enabled or tuple(CONTROLLERS)

    async def on_start(self) -> None:
        for name in self.enabled:
            self.spawn(partial(CONTROLLERS[name], self.api), name)
        self.log.info("controllers_started", controllers=list(self.enabled))

    async def receive(self, message: Any) -> Any:
        raise BadRequestError(f"the controller-manager does not handle {type(message).__name__}")
