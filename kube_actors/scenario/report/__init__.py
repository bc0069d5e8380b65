"""Why: a run is told three ways: ``console`` (a progress bar while it runs, then a summary
table with every failed expectation explained), ``result`` (``result.json``: every expectation,
every metric, the event timeline, for machines and golden tests) and ``page`` (``report.html``:
one self-contained page with the plots, drawn by ``plots`` with matplotlib as inline SVG).
"""

from __future__ import annotations

from pathlib import Path

from kube_actors.scenario.report.page import render_page
from kube_actors.scenario.report.result import result_document, write_json
from kube_actors.scenario.runner import RunResult

__all__ = ["result_document", "write_report"]


def write_report(result: RunResult, directory: Path) -> list[Path]:
    """Write ``result.json`` and ``report.html`` into ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    document = result_document(result)
    json_path = directory / "result.json"
    write_json(json_path, document)
    html_path = directory / "report.html"
    html_path.write_text(render_page(document), encoding="utf-8")
    return [json_path, html_path]
