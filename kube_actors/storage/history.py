"""Why: how much history a shard keeps. Like the apiserver's periodic compaction of etcd,
history older than a window, by revisions and by time, is compacted away; reads and watches
below it are "too old" (410 Gone at the API).
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HistoryWindow:
    """Keep at most ``revisions`` revisions and at most ``seconds`` of history."""

    revisions: int = 100_000
    seconds: float = 300.0
    check_every: float = 30.0

    def __post_init__(self) -> None:
        if self.revisions < 1 or self.seconds <= 0 or self.check_every <= 0:
            raise ValueError("a history window needs revisions >= 1 and positive seconds")


class HistoryClock:
    """Remembers which revision was current when, to find the revision a time window ends at.

    >>> history = HistoryClock(HistoryWindow(revisions=1000, seconds=60))
    >>> for second, revision in [(0, 10), (30, 50), (70, 90), (100, 95)]:
    ...     history.record(second, revision)
    >>> history.compaction_target(now=100, current=95)  # 60 s ago (t=40) the newest sample was 50
    50
    >>> HistoryClock(HistoryWindow(revisions=20)).compaction_target(now=0, current=95)
    75
    """

    def __init__(self, window: HistoryWindow) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def record(self, now: float, revision: int) -> None:
        self._samples.append((now, revision))
        horizon = now - 2 * self.window.seconds
        while len(self._samples) > 1 and self._samples[1][0] <= horizon:
            self._samples.popleft()

    def compaction_target(self, now: float, current: int) -> int:
        """The revision to compact to: whatever lies outside either bound goes."""
        by_count = current - self.window.revisions
        times = [t for t, _ in self._samples]
        index = bisect.bisect_right(times, now - self.window.seconds) - 1
        by_time = self._samples[index][1] if index >= 0 else 0
        return max(by_count, by_time, 0)
