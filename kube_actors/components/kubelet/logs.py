"""Why: ``kubectl logs`` options (``--tail``, ``--since``, ``--since-time``, ``--timestamps``,
``--limit-bytes``, ``-f``) mean the same whatever runtime wrote the lines, so the kubelet picks
and formats them here, from the lines the runtime kept (``ContainerRuntime.logs``). Pure.

``-f`` works by offset: every read answers the index after its last line, and a follow-up read
with ``after_line`` set to it returns only what was written since.
"""

from __future__ import annotations

from dataclasses import dataclass

from kube_actors.api.times import micro_timestamp
from kube_actors.components.kubelet.base import LogLine


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which lines to read. ``tail_lines`` and the ``since`` bounds apply to the first read of a
    follow (``after_line`` 0); later reads take everything after ``after_line``."""

    after_line: int = 0
    tail_lines: int | None = None
    since: float | None = None
    """Unix seconds: lines written before are left out."""
    timestamps: bool = False
    limit_bytes: int | None = None


def read_lines(lines: list[LogLine], query: LogQuery) -> tuple[str, int]:
    """The text of the lines ``query`` selects and the offset to follow on from.

    >>> lines = [LogLine(float(t), f"line {t}") for t in range(5)]
    >>> read_lines(lines, LogQuery(tail_lines=2))
    ('line 3\\nline 4\\n', 5)
    >>> read_lines(lines[:2], LogQuery(tail_lines=3))  # more than there are: all of them
    ('line 0\\nline 1\\n', 2)
    >>> read_lines(lines, LogQuery(after_line=4))
    ('line 4\\n', 5)
    >>> read_lines(lines, LogQuery(since=3.0, timestamps=True))[0].splitlines()[0]
    '1970-01-01T00:00:03.000000Z line 3'
    """
    start = min(max(query.after_line, 0), len(lines))
    chosen = lines[start:]
    if query.after_line == 0:
        if query.since is not None:
            since = query.since
            chosen = [line for line in chosen if line.time >= since]
        if query.tail_lines is not None:
            chosen = chosen[max(len(chosen) - query.tail_lines, 0) :] if query.tail_lines > 0 else []
    if query.timestamps:
        text = "".join(f"{micro_timestamp(line.time)} {line.text}\n" for line in chosen)
    else:
        text = "".join(f"{line.text}\n" for line in chosen)
    if query.limit_bytes is not None:
        text = text.encode()[: max(query.limit_bytes, 0)].decode(errors="ignore")
    return text, len(lines)
