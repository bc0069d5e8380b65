"""Why: ``report.html`` is one file a person can open or send: the verdict, every expectation
(expected, observed, when), the plots inline as SVG, the timeline as it ran, and the cluster's
Events; no script, no stylesheet or font fetched from anywhere. Drawn from the result document
alone.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kube_actors.scenario.report import plots

MAX_EVENTS_SHOWN = 500

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
h1{margin-bottom:.2em} .pass{color:#2d7a2d} .fail{color:#b3322c}
table{border-collapse:collapse;width:100%;font-size:13px;margin:.5em 0 1.5em}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4} .meta{color:#666;font-size:13px} figure{margin:1em 0} svg{max-width:100%;height:auto}
"""


def render_page(document: dict[str, Any]) -> str:
    verdict = "passed" if document["passed"] else "failed"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(document['scenario'])}: {verdict}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(document['scenario'])} <span class='{verdict[:4]}'>{verdict}</span></h1>",
        f"<p class='meta'>{escape(document['file'])} · seed {document['seed']} · {document['clock']} clock · "
        f"{document['simulated_seconds']:g} simulated seconds in {document['wall_seconds']:g} s · "
        f"{escape(document['ended'])} · kube-actors {escape(document['kube_actors'])}</p>",
    ]
    for note in document["errors"]:
        parts.append(f"<p class='fail'>error: {escape(note)}</p>")
    for note in document["warnings"]:
        parts.append(f"<p class='meta'>warning: {escape(note)}</p>")
    parts.append(_table(["", "expectation", "expected", "observed", "at (s)"], _expectation_rows(document)))
    for title, draw in (
        ("Pods by phase", plots.pods_by_phase),
        ("Node readiness", plots.node_readiness),
        ("Latency", plots.latency_histograms),
        ("Allocation", plots.allocation_heatmaps),
    ):
        parts.append(f"<figure aria-label='{title}'>{draw(document)}</figure>")
    parts.append("<h2>Timeline</h2>")
    actions = [[f"{a['at']:g}", escape(a["action"]), escape(a.get("error", ""))] for a in document["actions"]]
    parts.append(_table(["at (s)", "action", "error"], actions))
    events = document["events"][:MAX_EVENTS_SHOWN]
    parts.append(f"<h2>Events ({len(document['events'])})</h2>")
    rows = [
        [f"{e['at']:g}", e["type"], e["reason"], escape(e["object"]), escape(e["message"])] for e in events
    ]
    parts.append(_table(["at (s)", "type", "reason", "object", "message"], rows))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _expectation_rows(document: dict[str, Any]) -> list[list[str]]:
    rows = []
    for outcome in document["expectations"]:
        mark = "<span class='pass'>✔</span>" if outcome["passed"] else "<span class='fail'>✘</span>"
        at = "" if outcome["at"] is None else f"{outcome['at']:g}"
        rows.append(
            [mark, escape(outcome["title"]), escape(outcome["expected"]), escape(outcome["observed"]), at]
        )
    return rows


def _table(headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
