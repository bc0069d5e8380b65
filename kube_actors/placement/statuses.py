"""Why: a Filter's verdict on a node is a ``Status`` (code, reasons, plugin); the kernel keeps
verdicts for thousands of nodes as an array of small integers, each standing for one distinct
``Status``. ``StatusTable`` hands out those numbers (0 is success) and turns an array of them
back into the rejecting statuses with their node counts, and how many nodes gave each reason
(``decisions.unplaced_decision`` makes the rest of the ``Decision`` from those).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from kube_actors.placement.arithmetic import Ids
from kube_actors.scheduling.framework import SUCCESS, Status

PASSED = 0


class StatusTable:
    def __init__(self) -> None:
        self.statuses: list[Status] = [SUCCESS]
        self._ids: dict[Status, int] = {SUCCESS: PASSED}
        self._remembered: dict[tuple[Callable[[str], Status], str, str], int] = {}

    def id(self, status: Status) -> int:
        """The number standing for ``status`` (which already names its plugin)."""
        found = self._ids.get(status)
        if found is None:
            found = self._ids[status] = len(self.statuses)
            self.statuses.append(status)
        return found

    def remembered(self, make: Callable[[str], Status], reason: str, plugin: str) -> int:
        """``id(make(reason).by(plugin))``, remembered: twins ask for their few statuses once
        per class, and building a ``Status`` costs more than looking its number up."""
        key = (make, reason, plugin)
        found = self._remembered.get(key)
        if found is None:
            found = self._remembered[key] = self.id(make(reason).by(plugin))
        return found

    def rejecting(self, status: Status, plugin: str) -> int:
        """The number of ``status`` given by ``plugin``, or ``PASSED`` for a success."""
        return PASSED if status.is_success else self.id(status.by(plugin))

    def first_rejections(self, verdicts: Iterable[Ids], node_count: int) -> Ids:
        """Per node, the first non-success verdict of ``verdicts`` (in filter order)."""
        first = np.zeros(node_count, dtype=np.int32)
        for verdict in verdicts:
            np.copyto(first, verdict, where=first == PASSED)
        return first

    def rejections(self, first: Ids) -> list[tuple[Status, int]]:
        """Each rejecting status in ``first`` with its number of nodes."""
        counts = np.bincount(first, minlength=len(self.statuses))
        return [(self.statuses[code], int(n)) for code, n in enumerate(counts) if n and code != PASSED]


def reason_counts(rejections: Iterable[tuple[Status, int]]) -> tuple[tuple[str, int], ...]:
    """``decisions.reason_counts`` for statuses that come with node counts."""
    counts: Counter[str] = Counter()
    for status, nodes in rejections:
        for reason in status.reasons:
            counts[reason] += nodes
    return tuple(sorted(counts.items(), key=lambda item: f"{item[1]} {item[0]}"))
