"""Why: scenarios script what a simulated container does (how long it runs, how it exits, what
its probes answer, what it logs, how much memory and CPU it uses) with pod annotations, so a
plain manifest stays a plain manifest and ``kubectl apply`` is all it takes. This module is the
one place those annotations are named, documented and parsed; the simulated runtime
(``simulated.py``) is their only reader. Node-pool defaults come from ``RuntimeDefaults``.

Every annotation is ``sim.kube-actors.io/<setting>`` for all containers of the pod, or
``sim.kube-actors.io/<setting>.<container>`` for one container (which wins):

================== ===================================== =========================================
setting            value                                 default
================== ===================================== =========================================
run-seconds        a duration, or ``forever``            ``forever`` for ``restartPolicy: Always``
                                                         app containers, else the pool's
                                                         ``run_seconds`` (5 s)
exit-code          the code it exits with by itself      0
crash-after        a duration: run that long, then exit  (unset); exit code 1 unless
                   with ``exit-code``                    ``exit-code`` says otherwise
start-seconds      a duration from start to running      the pool's ``start_seconds`` (0)
stop-seconds       a duration from SIGTERM to exit       the pool's ``stop_seconds`` (0); killed
                                                         (137) at the grace period
memory             ``256Mi``, or points of a piecewise-  the memory request, else the pool's
                   linear ramp: ``64Mi, 1Gi@60s``        ``memory_usage``; above the memory
                                                         limit the container is OOMKilled
cpu                cores used, e.g. ``500m``             the cpu request, else ``cpu_usage``
startup            probe outcomes: ``pass``, ``fail``,   ``pass``
liveness           ``fail-after=30s`` (passes, then      ``pass``
readiness          fails), ``pass-after=20s``            ``pass``
logs               lines written at start (newline-      the pool's ``log_lines``
                   separated)
log-every          a duration between periodic lines     (none)
log-line           the periodic line: ``{n}``,           ``{container} tick {n}``
                   ``{container}``, ``{pod}``, ``{image}``
image-pull         ``fail``: every pull for the pod      pulls succeed for images the pool's
                   fails (ErrImagePull)                  ``registry`` has
image-pull-seconds a duration per image pull             the pool's ``image_pull_seconds``
                                                         for the image, else ``pull_seconds``
================== ===================================== =========================================

A scenario's ``set_usage`` (the kubelet's ``SetUsage``) takes ``memory`` and ``cpu`` in the same
syntax, a ramp's times counting from the moment it is set (``usage_change``).

The two ``image-pull`` settings are per pod (a pull serves the whole pod). Durations are
seconds (``30``) or Go-style (``500ms``, ``1m30s``, ``2h``). Run time is CPU work: when a
node's containers want more CPU than it has, finite containers take longer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kube_actors.api.quantity import QuantityError, parse_quantity
from kube_actors.components.kubelet.base import UsageChange
from kube_actors.components.kubelet.config import RuntimeDefaults

PREFIX = "sim.kube-actors.io/"
PROBE_KINDS = ("startup", "liveness", "readiness")
DEFAULT_LOG_LINE = "{container} tick {n}"

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class ScriptError(ValueError):
    """An annotation whose value cannot be read; the message names the annotation."""


def parse_duration(text: str) -> float:
    """Seconds in a duration: a plain number of seconds or Go's ``1m30s`` form.

    >>> parse_duration("30"), parse_duration("1m30s"), parse_duration("500ms")
    (30.0, 90.0, 0.5)
    """
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{text!r} is not a duration (use 30, 30s, 1m30s, 500ms, 2h)") from None
        seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds < 0:
        raise ValueError(f"{text!r} is negative")
    return seconds


@dataclass(frozen=True, slots=True)
class UsageCurve:
    """Memory use over a container's life: piecewise linear through ``points`` (seconds since
    start, bytes), flat before the first and after the last."""

    points: tuple[tuple[float, int], ...]

    @classmethod
    def parse(cls, text: str) -> UsageCurve:
        """``256Mi`` or ``64Mi, 1Gi@60s``.

        >>> UsageCurve.parse("0, 100@10s").at(5.0)
        50
        """
        points = []
        for part in text.split(","):
            amount, _, when = part.strip().partition("@")
            points.append((parse_duration(when) if when else 0.0, parse_quantity(amount.strip()).value()))
        points.sort()
        return cls(tuple(points))

    def at(self, seconds: float) -> int:
        points = self.points
        if seconds <= points[0][0]:
            return points[0][1]
        for (t0, v0), (t1, v1) in itertools.pairwise(points):
            if seconds <= t1:
                return round(v0 + (v1 - v0) * (seconds - t0) / (t1 - t0))
        return points[-1][1]

    def first_above(self, limit: int) -> float | None:
        """The first moment use exceeds ``limit`` bytes, or None if it never does.

        >>> UsageCurve.parse("0, 100@10s").first_above(50)
        5.0
        """
        previous: tuple[float, int] | None = None
        for t, value in self.points:
            if value > limit:
                if previous is None:
                    return 0.0  # flat before the first point: above from the start
                t0, v0 = previous
                return t0 + (t - t0) * (limit - v0) / (value - v0)
            previous = (t, value)
        return None


@dataclass(frozen=True, slots=True)
class ProbeScript:
    """A probe that answers ``passing`` until ``switch_after`` seconds after the container
    started, and the opposite from then on (never switches when None)."""

    passing: bool = True
    switch_after: float | None = None

    @classmethod
    def parse(cls, text: str) -> ProbeScript:
        """``pass``, ``fail``, ``fail-after=30s`` or ``pass-after=20s``."""
        word, _, after = text.strip().partition("=")
        if word in ("pass", "fail") and not after:
            return cls(word == "pass")
        if word in ("fail-after", "pass-after") and after:
            return cls(word == "fail-after", parse_duration(after))
        raise ValueError(f"{text!r} is not a probe outcome (use pass, fail, fail-after=30s, pass-after=20s)")

    def outcome(self, seconds_since_start: float) -> bool:
        if self.switch_after is not None and seconds_since_start >= self.switch_after:
            return not self.passing
        return self.passing


@dataclass(frozen=True, slots=True)
class ContainerScript:
    """What one simulated container does."""

    run_seconds: float | None
    """CPU-seconds of work before it exits by itself; None runs until stopped."""
    exit_code: int
    start_seconds: float
    stop_seconds: float
    memory: UsageCurve
    cpu_millis: int
    probes: Mapping[str, ProbeScript]
    log_lines: tuple[str, ...]
    log_every: float | None
    log_line: str


@dataclass(frozen=True, slots=True)
class PullScript:
    """How pulls for one pod go: ``fails`` forces ErrImagePull; ``seconds`` overrides latency."""

    fails: bool = False
    seconds: float | None = None


def _setting(annotations: Mapping[str, str], name: str, container: str) -> tuple[str, str] | None:
    """The value of setting ``name`` for ``container`` and the annotation it came from."""
    for key in (f"{PREFIX}{name}.{container}", f"{PREFIX}{name}"):
        if key in annotations:
            return key, str(annotations[key])
    return None


def _read(annotations: Mapping[str, str], name: str, container: str, parse: Any, default: Any) -> Any:
    found = _setting(annotations, name, container)
    if found is None:
        return default
    key, value = found
    try:
        return parse(value)
    except (ValueError, QuantityError) as exc:
        raise ScriptError(f"annotation {key}: {exc}") from None


def _run_seconds(text: str) -> float | None:
    return None if text.strip() == "forever" else parse_duration(text)


def _exit_code(text: str) -> int:
    code = int(text)
    if not 0 <= code <= 255:
        raise ValueError(f"exit code {code} is not between 0 and 255")
    return code


def container_script(
    annotations: Mapping[str, str],
    container: str,
    *,
    defaults: RuntimeDefaults,
    runs_until_stopped: bool,
    requests: Mapping[str, Any],
) -> ContainerScript:
    """The script of ``container`` from its pod's annotations; ``runs_until_stopped`` is true
    for app containers of ``restartPolicy: Always`` pods. Raises ``ScriptError``."""
    default_run = None if runs_until_stopped else defaults.run_seconds
    crash_after = _read(annotations, "crash-after", container, parse_duration, None)
    run_seconds = _read(annotations, "run-seconds", container, _run_seconds, default_run)
    exit_code = _read(annotations, "exit-code", container, _exit_code, None)
    if crash_after is not None:
        run_seconds = crash_after
        exit_code = 1 if exit_code is None else exit_code
    memory_default = str(requests.get("memory") or defaults.memory_usage)
    cpu_default = str(requests.get("cpu") or defaults.cpu_usage)
    lines = _read(annotations, "logs", container, lambda v: tuple(v.splitlines()), None)
    return ContainerScript(
        run_seconds=run_seconds,
        exit_code=exit_code or 0,
        start_seconds=_read(annotations, "start-seconds", container, parse_duration, defaults.start_seconds),
        stop_seconds=_read(annotations, "stop-seconds", container, parse_duration, defaults.stop_seconds),
        memory=_read(annotations, "memory", container, UsageCurve.parse, None)
        or UsageCurve.parse(memory_default),
        cpu_millis=_read(annotations, "cpu", container, lambda v: parse_quantity(v).milli_value(), None)
        or parse_quantity(cpu_default).milli_value(),
        probes={
            kind: _read(annotations, kind, container, ProbeScript.parse, ProbeScript())
            for kind in PROBE_KINDS
        },
        log_lines=defaults.log_lines if lines is None else lines,
        log_every=_read(annotations, "log-every", container, parse_duration, None) or None,
        log_line=_read(annotations, "log-line", container, str, DEFAULT_LOG_LINE),
    )


def usage_change(memory: str | None, cpu: str | None) -> UsageChange:
    """A container's new use (the kubelet's ``SetUsage``) read as the ``memory`` and ``cpu``
    annotations are, the ramp's times counting from now. Raises ``ScriptError`` naming the field.

    >>> usage_change("64Mi, 1Gi@60s", "1500m")
    UsageChange(memory=((0.0, 67108864), (60.0, 1073741824)), cpu_millis=1500)
    """
    if memory is None and cpu is None:
        raise ScriptError("set memory, cpu or both")
    return UsageChange(_parsed("memory", memory, _memory_ramp), _parsed("cpu", cpu, _millicores))


def _parsed(name: str, text: str | None, parse: Any) -> Any:
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as exc:  # QuantityError is one
        raise ScriptError(f"{name}: {exc}") from None


def _memory_ramp(text: str) -> tuple[tuple[float, int], ...]:
    points = UsageCurve.parse(text).points
    if any(amount < 0 for _, amount in points):
        raise ValueError(f"{text!r} is negative")
    return points


def _millicores(text: str) -> int:
    millis = parse_quantity(text).milli_value()
    if millis < 0:
        raise ValueError(f"{text!r} is negative")
    return millis


def pull_script(annotations: Mapping[str, str]) -> PullScript:
    """How this pod's image pulls go. Raises ``ScriptError``."""
    fails = _read(annotations, "image-pull", "", _pull_outcome, False)
    return PullScript(fails, _read(annotations, "image-pull-seconds", "", parse_duration, None))


def _pull_outcome(text: str) -> bool:
    if text.strip() not in ("fail", "ok"):
        raise ValueError(f"{text!r} is not a pull outcome (use fail or ok)")
    return text.strip() == "fail"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with ``{name}`` fields filled in; a template that does not format is kept.

    >>> fill("{container} tick {n}", {"container": "web", "n": 3}), fill("{oops", {})
    ('web tick 3', '{oops')
    """
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError):
        return template
