"""Why: a scenario is judged on what the cluster's watch stream shows, as a client sees it. The
``Recorder`` is that client: an informing actor that lists and watches every resource the
checks read, through the apiserver's actor messages, and hands each batch, stamped with the
clock's time, to the sans-IO ``Play``. When the apiserver it used stops, the runner points it
at another replica (or the same one back), and it lists again: objects that went while it was
blind are reported deleted, as client-go's relist does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_actors.components.informing import Change, Informer, InformingActor
from kube_actors.runtime import ActorRef
from kube_actors.runtime.message import message
from kube_actors.scenario.play import Play
from kube_actors.scenario.view import WATCHED


@message("scenario.Relist")
class Relist:
    """List and watch everything again through the apiserver at ``api`` (an address)."""

    api: str


@message("scenario.Synced")
class Synced:
    """Answered once every resource has been listed (after ``on_start``)."""


class Recorder(InformingActor):
    def __init__(self, api: ActorRef, play: Play, started_at: float, on_batch: Callable[[], None]) -> None:
        super().__init__(api)
        self.play = play
        self.started_at = started_at
        self.on_batch = on_batch

    async def on_start(self) -> None:
        for resource in WATCHED:
            await self.inform(resource)

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        events = [{"type": change.type, "object": change.object} for change in changes]
        self.play.feed(informer.resource, events, self.clock.now() - self.started_at)
        self.on_batch()

    async def handle(self, message: Any) -> Any:
        if isinstance(message, Relist):
            await self._list_again_through(self.system.ref(message.api))
        return None

    async def _list_again_through(self, api: ActorRef) -> None:
        await self.on_stop()  # the old watches, wherever they were
        self.api = api
        for resource in WATCHED:
            before = set(self.play.view.objects.get(resource, {}))
            informer = await self.inform(resource)
            gone = [self.play.view.objects[resource][key] for key in sorted(before) if key not in informer]
            if gone:
                events = [{"type": "DELETED", "object": obj} for obj in gone]
                self.play.feed(resource, events, self.clock.now() - self.started_at)
        self.on_batch()
