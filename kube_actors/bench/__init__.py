"""Why: the shape every benchmark shares: measured figures beside their baseline and target,
printed as a table and optionally written as JSON for tracking over time.

Each benchmark module has ``run(quick=...) -> Report``; the CLI and ``benchmarks/*.py`` only
parse arguments and call ``emit``.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number; ``target`` is the least the issue asks for and ``ceiling`` the most
    (for latencies and durations), if any."""

    name: str
    value: float
    unit: str
    target: float | None = None
    note: str = ""
    ceiling: float | None = None

    @property
    def meets_target(self) -> bool:
        return (self.target is None or self.value >= self.target) and (
            self.ceiling is None or self.value <= self.ceiling
        )

    @property
    def goal(self) -> str:
        if self.ceiling is not None:
            return f"<= {self.ceiling:,.0f}"
        return "" if self.target is None else f"{self.target:,.0f}"


@dataclass(slots=True)
class Report:
    benchmark: str
    results: list[Figure] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def targets_met(self) -> bool:
        return all(f.meets_target for f in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "results": [asdict(f) | {"meets_target": f.meets_target} for f in self.results],
            "targets_met": self.targets_met,
            "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
            **self.extra,
        }


def render_table(report: Report) -> str:
    rows = [("result", "value", "unit", "target", "ok", "note")]
    for f in report.results:
        value = f"{f.value:,.0f}" if abs(f.value) >= 100 else f"{f.value:,.2f}"
        rows.append((f.name, value, f.unit, f.goal, "yes" if f.meets_target else "NO", f.note))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"benchmark: {report.benchmark}"]
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(w) if j in (0, 2, 5) else cell.rjust(w)
                for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"targets met: {'yes' if report.targets_met else 'no'}")
    return "\n".join(lines)


def emit(report: Report, json_path: str | None, out: TextIO = sys.stdout) -> None:
    print(render_table(report), file=out)
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(report.to_json(), indent=2) + "\n")
