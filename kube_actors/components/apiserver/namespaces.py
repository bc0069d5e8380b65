"""Why: every namespaced create must know its namespace's phase (NamespaceLifecycle admission
refuses writes into a missing or terminating namespace). Reading the namespace from storage on
every create costs a shard round trip; like Kubernetes' admission plugin, the apiserver keeps
the namespaces it has seen Active, followed through its own watch, and only asks storage about
the others, so a namespace created through another replica a moment ago is still found.
"""

from __future__ import annotations

import structlog

from kube_actors.api.resources import NAMESPACES
from kube_actors.components.apiserver.watching import WatchOpener
from kube_actors.runtime.clock import Clock, sleep
from kube_actors.runtime.errors import KubeActorsError
from kube_actors.runtime.tasks import KeyedTasks

log = structlog.get_logger(__name__)
RETRY_DELAY = 1.0


class ActiveNamespaces:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._active: set[str] = set()
        self._tasks = KeyedTasks()

    def __contains__(self, name: object) -> bool:
        return name in self._active

    def forget(self, name: str) -> None:
        """``name`` is being deleted: ask storage about it from now on."""
        self._active.discard(name)

    def start(self, open_watch: WatchOpener) -> None:
        self._tasks.start("follow", self._follow(open_watch), "namespace follower")

    async def close(self) -> None:
        await self._tasks.close()

    async def _follow(self, open_watch: WatchOpener) -> None:
        while True:  # each pass lists (the watch's initial ADDEDs) then follows until it expires
            try:
                batches = await open_watch(NAMESPACES, "", "")
                try:
                    async for batch in batches:
                        for event in batch:
                            self._observe(event)
                finally:
                    await batches.aclose()
            except KubeActorsError as error:  # storage unreachable for now: start over
                log.warning("namespace_watch_failed", error=str(error))
                await sleep(self.clock, RETRY_DELAY)

    def _observe(self, event: dict[str, object]) -> None:
        kind, namespace = event["type"], event["object"]
        if kind == "ERROR" or not isinstance(namespace, dict):
            self._active.clear()  # the relist that follows fills it again
            return
        name = namespace["metadata"]["name"]
        if kind == "DELETED" or namespace["metadata"].get("deletionTimestamp"):
            self._active.discard(name)
        elif kind in ("ADDED", "MODIFIED"):
            self._active.add(name)
