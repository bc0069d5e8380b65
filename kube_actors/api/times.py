"""Why: every component writes and reads RFC 3339 times in objects (creationTimestamp,
lastTransitionTime, a Lease's renewTime), and all of them take "now" from an injected clock,
so the conversions between unix seconds and the API's strings live in one place.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime


def timestamp(seconds: float) -> str:
    """RFC 3339 in UTC, to the second, as Kubernetes writes ``metav1.Time``.

    >>> timestamp(0), timestamp(59.9)
    ('1970-01-01T00:00:00Z', '1970-01-01T00:00:59Z')
    """
    return _whole_second(int(seconds // 1))


@functools.lru_cache(maxsize=256)  # every write in the same second stamps the same text
def _whole_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_timestamp(seconds: float) -> str:
    """RFC 3339 with microseconds, as Kubernetes writes ``metav1.MicroTime`` (Lease times).

    >>> micro_timestamp(1.5)
    '1970-01-01T00:00:01.500000Z'
    """
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unix_seconds(timestamp: object) -> float | None:
    """Unix seconds of an RFC 3339 time (``metav1.Time`` or ``MicroTime``); None if unset.

    >>> unix_seconds("1970-01-01T00:01:00Z"), unix_seconds(""), unix_seconds("yesterday")
    (60.0, None, None)
    """
    if not isinstance(timestamp, str) or not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
