"""Why: every apiserver replica must serve exactly the custom resources the stored
CustomResourceDefinitions define, whichever replica wrote them and whenever (before this one
started, say). So the replica lists the definitions as it starts, then follows them through the
storage watch, adding each served version to its ``ResourceTable`` and removing it again; a
definition written through this replica is applied at once as well, so it is served before
the write is answered. Events older than what was already applied are ignored, so the two
paths cannot undo each other.

A deleted definition is held by a finalizer until its custom objects are gone: whichever
replica sees it first (all try; the work is idempotent) deletes them and then lets it go, as
the apiextensions apiserver's finalizer controller does.
"""

from __future__ import annotations

import structlog

from kube_actors.api import status
from kube_actors.api.resources import CUSTOM_RESOURCE_DEFINITIONS as CRDS
from kube_actors.api.resources import ResourceTable, ResourceType
from kube_actors.components.apiserver.crds.definitions import (
    CLEANUP_FINALIZER,
    CustomVersion,
    served_versions,
    stored_type,
)
from kube_actors.components.apiserver.objects import JsonObject, ObjectStore
from kube_actors.components.apiserver.watching import WatchOpener
from kube_actors.runtime.clock import sleep
from kube_actors.runtime.errors import KubeActorsError
from kube_actors.runtime.tasks import KeyedTasks

log = structlog.get_logger(__name__)
RETRY_DELAY = 1.0


class CustomResources:
    """The custom resource types one replica serves, kept in step with the stored definitions."""

    def __init__(self, table: ResourceTable, objects: ObjectStore) -> None:
        self.table = table
        self.objects = objects
        self._versions: dict[tuple[str, str, str], CustomVersion] = {}
        self._by_definition: dict[str, list[CustomVersion]] = {}
        self._applied: dict[str, int] = {}  # definition -> the latest revision applied
        self._cleaning: set[str] = set()
        self._tasks = KeyedTasks()

    def version_of(self, resource: ResourceType) -> CustomVersion | None:
        """What a served custom resource version must look like; None for built-in types."""
        if not resource.definition:
            return None
        return self._versions.get((resource.group, resource.version, resource.plural))

    async def start(self, open_watch: WatchOpener) -> None:
        """Serve the definitions stored now, then follow their changes in the background."""
        listed_at = await self.load()
        self._tasks.start("follow", self._follow(open_watch, listed_at), "crd follower")

    async def close(self) -> None:
        await self._tasks.close()

    async def load(self) -> str:
        """Apply every stored definition, forget those no longer stored; returns the list's
        resourceVersion, where following them continues."""
        crds, listed_at = await self.objects.list(CRDS, "")
        for crd in crds:
            self.observe(crd)
        present = {crd["metadata"]["name"] for crd in crds}
        for name in list(self._by_definition):
            if name not in present and self._applied.get(name, 0) <= int(listed_at):
                self._forget(name)
        return listed_at

    def observe(self, crd: JsonObject, *, deleted: bool = False) -> None:
        """Apply one version of a definition (``deleted``: its last), unless a later one was."""
        metadata = crd.get("metadata", {})
        name, revision = metadata.get("name", ""), int(metadata.get("resourceVersion") or 0)
        if revision and revision <= self._applied.get(name, 0):
            return
        self._applied[name] = revision
        self._forget(name)
        if deleted:
            return
        if metadata.get("deletionTimestamp"):
            if CLEANUP_FINALIZER in (metadata.get("finalizers") or ()) and name not in self._cleaning:
                self._cleaning.add(name)
                self._tasks.start(("cleanup", name), self._clean_up(crd), f"crd cleanup {name}")
            return
        versions = served_versions(crd)
        if not versions:
            log.warning("crd_not_served", definition=name, reason="not acceptable, or no version served")
        for version in versions:
            resource = version.resource
            self.table.add(resource)
            self._versions[(resource.group, resource.version, resource.plural)] = version
        self._by_definition[name] = versions
        log.info("crd_served", definition=name, versions=[v.resource.version for v in versions])

    def _forget(self, name: str) -> None:
        for version in self._by_definition.pop(name, []):
            resource = version.resource
            self.table.remove(resource)
            self._versions.pop((resource.group, resource.version, resource.plural), None)

    async def _follow(self, open_watch: WatchOpener, listed_at: str) -> None:
        after = listed_at
        while True:
            try:
                if not after:
                    after = await self.load()
                after = await self._follow_from(open_watch, after)
            except KubeActorsError as error:  # storage unreachable for now: start over
                log.warning("crd_watch_failed", error=str(error))
                after = ""
                await sleep(self.objects.clock, RETRY_DELAY)

    async def _follow_from(self, open_watch: WatchOpener, after: str) -> str:
        """Apply definition events after ``after``; "" once the watch expired (list again)."""
        batches = await open_watch(CRDS, "", after)
        try:
            async for batch in batches:
                for event in batch:
                    if event["type"] == "ERROR":
                        return ""
                    self.observe(event["object"], deleted=event["type"] == "DELETED")
                    after = event["object"]["metadata"]["resourceVersion"]
        finally:
            await batches.aclose()
        return after

    async def _clean_up(self, crd: JsonObject) -> None:
        """Delete a deleted definition's objects, then drop the finalizer that held it; retried
        until done, as a controller would, for the definition stays until then."""
        name = crd["metadata"]["name"]
        stored = stored_type(crd)
        try:
            while True:
                try:
                    if await self._let_go(name, stored):
                        return
                except KubeActorsError as error:
                    log.warning("crd_cleanup_failed", definition=name, error=str(error))
                    await sleep(self.objects.clock, RETRY_DELAY)
        finally:
            self._cleaning.discard(name)

    async def _let_go(self, name: str, stored: ResourceType | None) -> bool:
        """One try at finishing a deletion; False if the definition changed meanwhile."""
        purged = await self.objects.purge(stored) if stored is not None else 0
        log.info("crd_objects_deleted", definition=name, count=purged)
        try:
            current = await self.objects.get(CRDS, "", name)
        except status.ApiError as error:
            if error.code == 404:
                return True  # another replica finished first
            raise
        finalizers = current["metadata"].get("finalizers") or []
        if CLEANUP_FINALIZER not in finalizers:
            return True
        current["metadata"]["finalizers"] = [f for f in finalizers if f != CLEANUP_FINALIZER]
        try:
            await self.objects.update(CRDS, "", name, current)
        except status.ApiError as error:
            if error.code in (404, 409):
                return False
            raise
        return True
