"""``kube-actors bench apiserver --quick`` runs end to end and writes every figure as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
FIGURES = {
    "http_create",
    "http_create_p50_ms",
    "http_create_p99_ms",
    "http_list_150k_s",
    "http_watch_events",
    "http_watch_live_events",
    "actor_create",
}


def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "apiserver.json"
    subprocess.run(
        [sys.executable, "-m", "kube_actors.cli", "bench", "apiserver", "--quick", "--json", str(out)],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    values = {figure["name"]: figure["value"] for figure in json.loads(out.read_text())["results"]}
    assert set(values) == FIGURES
    assert all(value > 0 for value in values.values()), values
