"""Why: what a person at a terminal sees: a progress bar in simulated time while the scenario
runs, then a table of every expectation with a verdict, and under it each failed one explained
(expected, observed, when), with rich. Only the CLI calls this; the runner knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kube_actors.scenario.runner import Progress as ProgressCallback
from kube_actors.scenario.runner import RunResult


@contextmanager
def progress_bar(console: Console, title: str) -> Iterator[ProgressCallback]:
    """A bar of simulated seconds against the scenario's duration; yields the runner's callback."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} simulated s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(title, total=1.0)

        def advance(done: float, total: float) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def print_summary(console: Console, result: RunResult) -> None:
    table = Table(title=f"{result.name}: {'passed' if result.passed else 'FAILED'}", title_justify="left")
    table.add_column("", width=2)
    table.add_column("expectation")
    table.add_column("observed")
    table.add_column("at", justify="right")
    for outcome in result.outcomes:
        mark = "[green]✔[/]" if outcome.passed else "[red]✘[/]"
        at = "" if outcome.at is None else f"{outcome.at:g}s"
        table.add_row(mark, outcome.title, outcome.observed, at)
    console.print(table)
    for outcome in result.outcomes:
        if not outcome.passed:
            when = "never decided" if outcome.at is None else f"at {outcome.at:g}s"
            console.print(f"[red]✘ {outcome.title}[/]")
            console.print(f"  expected: {outcome.expected}\n  observed: {outcome.observed} ({when})")
    for error in result.errors:
        console.print(f"[red]error:[/] {error}")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    never = [row for row in result.timeline if row["state"] != "ran"]
    for row in never:
        console.print(f"[yellow]timeline[{row['index']}] {row['action']}: {row['state']}[/]")
    verdict = "[green]passed[/]" if result.passed else "[red]failed[/]"
    console.print(
        f"{verdict}: {sum(o.passed for o in result.outcomes)}/{len(result.outcomes)} expectations held; "
        f"{result.simulated_seconds:g} simulated seconds in {result.wall_seconds:g} s (seed {result.seed}, "
        f"{result.clock} clock); {result.ended}"
    )
