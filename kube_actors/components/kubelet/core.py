"""Why: the kubelet's node-level brain, sans-IO. It admits the pods bound to the node, hands
each to its pod worker (``pod_worker.py``), routes runtime outcomes back to the right worker,
keeps one list of timers (the earliest wake-up), writes each pod's status only when it changed
and never two writes at once for one pod, deletes pods whose graceful deletion has finished,
and, at housekeeping, evicts by memory pressure (``eviction.py``).

The actor shell (``kubelet.py``) feeds it events with the time and executes the actions it
returns. Unit tests drive it the same way.
"""

from __future__ import annotations

import heapq
from typing import Any

from kube_actors.api import status
from kube_actors.api.quantity import parse_quantity
from kube_actors.components.kubelet.actions import Action, DeletePod, RemoveContainer, WriteStatus
from kube_actors.components.kubelet.admission import refusal
from kube_actors.components.kubelet.base import ContainerExit, ContainerStats, PullOutcome, Refused, Sandbox
from kube_actors.components.kubelet.config import KubeletConfig
from kube_actors.components.kubelet.eviction import (
    MemoryPressure,
    PodMemory,
    eviction_message,
    eviction_order,
)
from kube_actors.components.kubelet.messages import KubeletSummary
from kube_actors.components.kubelet.pod_records import ContainerRecord, new_record
from kube_actors.components.kubelet.pod_status import render
from kube_actors.components.kubelet.pod_worker import NodeContext, PodWorker
from kube_actors.components.kubelet.resources import allocatable_amounts
from kube_actors.scheduling.resources import Resources, pod_requests

JsonObject = dict[str, Any]
TERMINAL_PHASES = ("Succeeded", "Failed")


class KubeletCore:
    def __init__(self, config: KubeletConfig, *, images: dict[str, str], runtime_scheme: str) -> None:
        self.config = config
        self.node = NodeContext(images=dict(images))
        self.scheme = runtime_scheme
        self.allocatable = allocatable_amounts(config.allocatable)
        self.node_labels = config.node_labels()
        self.workers: dict[str, PodWorker] = {}
        self._by_key: dict[str, str] = {}
        self._containers: dict[str, str] = {}  # container id -> pod uid
        self._wakes: list[tuple[float, str]] = []
        self._deleting_elsewhere: set[str] = set()  # finished pods we only have to delete
        self.pressure = MemoryPressure(config.eviction_pressure_transition_period)
        self.memory_pressure = False
        self._threshold = parse_quantity(config.eviction_memory_available).value()
        self._memory = (
            parse_quantity(config.capacity.get("memory", "0")).value()
            - parse_quantity(config.reserved.get("memory", "0")).value()
        )

    # Pods from the apiserver.

    def pod_changed(self, pod: JsonObject, now: float) -> list[Action]:
        out: list[Action] = []
        uid = pod["metadata"]["uid"]
        worker = self.workers.get(uid)
        if worker is not None:
            worker.update(pod, now, out)
            return self._after(worker, now, out)
        if pod.get("status", {}).get("phase") in TERMINAL_PHASES:
            # Finished before this kubelet knew it (it restarted): only a deletion is left to do.
            if pod["metadata"].get("deletionTimestamp") and uid not in self._deleting_elsewhere:
                self._deleting_elsewhere.add(uid)
                out.append(DeletePod(uid, pod["metadata"].get("namespace", ""), pod["metadata"]["name"]))
            return out
        record = new_record(pod, now)
        record.deleting = bool(pod["metadata"].get("deletionTimestamp"))
        if not record.deleting:
            record.failure = self._refusal(pod)
        worker = self.workers[uid] = PodWorker(record, self.node)
        self._by_key[record.key] = uid
        worker.sync(now, out)
        return self._after(worker, now, out)

    def pod_removed(self, pod: JsonObject, now: float) -> list[Action]:
        out: list[Action] = []
        uid = pod["metadata"]["uid"]
        self._deleting_elsewhere.discard(uid)
        worker = self.workers.get(uid)
        if worker is not None:
            worker.remove(now, out)
            return self._after(worker, now, out)
        return out

    def _refusal(self, pod: JsonObject) -> tuple[str, str] | None:
        active = [w.record.pod for w in self.workers.values() if not w.record.shutting_down]
        in_use = Resources()
        for other in active:
            in_use = in_use.plus(pod_requests(other.get("spec", {})).requests)
        return refusal(
            pod,
            allocatable=self.allocatable,
            in_use=in_use,
            pods_admitted=len(active),
            node_labels=self.node_labels,
            memory_pressure=self.memory_pressure,
        )

    # Outcomes of the actions.

    def sandbox_made(self, uid: str, outcome: Sandbox | Refused, now: float) -> list[Action]:
        return self._for(uid, now, lambda worker, out: worker.sandbox_made(outcome, now, out))

    def image_pulled(self, uid: str, outcome: PullOutcome, now: float) -> list[Action]:
        if not outcome.error:
            self.node.images[outcome.image] = outcome.image_ref
        return self._for(uid, now, lambda worker, out: worker.image_pulled(outcome, now, out))

    def container_started(self, uid: str, name: str, outcome: str | Refused, now: float) -> list[Action]:
        if isinstance(outcome, str):
            self._containers[outcome] = uid
        return self._for(uid, now, lambda worker, out: worker.container_started(name, outcome, now, out))

    def container_exited(self, exit: ContainerExit, now: float) -> list[Action]:
        uid = self._containers.get(exit.container_id)
        if uid is None:
            return []

        def handle(worker: PodWorker, out: list[Action]) -> None:
            for dead in worker.container_exited(exit, now, out):
                self._containers.pop(dead, None)
                out.append(RemoveContainer(dead))

        return self._for(uid, now, handle)

    def probed(
        self, uid: str, name: str, container_id: str, kind: str, passed: bool, now: float
    ) -> list[Action]:
        return self._for(
            uid, now, lambda worker, out: worker.probed(name, container_id, kind, passed, now, out)
        )

    def status_written(self, uid: str, written: JsonObject | None, now: float) -> list[Action]:
        """A status write ended: ``written`` is what was stored, None if it failed."""
        worker = self.workers.get(uid)
        if worker is None:
            return []
        worker.record.writing = False
        if written is not None:
            worker.record.written = written
        return self._after(worker, now, [])

    def delete_failed(self, uid: str, now: float) -> list[Action]:
        """Deleting a finished pod failed: ask again."""
        worker = self.workers.get(uid)
        if worker is None:
            return []
        worker.record.delete_sent = False
        return self._after(worker, now, [])

    def tick(self, now: float) -> list[Action]:
        """Timers due at ``now``: backoffs over, probes due, retries."""
        out: list[Action] = []
        while self._wakes and self._wakes[0][0] <= now:
            when, uid = heapq.heappop(self._wakes)
            worker = self.workers.get(uid)
            if worker is not None and worker.record.wake_at == when:
                worker.sync(now, out)
                self._after(worker, now, out)
        return out

    def next_wake(self) -> float | None:
        while self._wakes:
            when, uid = self._wakes[0]
            worker = self.workers.get(uid)
            if worker is not None and worker.record.wake_at == when:
                return when
            heapq.heappop(self._wakes)
        return None

    # Housekeeping: memory pressure and eviction.

    def housekeeping(self, stats: list[ContainerStats], now: float) -> list[Action]:
        """Look at memory: set the pressure flag and, while short, evict one pod."""
        usage: dict[str, list[tuple[str, int]]] = {}
        names = {
            c.container_id: c.name
            for w in self.workers.values()
            for c in w.record.containers
            if c.container_id
        }
        for stat in stats:
            uid = self._containers.get(stat.container_id)
            if uid is not None:
                usage.setdefault(uid, []).append((names.get(stat.container_id, ""), stat.memory_bytes))
        available = self._memory - sum(b for used in usage.values() for _, b in used)
        short = available < self._threshold
        self.memory_pressure = self.pressure.observe(short=short, now=now)
        if not short:
            return []
        candidates = [
            self._pod_memory(self.workers[uid], used)
            for uid, used in usage.items()
            if uid in self.workers and not self.workers[uid].record.shutting_down
        ]
        if not candidates:
            return []
        victim = eviction_order(candidates)[0]
        out: list[Action] = []
        worker = self.workers[victim.uid]
        worker.evict(eviction_message(victim, self.config.eviction_memory_available, available), now, out)
        return self._after(worker, now, out)

    def _pod_memory(self, worker: PodWorker, used: list[tuple[str, int]]) -> PodMemory:
        record = worker.record
        requests = {c.name: _memory_request(c) for c in record.containers}
        largest, largest_usage = max(used, key=lambda pair: pair[1] - requests.get(pair[0], 0))
        priority = record.pod.get("spec", {}).get("priority") or 0
        return PodMemory(
            record.uid,
            sum(b for _, b in used),
            pod_requests(record.pod.get("spec", {})).requests.memory,
            int(priority),
            largest,
            largest_usage,
            requests.get(largest, 0),
        )

    def summary(self) -> KubeletSummary:
        phases = {
            w.record.key: (w.record.written or {}).get("phase", "Pending") for w in self.workers.values()
        }
        live = sum(1 for w in self.workers.values() if w.record.sandbox is not None)
        return KubeletSummary(self.config.name, phases, live)

    # Logs.

    def log_source(self, namespace: str, name: str, container: str, previous: bool) -> tuple[str, bool]:
        """The id of the container instance whose logs were asked for, and whether it still
        runs; raises the ``ApiError`` kubectl shows otherwise."""
        record = self._worker_named(namespace, name).record
        if not container:
            if len(record.apps) != 1:
                names = " ".join(c.name for c in record.apps)
                raise status.BadRequest(
                    f"a container name must be specified for pod {name}, choose one of: [{names}]"
                )
            container = record.apps[0].name
        found = record.container(container)
        if found is None:
            raise status.BadRequest(f"container {container} is not valid for pod {name}")
        if previous:
            if found.last_ended is None:
                raise status.BadRequest(
                    f'previous terminated container "{container}" in pod "{name}" not found'
                )
            return found.last_ended.container_id, False
        if found.container_id:
            return found.container_id, True
        last = found.ended or found.last_ended  # between restarts, the instance that just ended
        if last is not None:
            return last.container_id, False
        raise status.BadRequest(
            f'container "{container}" in pod "{name}" is waiting to start: '
            f"{found.waiting_reason or 'ContainerCreating'}"
        )

    # Fault injection.

    def running_container(self, namespace: str, name: str, container: str) -> str:
        """The id of the instance of ``container`` that runs now in pod ``namespace/name``, for
        a fault aimed at it; raises ``NotFound`` when the pod is not on this node or the
        container does not run (waiting, in its backoff, starting, or ended)."""
        found = self._worker_named(namespace, name).record.container(container)
        if found is None:
            raise status.NotFound(f'container "{container}" is not valid for pod "{name}"')
        if not found.container_id:
            reason = found.waiting_reason or ("Terminated" if found.ended else "ContainerCreating")
            raise status.NotFound(f'container "{container}" in pod "{name}" is not running: {reason}')
        return found.container_id

    # Internals.

    def _worker_named(self, namespace: str, name: str) -> PodWorker:
        """The worker of pod ``namespace/name``; ``NotFound`` when the pod is not on this node."""
        uid = self._by_key.get(f"{namespace}/{name}")
        worker = self.workers.get(uid) if uid is not None else None
        if worker is None:
            raise status.not_found("pods", name)
        return worker

    def _for(self, uid: str, now: float, event: Any) -> list[Action]:
        worker = self.workers.get(uid)
        if worker is None:
            return []
        out: list[Action] = []
        event(worker, out)
        return self._after(worker, now, out)

    def _after(self, worker: PodWorker, now: float, out: list[Action]) -> list[Action]:
        """Arm the worker's timer, write its status if it changed, and forget or delete it
        once it is done."""
        record = worker.record
        if record.wake_at is not None:
            heapq.heappush(self._wakes, (record.wake_at, record.uid))
        if record.removed:
            if record.quiet and record.sandbox is None:
                self._forget(worker, out)
            return out
        if not record.writing:
            rendered = render(record, host_ip=self.config.internal_ip, scheme=self.scheme, now=now)
            if rendered != record.written:
                record.writing = True
                out.append(WriteStatus(record.uid, record.namespace, record.name, rendered))
            elif record.deleting and record.terminal and record.quiet and not record.delete_sent:
                record.delete_sent = True
                out.append(DeletePod(record.uid, record.namespace, record.name))
        return out

    def _forget(self, worker: PodWorker, out: list[Action]) -> None:
        record = worker.record
        del self.workers[record.uid]
        if self._by_key.get(record.key) == record.uid:
            del self._by_key[record.key]
        for container in record.containers:
            for ended in (container.ended, container.last_ended):
                if ended is not None and self._containers.pop(ended.container_id, None) is not None:
                    out.append(RemoveContainer(ended.container_id))
        self.node.restarts.forget_prefix(record.uid)
        self.node.pulls.forget_prefix(record.uid)


def _memory_request(container: ContainerRecord) -> int:
    amount = ((container.spec.get("resources") or {}).get("requests") or {}).get("memory")
    return parse_quantity(amount).value() if amount is not None else 0
