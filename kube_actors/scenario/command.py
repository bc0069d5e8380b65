"""Why: ``kube-actors run FILE`` and ``kube-actors scenario schema`` as single calls the CLI
makes: load (a bad file prints every problem with its line and exits 2), run with a progress
bar, print the summary, write the report if asked, and return the exit code (0 only if every
expectation held).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from rich.console import Console

from kube_actors.scenario.errors import ScenarioError
from kube_actors.scenario.loader import load_scenario
from kube_actors.scenario.runner import ClockKind, run_scenario
from kube_actors.scenario.schema import json_schema

EXIT_FAILED = 1
EXIT_BAD_FILE = 2


def run_command(
    path: str | Path, *, seed: int | None, clock: ClockKind, report_dir: str | Path | None
) -> int:
    console = Console(stderr=False)
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        sys.stderr.write(f"{exc}\n")  # unwrapped: editors jump to file:line:column
        return EXIT_BAD_FILE
    from kube_actors.scenario.report.console import print_summary, progress_bar

    with progress_bar(console, scenario.name) as progress:
        result = asyncio.run(run_scenario(scenario, seed=seed, clock=clock, progress=progress))
    print_summary(console, result)
    if report_dir is not None:
        from kube_actors.scenario.report import write_report

        written = write_report(result, Path(report_dir))
        console.print("report: " + ", ".join(str(p) for p in written))
    return 0 if result.passed else EXIT_FAILED


def schema_command(output: str | Path | None = None) -> int:
    """Print (or write to ``output``) the JSON Schema of scenario files."""
    text = json.dumps(json_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    return 0
