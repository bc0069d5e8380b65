"""Why: the kernel's view of the cluster, meant to live as long as the node set does (the
scheduler's placement worker holds one across batches). It wraps a ``Snapshot`` and keeps, beside
it and always in step with it:

- ``table``: the nodes' static columns (``NodeTable``);
- ``usage``: what the pods on each node add up to (``NodeUsage``);
- ``pod_groups``: placed pods indexed for selectors (``PodGroups``);
- a **change log** of pods placed and removed (node, pod, +1/-1), which is how a cached class
  evaluation learns what changed since it last looked, so it updates one node instead of
  recomputing thousands;
- the evaluations: per class (``ClassEvaluation``), and the parts classes share, per static
  signature (``StaticEvaluation``) and per resource signature (``LocalEvaluation``); the least
  recently used ones are dropped.

Pods must come and go through ``add_pod``/``remove_pod`` (``assume``/``forget``), never through
the snapshot directly, or the arrays would no longer match it. A changed node set means a new
state, as it means a new snapshot.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import fields
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Ints
from kube_actors.placement.classes import ClassEvaluation
from kube_actors.placement.jobs import Change, ClassContext
from kube_actors.placement.local_parts import LocalEvaluation
from kube_actors.placement.node_table import NodeTable
from kube_actors.placement.plans import Plans, ProfilePlan
from kube_actors.placement.pod_groups import PodGroups
from kube_actors.placement.static_parts import StaticEvaluation, static_signature
from kube_actors.placement.statuses import StatusTable
from kube_actors.placement.usage import NodeUsage
from kube_actors.scheduling.pods import PodInfo, PodRequirements
from kube_actors.scheduling.profiles import Profile
from kube_actors.scheduling.snapshot import Snapshot

CLASSES_KEPT = 256
"""Class evaluations kept (each holds a few arrays over all nodes: about 50 to 100 kB at 5,000
nodes); 256 keeps every class of a cluster with a few hundred kinds of pods."""
STATICS_KEPT = 256
"""Static evaluations kept (each a few arrays over all nodes, shared by many classes)."""
KEYS_KEPT = 4096
"""Requirements whose class key is remembered."""
CHANGES_KEPT = 1 << 16
CHANGES_KEPT_PER_NODE = 4
"""The log keeps at least ``CHANGES_KEPT`` changes, and this many per node; an evaluation that
fell further behind recomputes everything."""

SHARED_KEY_FIELDS = tuple(
    item.name
    for item in fields(PodRequirements)
    if item.compare and item.name not in ("namespace", "labels", "images")
)
"""The requirements a class key holds while classes may share evaluations (``_class_key``)."""

Key = TypeVar("Key", bound=Hashable)
Kept = TypeVar("Kept")


class PlacementState:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.table = NodeTable(snapshot)
        self.usage = NodeUsage(self.table.count)
        self.pod_groups = PodGroups(self.table.count)
        self.statuses = StatusTable()
        self.plans = Plans()
        self.nodes_with_ports: set[int] = set()
        self.no_scores: Ints = np.zeros(self.table.count, dtype=np.int64)
        """All 0, shared by the evaluations (read-only)."""
        self.no_scores.setflags(write=False)
        self.classes: OrderedDict[tuple[ProfilePlan, Hashable], ClassEvaluation] = OrderedDict()
        self._shared_keys: dict[PodRequirements, Hashable] = {}
        self._shared_key_numbers: dict[Hashable, int] = {}
        self.locals: OrderedDict[tuple[object, ...], LocalEvaluation] = OrderedDict()
        self.statics: OrderedDict[int, StaticEvaluation] = OrderedDict()
        self._static_numbers: dict[tuple[ProfilePlan, PodRequirements], int] = {}
        self._signature_numbers: dict[Hashable, int] = {}
        self._numbering = itertools.count()
        self._recent: tuple[PodRequirements, object, bool, ClassEvaluation] | None = None
        # The log as three columns rather than a list of tuples: a tuple per placement, kept for
        # thousands of placements, is one more object for the garbage collector to promote and
        # traverse in its full passes. The node column is a numpy buffer, so an evaluation that
        # fell behind reads the nodes to answer again for as one array slice.
        self._log_limit = max(CHANGES_KEPT_PER_NODE * self.table.count, CHANGES_KEPT)
        self._log_capacity = 2 * self._log_limit
        self._log_nodes = np.zeros(self._log_capacity, dtype=np.intp)
        self._log_length = 0
        self._log_pods: list[PodInfo] = []
        self._log_signs: list[int] = []
        self.position = 0
        """How many changes there have been: an evaluation remembers the position it saw."""
        self.last_node = -1
        """The node of ``last_change`` (an evaluation one change behind reads only that one)."""
        self.last_pod: PodInfo | None = None
        self._last_sign = 0
        for position, info in enumerate(snapshot.nodes):
            for pod in info.pods:
                self._count(position, pod, 1)
        self._log_length = 0
        self._log_pods.clear()
        self._log_signs.clear()

    def changes_since(self, position: int) -> list[Change] | None:
        """The changes after ``position``, or None when they are no longer all remembered."""
        behind = self.position - position
        if behind > self._log_length:
            return None
        if not behind:
            return []
        end = self._log_length
        return list(
            zip(
                self._log_nodes[end - behind : end].tolist(),
                self._log_pods[-behind:],
                self._log_signs[-behind:],
                strict=True,
            )
        )

    def nodes_changed_since(self, position: int) -> npt.NDArray[np.intp] | None:
        """The nodes of ``changes_since(position)`` in order, a node as often as it changed
        (answering again for a node twice is harmless), or None when they are no longer all
        remembered. A view of the log: valid until the next change."""
        behind = self.position - position
        if behind > self._log_length:
            return None
        end = self._log_length
        return self._log_nodes[end - behind : end]

    @property
    def last_change(self) -> Change:
        """The change that made ``position`` what it is."""
        assert self.last_pod is not None, "no change yet"
        return self.last_node, self.last_pod, self._last_sign

    def add_pod(self, pod: PodInfo, node_name: str) -> None:
        """Count ``pod`` on ``node_name`` (bound there, or assumed by the scheduler)."""
        position = self.table.positions[node_name]
        self.snapshot.nodes[position].add_pod(pod)  # ``Snapshot.add_pod`` without finding it by name
        self._count(position, pod, 1)

    assume = add_pod

    def assume_at(self, pod: PodInfo, position: int) -> None:
        """``assume`` on the node at ``position`` in node order."""
        self.snapshot.nodes[position].add_pod(pod)
        self._count(position, pod, 1)

    def remove_pod(self, pod: PodInfo, node_name: str) -> bool:
        """Take ``pod`` (found by namespace and name) off ``node_name``; False if it is not there."""
        position = self.table.positions.get(node_name)
        if position is None:
            return False
        placed = next(
            (
                p
                for p in self.snapshot.nodes[position].pods
                if p.name == pod.name and p.namespace == pod.namespace
            ),
            None,
        )
        if placed is None or not self.snapshot.remove_pod(pod, node_name):
            return False
        self._count(position, placed, -1)
        return True

    forget = remove_pod

    def counted(self, pod: PodInfo, node_name: str) -> None:
        """Count ``pod``, which the reference scheduler has already assumed in the snapshot."""
        self._count(self.table.positions[node_name], pod, 1)

    def class_evaluation(
        self, plan: ProfilePlan, pod: PodInfo, profiles: Mapping[str, Profile] | None = None
    ) -> ClassEvaluation:
        """The evaluation of ``pod``'s equivalence class under ``plan``, made or reused; it is
        remembered as the most recent one for ``pod``'s requirements and ``profiles``."""
        key = (plan, self._class_key(pod.requirements))
        evaluation = _kept(self.classes, key, CLASSES_KEPT, lambda: ClassEvaluation(self, plan, pod))
        self._recent = (pod.requirements, profiles, self._keyed_fully, evaluation)
        return evaluation

    def local_evaluation(self, plan: ProfilePlan, context: ClassContext) -> LocalEvaluation:
        """The local answers shared by the classes that ask what ``context``'s class asks of a
        node (its resource signature) under ``plan``, made or reused."""
        requirements = context.requirements
        key = (
            plan,
            requirements.requests,
            requirements.non_zero_milli_cpu,
            requirements.non_zero_memory,
            requirements.host_ports,
        )
        return _kept(self.locals, key, CLASSES_KEPT, lambda: LocalEvaluation(self, plan, context))

    def static_evaluation(self, plan: ProfilePlan, context: ClassContext) -> StaticEvaluation:
        """The static answers shared by the classes that agree with ``context``'s class on
        what the static plugins read (its static signature) under ``plan``, made or reused."""
        key = self._static_numbers.get((plan, context.requirements))
        if key is None:
            # Signatures hold tolerations and affinities, slow to hash: each is numbered once.
            if len(self._static_numbers) >= KEYS_KEPT:
                self._static_numbers.clear()
                self._signature_numbers.clear()  # numbers go on from the counter: no collisions
            signature = static_signature(plan, context.requirements, self.snapshot.image_states)
            key = self._signature_numbers.get(signature)
            if key is None:
                key = self._signature_numbers[signature] = next(self._numbering)
            self._static_numbers[(plan, context.requirements)] = key
        return _kept(self.statics, key, STATICS_KEPT, lambda: StaticEvaluation(self, plan, context))

    def recent_evaluation(
        self, requirements: PodRequirements, profiles: Mapping[str, Profile]
    ) -> ClassEvaluation | None:
        """The evaluation last used, if it was for these very ``requirements`` and ``profiles``
        objects (the replicas of a ReplicaSet share theirs) and class keys have not changed."""
        recent = self._recent
        if (
            recent is not None
            and recent[0] is requirements
            and recent[1] is profiles
            and recent[2] == self._keyed_fully
        ):
            return recent[3]
        return None

    @property
    def _keyed_fully(self) -> bool:
        """Whether classes are told apart by all their requirements now (see ``_class_key``)."""
        return bool(self.pod_groups.affinity_pods)

    def _class_key(self, requirements: PodRequirements) -> Hashable:
        """What identifies an equivalence class: the requirements, or, while no placed pod has
        pod affinity terms, the requirements without what then cannot matter to a pod with no
        spreading, pod affinity or volumes of its own (its labels and namespace, the images no
        node has). ReplicaSets alike but for their labels then share one evaluation.

        A shared evaluation's inter-pod affinity verdicts stay right: they were computed while no
        placed pod had terms, and are recomputed whenever a pod with terms that select its
        pod comes or goes; when it is used again, no pod has terms, as when it was made.
        """
        if self._keyed_fully:
            return requirements
        key = self._shared_keys.get(requirements)
        if key is None:
            if (
                requirements.spread_constraints
                or not requirements.pod_affinity.is_empty
                or requirements.volume_claims
            ):
                key = requirements
            else:
                known = self.snapshot.image_states
                images = tuple(image for image in requirements.images if image in known)
                shared = (
                    tuple(getattr(requirements, name) for name in SHARED_KEY_FIELDS),
                    images,
                    len(requirements.images),
                )
                # Numbered once: a number is quicker to hash and compare at each lookup.
                key = self._shared_key_numbers.get(shared)
                if key is None:
                    key = self._shared_key_numbers[shared] = next(self._numbering)
            if len(self._shared_keys) >= KEYS_KEPT:
                self._shared_keys.clear()
                self._shared_key_numbers.clear()  # numbers go on from the counter: no collisions
            self._shared_keys[requirements] = key
        return key

    def _count(self, position: int, pod: PodInfo, sign: int) -> None:
        requirements = pod.requirements
        self.usage.change(position, requirements, sign)
        self.pod_groups.change(pod, position, sign)
        if requirements.host_ports:
            if self.snapshot.nodes[position].used_ports:
                self.nodes_with_ports.add(position)
            else:
                self.nodes_with_ports.discard(position)
        length = self._log_length
        if length == self._log_capacity:  # full: keep the newer half
            kept = self._log_limit
            self._log_nodes[:kept] = self._log_nodes[length - kept : length]
            del self._log_pods[:-kept]
            del self._log_signs[:-kept]
            length = kept
        self._log_nodes[length] = position
        self._log_length = length + 1
        self._log_pods.append(pod)
        self._log_signs.append(sign)
        self.last_node = position
        self.last_pod = pod
        self._last_sign = sign
        self.position += 1


def _kept(cache: OrderedDict[Key, Kept], key: Key, limit: int, make: Callable[[], Kept]) -> Kept:
    """``cache[key]``, made by ``make`` when missing, as the most recently used entry; beyond
    ``limit`` entries the least recently used one is dropped."""
    found = cache.get(key)
    if found is None:
        found = cache[key] = make()
        if len(cache) > limit:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return found
