"""Why: a class's ``GLOBAL`` filters (topology spreading, inter-pod affinity) answer from pods
anywhere in the cluster, so their verdicts move as pods are placed: sometimes on one node (one
replica per host), sometimes over whole domains (a zone filling up). ``GlobalVerdicts`` holds,
for one class, each such filter's verdicts, whether it rejects any node at all (most of the time
none does, and then it is left out of ``ok``), and ``ok``: per node, whether they all pass.

Spreading hands out read-only verdict arrays it remembers (a zone filter takes few shapes), so
``ok`` is remembered by the verdict array it was made from, and shared until written to
(``writable_ok`` copies it first).

Neighbours: ``classes.ClassEvaluation`` owns one and asks it again when a placement moved one
of its filters; ``jobs.FilterJob`` is what it asks.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kube_actors.placement.arithmetic import Bools, Ids
from kube_actors.placement.jobs import FilterJob
from kube_actors.placement.statuses import PASSED

REMEMBERED = 16
"""``ok`` arrays kept, by the (read-only) verdict arrays they were made from."""

Slotted = tuple[int, FilterJob]
"""A global filter with its position in the profile's filters."""


class GlobalVerdicts:
    def __init__(self, filters: list[Slotted], node_count: int) -> None:
        self.filters = filters
        self.node_count = node_count
        self.verdicts: dict[int, Ids] = {}  # by position in the profile's filters
        self.everywhere: Bools = np.ones(node_count, dtype=np.bool_)
        """All passing (read-only): ``ok`` while no filter rejects any node."""
        self.everywhere.setflags(write=False)
        self.ok: Bools = self.everywhere
        self._rejects: dict[int, bool] = {}  # whether each rejects any node
        self._rejects_of: dict[int, tuple[Ids, bool]] = {}  # the same, by read-only verdicts
        self._ok_from: dict[int, tuple[Ids, Bools]] = {}  # read-only verdicts -> ok (read-only)

    def recompute(self, moved: list[Slotted] | None = None) -> None:
        """Verdicts of the ``moved`` filters (all by default) again, and ``ok``."""
        for slot, job in self.filters if moved is None else moved:
            verdicts = self.verdicts[slot] = job.verdicts()
            known = self._rejects_of.get(id(verdicts))
            if known is not None and known[0] is verdicts:
                self._rejects[slot] = known[1]  # a read-only array seen before (spreading's)
                continue
            self._rejects[slot] = rejects = bool(verdicts.any())
            if not verdicts.flags.writeable:
                if len(self._rejects_of) >= REMEMBERED:
                    self._rejects_of.clear()
                self._rejects_of[id(verdicts)] = (verdicts, rejects)
        rejecting = [self.verdicts[slot] for slot, _ in self.filters if self._rejects[slot]]
        if not rejecting:
            self.ok = self.everywhere
            return
        rememberable = len(rejecting) == 1 and not rejecting[0].flags.writeable
        if rememberable:
            remembered = self._ok_from.get(id(rejecting[0]))
            if remembered is not None and remembered[0] is rejecting[0]:
                self.ok = remembered[1]
                return
        ok = np.ones(self.node_count, dtype=np.bool_)
        for verdicts in rejecting:
            ok &= verdicts == PASSED
        self.ok = ok
        if rememberable:
            if len(self._ok_from) >= REMEMBERED:
                self._ok_from.clear()
            ok.setflags(write=False)
            self._ok_from[id(rejecting[0])] = (rejecting[0], ok)

    def followed(self, slot: int, changed: npt.NDArray[np.intp]) -> None:
        """The filter at ``slot`` changed its verdicts of the nodes ``changed`` itself: only
        those can make it reject some node."""
        if not self._rejects[slot]:
            self._rejects[slot] = bool((self.verdicts[slot][changed] != PASSED).any())

    def passes_at(self, node: int) -> bool:
        """Whether every filter passes ``node``, from their verdicts."""
        return all(self.verdicts[slot].item(node) == PASSED for slot, _ in self.filters)

    def passes(self, at: npt.NDArray[np.intp]) -> Bools:
        """``passes_at`` for the nodes ``at``."""
        passes = np.ones(len(at), dtype=np.bool_)
        for slot, _ in self.filters:
            passes &= self.verdicts[slot][at] == PASSED
        return passes

    def writable_ok(self) -> Bools:
        """``ok``, copied first if it is a shared (read-only) array."""
        if not self.ok.flags.writeable:
            self.ok = self.ok.copy()
        return self.ok
