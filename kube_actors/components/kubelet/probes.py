"""Why: a probe's verdict is not one answer but a run of them: ``failureThreshold`` failures in
a row make it fail, ``successThreshold`` successes in a row make it pass, one try every
``periodSeconds`` after ``initialDelaySeconds``. This keeps that arithmetic for one probe of
one container, as the kubelet's prober workers do; what the probe answers comes from the
runtime (``ContainerRuntime.exec_probe``). Pure: times are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STARTUP, LIVENESS, READINESS = "startup", "liveness", "readiness"
SPEC_FIELDS = {STARTUP: "startupProbe", LIVENESS: "livenessProbe", READINESS: "readinessProbe"}


@dataclass(slots=True)
class ProbeState:
    """One probe of a running container.

    >>> probe = ProbeState.from_spec(LIVENESS, {"periodSeconds": 5, "failureThreshold": 2}, started_at=0.0)
    >>> probe.due(0.0), probe.record(False, 0.0), probe.passing, probe.record(False, 5.0), probe.passing
    (True, False, True, True, False)
    """

    kind: str
    initial_delay: float
    period: float
    success_threshold: int
    failure_threshold: int
    next_at: float
    passing: bool
    successes: int = 0
    failures: int = 0
    in_flight: bool = False

    @classmethod
    def from_spec(cls, kind: str, spec: dict[str, Any], started_at: float) -> ProbeState:
        """A probe armed for a container that started at ``started_at``. Readiness starts
        failing (a pod is not Ready until its probe says so); the others start passing."""
        initial_delay = float(spec.get("initialDelaySeconds") or 0)
        return cls(
            kind=kind,
            initial_delay=initial_delay,
            period=float(spec.get("periodSeconds") or 10),
            success_threshold=int(spec.get("successThreshold") or 1),
            failure_threshold=int(spec.get("failureThreshold") or 3),
            next_at=started_at + initial_delay,
            passing=kind != READINESS,
        )

    def due(self, now: float) -> bool:
        return not self.in_flight and now >= self.next_at

    def record(self, passed: bool, now: float) -> bool:
        """One probe result at ``now``; True if the verdict (``passing``) changed."""
        self.in_flight = False
        self.next_at = now + self.period
        if passed:
            self.successes, self.failures = self.successes + 1, 0
            verdict = self.passing or self.successes >= self.success_threshold
        else:
            self.failures, self.successes = self.failures + 1, 0
            verdict = self.passing and self.failures < self.failure_threshold
        changed = verdict != self.passing
        self.passing = verdict
        return changed


def armed_probes(container_spec: dict[str, Any], started_at: float) -> dict[str, ProbeState]:
    """The probes a container's spec declares, armed from its start."""
    probes = {}
    for kind, field_name in SPEC_FIELDS.items():
        spec = container_spec.get(field_name)
        if isinstance(spec, dict):
            probes[kind] = ProbeState.from_spec(kind, spec, started_at)
    return probes
