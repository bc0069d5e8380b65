"""Why: the report's plots, drawn from ``result.json``'s metrics with matplotlib (object API,
no pyplot state, so it is safe inside a running program) and returned as SVG text to inline in
the page: pods by phase over time, each node's readiness, scheduling and start-up latency
histograms, per-node CPU and memory allocation as heatmaps; the timeline's actions are marked
on every time axis.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PHASE_COLOURS = {
    "Pending": "#f2b134",
    "Running": "#3b8c3b",
    "Succeeded": "#6a9fd8",
    "Failed": "#c8413b",
    "Terminating": "#9a7fb5",
}
STATE_COLOURS = {"Ready": "#3b8c3b", "NotReady": "#c8413b", "Absent": "#bbbbbb"}
HEATMAP_COLUMNS = 60
MARKED_ACTIONS = 20


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False}):
        yield


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _mark_actions(axes: Axes, actions: list[dict[str, Any]], end: float) -> None:
    """A dotted line at each action, the first ones labelled (red if it failed)."""
    shown = [a for a in actions if 0 < a["at"] <= end]
    for index, action in enumerate(shown):
        axes.axvline(action["at"], color="#555555", linestyle=":", linewidth=0.8)
        if index < MARKED_ACTIONS:
            axes.annotate(
                action["action"][:28],
                (action["at"], 1.0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                fontsize=6,
                va="top",
                ha="right",
                color="#c8413b" if action.get("error") else "#555555",
            )


def pods_by_phase(document: dict[str, Any]) -> str:
    samples = document["metrics"]["pods_by_phase"]
    end = max(document["simulated_seconds"], 1.0)
    with _style():
        figure = Figure(figsize=(9, 3.2))
        axes = figure.subplots()
        if samples:
            times = [s["at"] for s in samples] + [end]
            for phase, colour in PHASE_COLOURS.items():
                values = [s.get(phase, 0) for s in samples]
                if any(values):
                    axes.step(times, [*values, values[-1]], where="post", label=phase, color=colour)
            axes.legend(loc="upper left", fontsize=7, frameon=False)
        axes.set_xlim(0, end)
        axes.set_xlabel("simulated seconds")
        axes.set_ylabel("pods")
        axes.set_title("Pods by phase")
        _mark_actions(axes, document["actions"], end)
        return _svg(figure)


def node_readiness(document: dict[str, Any]) -> str:
    states = document["metrics"]["node_states"]
    end = max(document["simulated_seconds"], 1.0)
    with _style():
        figure = Figure(figsize=(9, 0.6 + 0.28 * max(len(states), 1)))
        axes = figure.subplots()
        for row, series in enumerate(states.values()):
            for index, point in enumerate(series):
                stop = series[index + 1]["at"] if index + 1 < len(series) else end
                base = point["state"].split(",")[0]
                hatch = "//" if "SchedulingDisabled" in point["state"] else None
                axes.broken_barh(
                    [(point["at"], max(stop - point["at"], 0.0))],
                    (row - 0.4, 0.8),
                    facecolors=STATE_COLOURS.get(base, "#888888"),
                    hatch=hatch,
                    edgecolor="white",
                )
        axes.set_yticks(range(len(states)), list(states))
        axes.set_xlim(0, end)
        axes.set_xlabel("simulated seconds (green Ready, red NotReady, hatched cordoned)")
        axes.set_title("Node readiness")
        _mark_actions(axes, document["actions"], end)
        return _svg(figure)


def latency_histograms(document: dict[str, Any]) -> str:
    latency = document["metrics"]["latency"]
    with _style():
        figure = Figure(figsize=(9, 2.8))
        for axes, kind in zip(figure.subplots(1, 2), ("scheduling", "startup"), strict=True):
            values = latency.get(kind) or []
            if values:
                axes.hist(values, bins=min(30, max(len(set(values)), 1)), color="#6a9fd8")
            axes.set_title(f"{kind.capitalize()} latency ({len(values)} pods)")
            axes.set_xlabel("seconds")
            axes.set_ylabel("pods")
        return _svg(figure)


def allocation_heatmaps(document: dict[str, Any]) -> str:
    allocation = document["metrics"]["allocation"]
    end = max(document["simulated_seconds"], 1.0)
    nodes = list(allocation)
    with _style():
        figure = Figure(figsize=(9, 2.4 + 0.5 * max(len(nodes), 1)), layout="constrained")
        grids = figure.subplots(2, 1, sharex=True)
        for axes, (column, title) in zip(grids, ((1, "CPU"), (2, "Memory")), strict=True):
            rows = [_binned(allocation[node], column, end) for node in nodes] or [[0.0] * HEATMAP_COLUMNS]
            image = axes.imshow(
                rows,
                aspect="auto",
                interpolation="nearest",
                cmap="viridis",
                vmin=0,
                vmax=1,
                extent=(0, end, len(rows) - 0.5, -0.5),
            )
            axes.set_yticks(range(len(nodes)), nodes)
            axes.set_title(f"{title} requested / allocatable per node")
            figure.colorbar(image, ax=axes, fraction=0.03)
            _mark_actions(axes, document["actions"], end)
        grids[-1].set_xlabel("simulated seconds")
        return _svg(figure)


def _binned(series: list[dict[str, Any]], column: int, end: float) -> list[float]:
    """The share in force at the middle of each of HEATMAP_COLUMNS time bins."""
    key = "cpu" if column == 1 else "memory"
    values = []
    index = 0
    current = 0.0
    for step in range(HEATMAP_COLUMNS):
        moment = (step + 0.5) * end / HEATMAP_COLUMNS
        while index < len(series) and series[index]["at"] <= moment:
            current = series[index][key]
            index += 1
        values.append(current)
    return values
