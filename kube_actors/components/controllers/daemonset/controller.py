"""Why: the DaemonSet controller as an actor: informers on DaemonSets, nodes and pods feed its
queue, the core (``syncing.py``) decides, and this shell writes the status, deletes and creates
pods, and records Events. A node that joins, goes, or changes what decides eligibility (its
labels, taints or cordon) sends every set to be looked at again; a node's heartbeats do not.

``Expectations`` (the ReplicaSet controller's) hold a set back while pods it created or deleted
have not reached the cache; the failed-pod backoff (``FailedPodBackoff``) is kept here. A
sync looks at every node, so a set looks at its pods' changes in batches (a tenth of a second
after the first), as the Job controller does, rather than once per pod event.
"""

from __future__ import annotations

from kube_actors.components.apiserver import messages as m
from kube_actors.components.apiserver.messages import JSON_PATCH
from kube_actors.components.controllers.base import Controller
from kube_actors.components.controllers.daemonset.syncing import (
    DaemonSetSync,
    FailedPodBackoff,
    sync_daemon_set,
)
from kube_actors.components.controllers.events import EventRecorder, write_events
from kube_actors.components.controllers.garbage_collector.ownership import controller_uid
from kube_actors.components.controllers.owners import (
    UID,
    index_owned,
    index_owners,
    namespace_of,
    owned_or_orphaned,
)
from kube_actors.components.controllers.pod_control import PodControl, pod_seen, settle
from kube_actors.components.controllers.replicaset.expectations import Expectations
from kube_actors.components.controllers.replicaset.ownership import adopt_patch, claim
from kube_actors.components.informing import DELETED, Change, Informer, JsonObject, object_key
from kube_actors.runtime import ActorRef

DAEMON_SETS = "daemonsets.apps"
POD_EVENTS_BATCH = 0.1  # a set looks at its pods' changes together (a node's many, or many nodes')


class DaemonSetController(Controller):
    name = "daemonset"

    def __init__(self, api: ActorRef) -> None:
        super().__init__(api)
        self.expectations = Expectations()
        self.events = EventRecorder("daemonset-controller")
        self.backoff = FailedPodBackoff()
        self._batched: set[str] = set()  # sets due for a look at their pods' changes
        self.pod_control: PodControl
        self.daemon_sets: Informer
        self.nodes: Informer
        self.pods: Informer

    async def on_start(self) -> None:
        self.pod_control = PodControl(self.api, self.clock, self.expectations, self.events)
        self.daemon_sets = await self.inform(DAEMON_SETS)
        index_owners(self.daemon_sets)
        self.nodes = await self.inform("nodes")
        self.pods = await self.inform("pods")
        index_owned(self.pods)

    async def on_changes(self, informer: Informer, changes: list[Change]) -> None:
        # By resource, not by identity: the listed objects arrive before ``inform`` returns.
        if informer.resource == DAEMON_SETS:
            for change in changes:
                key = object_key(change.object)
                if change.type == DELETED:
                    uid = change.object["metadata"]["uid"]
                    self.expectations.forget(key)
                    self.events.forget(uid)
                    self.backoff.forget_prefix(f"{uid}/")
                else:
                    self.enqueue(key)
        elif informer.resource == "nodes":
            if any(_eligibility_may_change(change) for change in changes):
                for daemon_set in self.daemon_sets.items():
                    self.enqueue(daemon_set)
        else:
            for change in changes:
                self._pod_changed(change)

    def _pod_changed(self, change: Change) -> None:
        pod = change.object
        uid = controller_uid(pod)
        owners = self.daemon_sets.by_index(UID, uid) if uid else []
        for daemon_set in owners:
            key = object_key(daemon_set)
            pod_seen(self.expectations, key, change)
            if key not in self._batched:
                self._batched.add(key)
                self.enqueue(key, after=POD_EVENTS_BATCH)
        if not uid and change.type != DELETED:
            for daemon_set in self.daemon_sets.items(namespace_of(pod)):
                if claim(daemon_set, [pod]).adopt:
                    self.enqueue(daemon_set)

    async def reconcile(self, key: str) -> float | None:
        self._batched.discard(key)
        daemon_set = self.daemon_sets.get_key(key)
        if daemon_set is None:
            self.expectations.forget(key)
            return None
        namespace = namespace_of(daemon_set)
        candidates = owned_or_orphaned(self.pods, daemon_set)
        claims = claim(daemon_set, candidates)
        await settle(
            [
                self.api.ask(
                    m.PatchObject(
                        "pods", namespace, p["metadata"]["name"], adopt_patch(p, daemon_set), JSON_PATCH
                    )
                )
                for p in claims.adopt
            ]
        )
        now = self.clock.now()
        met = self.expectations.satisfied(key, now)
        sync = sync_daemon_set(
            daemon_set, self.nodes.items(), claims.owned, now, self.backoff, expectations_met=met
        )
        await self._carry_out(key, daemon_set, sync)
        await write_events(self.api, self.events, self.clock.now())
        return sync.look_again_after

    async def _carry_out(self, key: str, daemon_set: JsonObject, sync: DaemonSetSync) -> None:
        namespace, name = namespace_of(daemon_set), daemon_set["metadata"]["name"]
        now = self.clock.now()
        for event_type, reason, message in sync.events:
            self.events.record(daemon_set, event_type, reason, message, now)
        if sync.delete:
            await self.pod_control.delete(key, daemon_set, sync.delete)
        if sync.create:
            await self.pod_control.create(key, daemon_set, sync.create)
        if sync.status is not None:
            body = {"metadata": {"name": name}, "status": sync.status}
            await settle([self.api.ask(m.ReplaceObject(DAEMON_SETS, namespace, name, body, "status"))])


def _eligibility_may_change(change: Change) -> bool:
    if change.type != "MODIFIED" or change.old is None:
        return True
    new, old = change.object, change.old
    return new["metadata"].get("labels") != old["metadata"].get("labels") or new.get("spec") != old.get(
        "spec"
    )
