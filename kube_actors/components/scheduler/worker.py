"""Why: placing a batch of pods is CPU work that must not stall the event loop (every other
actor lives there), so it runs in a pykka thread actor. The worker *owns* the scheduler's view
of the cluster (the placement kernel's ``PlacementState`` around a ``Snapshot``): every change
to it and every placement is a message, handled in order in one thread, so a placement never
sees a half-applied change and nothing is locked. The kernel decides exactly as the reference
scheduler would (``kube_actors.placement``), numpy over all nodes at once.

Placed pods are *assumed* onto their nodes at once (the next placement sees them); the watch
later confirms them (``PodPlaced``) or the scheduler takes them back (``Forget``) when the
binding failed, as Kubernetes' scheduler cache does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from kube_actors.components.informing import JsonObject, object_key
from kube_actors.placement import PlacementState, place_one
from kube_actors.runtime.blocking import BlockingActor
from kube_actors.scheduling.decisions import Decision
from kube_actors.scheduling.framework import Code
from kube_actors.scheduling.objects import InvalidObject
from kube_actors.scheduling.pods import PodInfo, parse_pod
from kube_actors.scheduling.profiles import Profile
from kube_actors.scheduling.snapshot import TERMINAL_PHASES, Snapshot


class Rebuild(NamedTuple):
    """Start over from these objects (nodes, or what pod affinity and volumes read, changed)."""

    nodes: Sequence[JsonObject]
    pods: Sequence[JsonObject]
    namespaces: Sequence[JsonObject]
    claims: Sequence[JsonObject]
    volumes: Sequence[JsonObject]


class PodPlaced(NamedTuple):
    """A pod is bound to a node (the watch says so)."""

    pod: JsonObject


class PodGone(NamedTuple):
    """A bound pod was deleted or finished: its node has room again."""

    pod: JsonObject


class Forget(NamedTuple):
    """The binding of an assumed pod failed: take it off its node."""

    key: str


class Place(NamedTuple):
    pods: Sequence[JsonObject]


class PlacementWorker(BlockingActor):
    def __init__(self, profiles: Mapping[str, Profile]) -> None:
        super().__init__()
        self.profiles = profiles
        self.state = PlacementState(Snapshot(()))
        self.assumed: dict[str, tuple[PodInfo, str]] = {}  # key -> (pod, node), not yet confirmed
        self.placed: dict[str, tuple[PodInfo, str]] = {}  # key -> (pod, node), confirmed

    def on_receive(self, message: Any) -> Any:
        match message:
            case Place(pods):
                return [self._place(pod) for pod in pods]
            case PodPlaced(pod):
                self._confirm(pod)
            case PodGone(pod):
                self._remove(pod)
            case Forget(key):
                if (assumed := self.assumed.pop(key, None)) is not None:
                    self.state.forget(*assumed)
            case Rebuild():
                self._rebuild(message)
            case _:
                raise TypeError(f"the placement worker does not handle {type(message).__name__}")
        return None

    def _place(self, pod: JsonObject) -> Decision:
        metadata = pod.get("metadata", {})
        try:
            info = parse_pod(pod)
        except InvalidObject as invalid:
            return Decision(
                metadata.get("namespace", ""), metadata.get("name", ""), code=Code.ERROR, message=str(invalid)
            )
        decision = place_one(self.state, info, self.profiles)
        if decision.node_name is not None:
            self.assumed[info.key] = (info, decision.node_name)
        return decision

    def _confirm(self, pod: JsonObject) -> None:
        info = parse_pod(pod)
        node = info.requirements.node_name
        assumed = self.assumed.pop(info.key, None)
        if assumed is not None:
            if assumed[1] == node:
                self.placed[info.key] = assumed
                return
            self.state.forget(*assumed)
        if info.key in self.placed or self.state.snapshot.node(node) is None:
            return
        self.state.add_pod(info, node)
        self.placed[info.key] = (info, node)

    def _remove(self, pod: JsonObject) -> None:
        key = object_key(pod)
        for counted in (self.placed.pop(key, None), self.assumed.pop(key, None)):
            if counted is not None:
                self.state.forget(*counted)

    def _rebuild(self, objects: Rebuild) -> None:
        snapshot = Snapshot.from_objects(
            objects.nodes,
            (),
            namespaces=objects.namespaces,
            persistent_volume_claims=objects.claims,
            persistent_volumes=objects.volumes,
        )
        self.placed.clear()
        for pod in objects.pods:
            node = pod.get("spec", {}).get("nodeName", "")
            if node and pod.get("status", {}).get("phase") not in TERMINAL_PHASES:
                info = parse_pod(pod)
                self.assumed.pop(info.key, None)
                if snapshot.node(node) is not None:
                    snapshot.add_pod(info, node)
                    self.placed[info.key] = (info, node)
        for key, (info, node) in list(self.assumed.items()):
            if key in self.placed or snapshot.node(node) is None:
                del self.assumed[key]
            else:
                snapshot.assume(info, node)
        self.state = PlacementState(snapshot)  # the kernel's arrays, built once per node set
