"""Why: ``result.json`` is the run as data: the verdict, every expectation (expected, observed,
when), the key figures (latency percentiles, nodes used, pods by phase at the end), the
timeline as it ran, the series behind the plots and the cluster's Events. The HTML page is
drawn from this document alone, and golden tests compare its ``summary``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kube_actors import __version__
from kube_actors.scenario.recording import Recording, percentile
from kube_actors.scenario.runner import RunResult

PERCENTILES = (50, 90, 99)


def result_document(result: RunResult) -> dict[str, Any]:
    recording = result.recording
    return {
        "scenario": result.name,
        "file": result.path,
        "kube_actors": __version__,
        "seed": result.seed,
        "clock": result.clock,
        "passed": result.passed,
        "ended": result.ended,
        "simulated_seconds": result.simulated_seconds,
        "wall_seconds": result.wall_seconds,
        "errors": result.errors,
        "warnings": result.warnings,
        "expectations": [outcome.as_json() for outcome in result.outcomes],
        "summary": summary(result),
        "timeline": result.timeline,
        "actions": recording.actions,
        "metrics": {
            "pods_by_phase": [{"at": round(t, 3), **counts} for t, counts in recording.phases],
            "node_states": {
                node: [{"at": round(t, 3), "state": state} for t, state in series]
                for node, series in sorted(recording.node_states.items())
            },
            "allocation": {
                node: [{"at": round(t, 3), "cpu": cpu, "memory": memory} for t, cpu, memory in series]
                for node, series in sorted(recording.allocation.items())
            },
            "latency": {kind: _rounded(recording.latencies(kind)) for kind in ("scheduling", "startup")},
        },
        "events": recording.events,
    }


def summary(result: RunResult) -> dict[str, Any]:
    """The run's key figures, stable for a given file and seed (golden tests compare these)."""
    recording = result.recording
    final = recording.phases[-1][1] if recording.phases else {}
    figures: dict[str, Any] = {
        "passed": result.passed,
        "expectations": {outcome.title: outcome.passed for outcome in result.outcomes},
        "pods_at_end": {phase: count for phase, count in final.items() if count},
        "pods_seen": len(recording.pods),
        "nodes_seen": len(recording.node_states),
        "actions_run": sum(1 for row in result.timeline if row["state"] == "ran"),
        "nodes_used": _nodes_used(recording),
    }
    for kind in ("scheduling", "startup"):
        values = recording.latencies(kind)
        if values:
            figures[f"{kind}_latency_s"] = {f"p{p}": round(percentile(values, p), 3) for p in PERCENTILES}
    return figures


def _nodes_used(recording: Recording) -> int:
    used = {life.node for life in recording.pods.values() if life.node}
    return len(used)


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 4) for v in values]


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
