"""Why: Kubernetes' scheduler is a framework of plugins called at fixed extension points, and
ours keeps its shape so its plugins can be read side by side with Kubernetes' own: each
plugin implements some of the Protocols below, a profile lists plugins in order with score
weights, and the reference scheduler (``reference``) calls them in this order per pod:

1. **PreFilter** once per pod: compute what the filters need; may reject the pod outright, or
   narrow the nodes to a named set (``PreFilterResult.node_names``), or say ``Skip`` (its
   Filter is then not called for this pod).
2. **Filter** per node, in node order: the first plugin that rejects a node gives its reason.
3. **PreScore** once, with the nodes that passed; ``Skip`` leaves the plugin out of scoring.
4. **Score** per feasible node; a ``NormalizeScorePlugin`` then rescales its scores over all
   of them to 0..100; each plugin's scores are multiplied by its weight in the profile and
   summed per node. The first node in node order with the highest sum wins.
5. **Reserve** on the chosen node (Unreserve, in reverse order, if a later one fails); the
   pod is then assumed onto the node in the snapshot, and the outcome goes out as a
   ``Decision`` for the actor shell to bind.

Expected outcomes are ``Status`` values, never exceptions: ``Unschedulable`` (the node may
fit later, e.g. once pods leave), ``UnschedulableAndUnresolvable`` (it will not, whatever
happens to pods on it), ``Error`` (a bug or broken input), ``Skip``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from kube_actors.scheduling.nodes import NodeInfo
    from kube_actors.scheduling.pods import PodInfo
    from kube_actors.scheduling.snapshot import Snapshot

T = TypeVar("T")


class Code(enum.Enum):
    SUCCESS = "Success"
    ERROR = "Error"
    UNSCHEDULABLE = "Unschedulable"
    UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
    SKIP = "Skip"


@dataclass(frozen=True, slots=True)
class Status:
    """A plugin's verdict; ``reasons`` are the texts counted in the "0/N nodes are available"
    message. ``plugin`` names the plugin that gave it (set by the scheduler)."""

    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def is_success(self) -> bool:
        return self.code is Code.SUCCESS

    @property
    def is_rejection(self) -> bool:
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    def by(self, plugin: str) -> Status:
        return Status(self.code, self.reasons, plugin)


SUCCESS = Status()
SKIP = Status(Code.SKIP)


def unschedulable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE, reasons)


def unresolvable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons)


def error(*reasons: str) -> Status:
    return Status(Code.ERROR, reasons)


@dataclass(frozen=True, slots=True)
class PreFilterResult:
    """A PreFilter verdict; ``node_names``, when not None, are the only nodes worth filtering
    (the others are rejected with "node(s) didn't satisfy plugin(s) [<plugin>]")."""

    status: Status = SUCCESS
    node_names: frozenset[str] | None = None


PROCEED = PreFilterResult()
SKIPPED = PreFilterResult(SKIP)


class CycleState:
    """What plugins compute in one scheduling cycle for one pod and read back later (PreFilter
    for Filter, PreScore for Score), keyed by plugin name."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data: dict[str, object] = {}

    def write(self, key: str, value: object) -> None:
        self._data[key] = value

    def read(self, key: str, kind: type[T]) -> T:
        value = self._data[key]
        if not isinstance(value, kind):
            raise TypeError(f"cycle state {key!r} holds {type(value).__name__}, not {kind.__name__}")
        return value


@runtime_checkable
class Plugin(Protocol):
    @property
    def name(self) -> str:
        """The plugin's name, as Kubernetes names it (``NodeResourcesFit``)."""
        ...


@runtime_checkable
class PreFilterPlugin(Plugin, Protocol):
    def pre_filter(self, state: CycleState, pod: PodInfo, snapshot: Snapshot) -> PreFilterResult:
        """Once per pod before any Filter. May reject the pod (every node gets the status),
        narrow the nodes, or return ``SKIPPED`` so this plugin's Filter is not called."""
        ...


@runtime_checkable
class FilterPlugin(Plugin, Protocol):
    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        """Whether ``pod`` can run on ``node``: ``SUCCESS`` or a rejection with its reasons."""
        ...


@runtime_checkable
class PreScorePlugin(Plugin, Protocol):
    def pre_score(
        self, state: CycleState, pod: PodInfo, snapshot: Snapshot, nodes: Sequence[NodeInfo]
    ) -> Status:
        """Once per pod with the feasible ``nodes`` (at least one); ``SKIP`` leaves this
        plugin's Score out (it adds 0 to every node)."""
        ...


@runtime_checkable
class ScorePlugin(Plugin, Protocol):
    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        """The score of one feasible node: 0..100 unless the plugin normalises its scores."""
        ...


@runtime_checkable
class NormalizeScorePlugin(ScorePlugin, Protocol):
    def normalize_scores(
        self, state: CycleState, pod: PodInfo, nodes: Sequence[NodeInfo], scores: list[int]
    ) -> None:
        """Rewrite the raw ``scores`` of ``nodes`` (same order) in place into 0..100."""
        ...


@runtime_checkable
class ReservePlugin(Plugin, Protocol):
    def reserve(self, state: CycleState, pod: PodInfo, node_name: str, snapshot: Snapshot) -> Status:
        """Claim what the pod will use on the chosen node before it is assumed there; a
        rejection makes the pod unschedulable this cycle."""
        ...

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str, snapshot: Snapshot) -> None:
        """Give back what ``reserve`` claimed (a later Reserve plugin failed)."""
        ...
