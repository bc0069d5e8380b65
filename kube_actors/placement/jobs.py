"""Why: the kernel's counterpart of ``scheduling.framework``. Each of Kubernetes' plugins has a
vectorised twin here that, for one equivalence class of pods, answers over every node at once,
and says how its answers can change as pods are placed, which is what lets the kernel reuse
work between the pods of a class:

- ``STATIC``: depends only on the nodes and the class (labels, taints, images, volumes):
  computed once per class;
- ``LOCAL``: a node's answer depends only on the pods on *that* node (resources, host ports):
  after a placement only that node is asked again (``LocalFilterJob``, ``LocalScoreJob``);
- ``GLOBAL``: depends on pods anywhere (topology spreading, inter-pod affinity): recomputed over
  all nodes when a placed pod is one the class cares about (``affected_by``).

A score is also ``feasible_dependent`` when its normalisation reads the set of feasible nodes
(its maximum, its domains): it is recomputed when that set changes.

Neighbours: ``label_plugins``, ``resource_plugins``, ``spreading`` and ``pod_affinity``
implement the jobs; ``static_parts``, ``local_parts`` and ``classes`` drive them; ``plans``
maps a profile's plugins to their twins.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import ALL, Bools, Ids, Ints, Nodes, feasible_max, normalized_by
from kube_actors.scheduling.framework import CycleState, Plugin, PreFilterResult
from kube_actors.scheduling.pods import PodInfo, PodRequirements

if TYPE_CHECKING:
    from kube_actors.placement.state import PlacementState


Change = tuple[int, PodInfo, int]
"""One entry of the state's change log: (node position, pod, +1 placed / -1 removed)."""


class Kind(enum.Enum):
    STATIC = "static"
    LOCAL = "local"
    GLOBAL = "global"


@dataclass
class ClassContext:
    """One equivalence class under one profile: a pod standing for the class, the state, and a
    ``CycleState`` the reference plugins write to when the kernel calls them for one node."""

    state: PlacementState
    pod: PodInfo
    cycle: CycleState = field(default_factory=CycleState)

    @property
    def requirements(self) -> PodRequirements:
        return self.pod.requirements

    @property
    def node_count(self) -> int:
        return self.state.table.count

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        return self.state.snapshot.namespace_labels(namespace)


class FilterJob(Protocol):
    """A ``STATIC`` or ``GLOBAL`` filter of one class."""

    @property
    def kind(self) -> Kind: ...

    @property
    def watches_pods_without_terms(self) -> bool:
        """False when only pods with pod affinity terms can affect it."""
        ...

    def verdicts(self) -> Ids:
        """Per node, the status number of this plugin's verdict (0 passes)."""
        ...

    def affected_by(self, pod: PodInfo) -> bool:
        """Whether placing or removing ``pod`` anywhere can change a verdict."""
        ...

    def follow(self, node: int, pod: PodInfo, sign: int) -> npt.NDArray[np.intp] | None:
        """Update the verdicts (the array ``verdicts`` returned) for ``pod`` placed on (or,
        ``sign=-1``, removed from) ``node``, returning the nodes whose verdict changed; or None
        when the job cannot and must be recomputed."""
        ...


class ScoreJob(Protocol):
    """A ``STATIC`` or ``GLOBAL`` score of one class."""

    @property
    def kind(self) -> Kind: ...

    @property
    def watches_pods_without_terms(self) -> bool:
        """False when only pods with pod affinity terms can affect it."""
        ...

    @property
    def feasible_dependent(self) -> bool:
        """Whether its normalisation reads the feasible set (its maximum, its domains)."""
        ...

    def scores(self, feasible: Bools, *, inputs_changed: bool = True) -> Ints:
        """Normalised scores per node, given the feasible nodes (at least one); entries of
        infeasible nodes are ignored. A read-only array may be handed out again (and is
        remembered by callers); callers never write to what they get. ``inputs_changed``
        False says only the feasible set changed since the last call (a ``GLOBAL`` job may
        reuse what it counted)."""
        ...

    def affected_by(self, pod: PodInfo) -> bool:
        """Whether placing or removing ``pod`` anywhere can change a score."""
        ...


class LocalFilterJob(Protocol):
    """A ``LOCAL`` filter: a node's verdict depends on the pods on that node only."""

    def verdicts(self, at: Nodes = ALL) -> Ids:
        """The verdicts of the nodes ``at``."""
        ...

    def verdict_at(self, node: int) -> int:
        """The verdict on one node, after pods on it changed."""
        ...


class LocalScoreJob(Protocol):
    """A ``LOCAL`` score: a node's score depends on the pods on that node only."""

    def scores(self, at: Nodes = ALL) -> Ints:
        """The scores of the nodes ``at``."""
        ...

    def score_at(self, node: int) -> int:
        """The score of one node, after pods on it changed."""
        ...


class VectorPlugin(Protocol):
    """The twin of one configured plugin; each method returns None when the plugin has nothing
    to do for the class (its PreFilter would skip it, or it has no such extension point)."""

    @property
    def name(self) -> str: ...

    @property
    def filter_kind(self) -> Kind | None:
        """The kind of its filter job (None: it has no Filter); ``STATIC`` and ``LOCAL``
        answers are shared by classes that agree on what those read."""
        ...

    @property
    def score_kind(self) -> Kind | None:
        """The kind of its score job (None: it has no Score)."""
        ...

    def pre_filter(self, context: ClassContext) -> PreFilterResult | None: ...

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        """For a ``STATIC`` or ``GLOBAL`` filter."""
        ...

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        """For a ``STATIC`` or ``GLOBAL`` score."""
        ...

    def local_filter_job(self, context: ClassContext) -> LocalFilterJob | None:
        """For a ``LOCAL`` filter."""
        ...

    def local_score_job(self, context: ClassContext) -> LocalScoreJob | None:
        """For a ``LOCAL`` score."""
        ...


PluginT = TypeVar("PluginT", bound=Plugin)


class Twin(Generic[PluginT]):
    """Base for twins: the reference plugin it stands for (asked about single nodes, and for
    its configuration), and no extension point until a subclass provides one."""

    filter_kind: Kind | None = None
    score_kind: Kind | None = None

    def __init__(self, plugin: PluginT) -> None:
        self.plugin = plugin
        self.name = plugin.name

    def pre_filter(self, context: ClassContext) -> PreFilterResult | None:
        return None

    def filter_job(self, context: ClassContext) -> FilterJob | None:
        return None

    def score_job(self, context: ClassContext) -> ScoreJob | None:
        return None

    def local_filter_job(self, context: ClassContext) -> LocalFilterJob | None:
        return None

    def local_score_job(self, context: ClassContext) -> LocalScoreJob | None:
        return None


class StaticFilter:
    """A filter whose verdicts were computed once for the class."""

    kind = Kind.STATIC
    watches_pods_without_terms = False

    def __init__(self, verdicts: Ids) -> None:
        self._verdicts = verdicts

    def verdicts(self) -> Ids:
        return self._verdicts

    def affected_by(self, pod: PodInfo) -> bool:
        return False

    def follow(self, node: int, pod: PodInfo, sign: int) -> npt.NDArray[np.intp] | None:
        return np.zeros(0, dtype=np.intp)


LEVELS = 8
"""Distinct raw scores up to which ``StaticScore`` finds the highest feasible one level by level."""


class StaticScore:
    """Scores fixed for the class; when ``reverse`` is given they are normalised
    (``default_normalize``) over the feasible nodes, which makes them depend on that set, but
    only through the highest feasible raw score: the normalised arrays are remembered by it
    (classes sharing a static evaluation share them too)."""

    kind = Kind.STATIC
    watches_pods_without_terms = False

    def __init__(self, raw: Ints, reverse: bool | None = None) -> None:
        self._raw = raw
        self._reverse = reverse
        # Equal raw scores everywhere normalise alike whatever the feasible set.
        self.feasible_dependent = reverse is not None and bool(raw.size) and raw.min() != raw.max()
        self._by_highest: dict[int, Ints] = {}
        self._levels: list[tuple[int, Bools]] | None = None
        if self.feasible_dependent:
            distinct = np.unique(raw)
            if len(distinct) <= LEVELS:
                self._levels = [(int(value), raw == value) for value in distinct[::-1]]

    def _highest(self, feasible: Bools) -> int:
        """``feasible_max``; with few distinct raw scores (a taint counted, a preference met or
        not), by asking from the top which one a feasible node has: usually the first."""
        if self._levels is None:
            return feasible_max(self._raw, feasible)
        for value, where in self._levels:
            if np.logical_and(feasible, where).any():
                return value
        return 0

    def scores(self, feasible: Bools, *, inputs_changed: bool = True) -> Ints:
        if self._reverse is None:
            return self._raw
        raw = self._raw
        highest = self._highest(feasible) if self.feasible_dependent else int(raw.max())
        found = self._by_highest.get(highest)
        if found is None:
            found = self._by_highest[highest] = normalized_by(raw, highest, reverse=self._reverse)
            found.setflags(write=False)
        return found

    def affected_by(self, pod: PodInfo) -> bool:
        return False
