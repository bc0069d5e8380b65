"""Why: kubectl shows every AGE, DURATION and LAST SEEN column as a short human duration
(``3m2s``, ``2d3h``) that the server computes, so we need Kubernetes' own rounding.

``human_duration`` is apimachinery's ``duration.HumanDuration``; ``elapsed_since`` reads the RFC 3339
timestamps of our objects. Nothing here reads a clock: callers pass ``now`` in, so ages can be
tested. The printers (``pods``, ``workloads``, ``core``) and ``fields`` use them.
"""

from __future__ import annotations

from kube_actors.api.times import unix_seconds


def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration``: two or three significant figures.

    >>> [human_duration(s) for s in (5, 119, 182, 3 * 3600 + 120, 2 * 86400 + 3 * 3600, -5)]
    ['5s', '119s', '3m2s', '3h2m', '2d3h', '<invalid>']
    """
    whole = int(seconds)  # truncated towards zero, as Go converts
    if whole < -1:  # a clock a second behind still reads as "now"
        return "<invalid>"
    minutes, hours = whole // 60, whole // 3600
    days, years = hours // 24, hours // (24 * 365)
    steps = [  # (below this many seconds, the value, its unit, the rest, its unit)
        (120, max(whole, 0), "s", 0, ""),
        (600, minutes, "m", whole % 60, "s"),
        (3 * 3600, minutes, "m", 0, ""),
        (8 * 3600, hours, "h", minutes % 60, "m"),
        (48 * 3600, hours, "h", 0, ""),
        (8 * 86400, days, "d", hours % 24, "h"),
        (2 * 365 * 86400, days, "d", 0, ""),
        (8 * 365 * 86400, years, "y", days % 365, "d"),
    ]
    for below, value, unit, rest, rest_unit in steps:
        if whole < below:
            return f"{value}{unit}{rest}{rest_unit}" if rest else f"{value}{unit}"
    return f"{years}y"


def elapsed_since(timestamp: object, now: float) -> str:
    """The human duration from ``timestamp`` to ``now``; ``<unknown>`` if it is unset."""
    then = unix_seconds(timestamp)
    return "<unknown>" if then is None else human_duration(now - then)
