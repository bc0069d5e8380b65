"""Why: a crashing container is restarted after 0, 10, 20, 40 ... seconds, at most 5 minutes
apart (CrashLoopBackOff), and a failing image pull is retried on the same schedule
(ImagePullBackOff). This is client-go's ``flowcontrol.Backoff`` as the kubelet uses it: the
delay doubles with every retry of a key and starts again from the initial delay once the key
has been quiet for twice the maximum. Pure: times are passed in.

(The supervisor's ``RestartBudget`` and the controllers' ``WorkQueue`` back off too, but count
differently; this one keeps the kubelet's observable timings.)
"""

from __future__ import annotations

from dataclasses import dataclass

INITIAL = 10.0
MAXIMUM = 300.0


@dataclass(slots=True)
class _Entry:
    delay: float
    last_update: float


class Backoff:
    """Per-key exponential backoff measured from an event time (a container's finish, a
    failed pull).

    >>> backoff = Backoff()
    >>> backoff.wait_until("c", event_time=5.0)        # first failure: no wait
    5.0
    >>> backoff.record("c", 5.0); backoff.wait_until("c", event_time=7.0)
    17.0
    >>> backoff.record("c", 7.0); backoff.wait_until("c", event_time=19.0)
    39.0
    """

    def __init__(self, initial: float = INITIAL, maximum: float = MAXIMUM) -> None:
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[str, _Entry] = {}

    def wait_until(self, key: str, event_time: float) -> float:
        """When a retry after an event at ``event_time`` may happen (``event_time`` itself if
        the key is not backing off)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, event_time):
            return event_time
        return event_time + entry.delay

    def record(self, key: str, event_time: float) -> None:
        """A retry is happening for the event at ``event_time``: the next one waits longer."""
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, event_time):
            self._entries[key] = _Entry(self.initial, event_time)
        else:
            entry.delay = min(entry.delay * 2, self.maximum)
            entry.last_update = event_time

    def current(self, key: str) -> float:
        """The delay a retry of ``key`` waits now (for messages such as "back-off 20s")."""
        entry = self._entries.get(key)
        return entry.delay if entry is not None else 0.0

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        """Drop every key of a pod that went away (keys start with its uid)."""
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]

    def _expired(self, entry: _Entry, event_time: float) -> bool:
        return event_time - entry.last_update > 2 * self.maximum
