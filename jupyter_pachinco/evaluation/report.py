"""A self-contained HTML report of a scoring run: pass@k plot, per-notebook tables, failures.

Everything that comes from a dataset or a model is escaped: model output is untrusted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#1a7f37}.bad{color:#b42318}.muted{color:#777}
pre{background:#f6f8fa;padding:.5em;white-space:pre-wrap;margin:0}
"""


def render_html_report(
    report: Mapping[str, Any], title: str = "ARCADE evaluation", extra: Sequence[str] = ()
) -> str:
    """The page; ``extra`` are HTML sections put after the metrics (e.g. ``breakdown_html``)."""
    metrics = report.get("metrics", {})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        "<h2>Metrics</h2>",
        metrics_table(metrics),
        pass_at_k_svg(metrics),
        *extra,
        "<h2>Notebooks</h2>",
    ]
    for episode in report.get("episodes", []):
        parts.append(episode_section(episode))
    parts.append("<h2>Failing hypotheses</h2>")
    parts.append(failures_section(report.get("episodes", [])))
    parts.append("</body></html>")
    return "\n".join(parts)


def metrics_table(metrics: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(name))}</th><td>{escape(_format_number(value))}</td></tr>"
        for name, value in metrics.items()
    )
    return f"<table>{rows}</table>"


def pass_at_k_points(metrics: Mapping[str, Any]) -> list[tuple[int, float]]:
    points: list[tuple[int, float]] = []
    for name, value in metrics.items():
        prefix, _, k = str(name).partition("@")
        if prefix == "pass" and k.isdigit() and isinstance(value, (int, float)):
            points.append((int(k), float(value)))
    return sorted(points)


def pass_at_k_svg(metrics: Mapping[str, Any], width: int = 420, height: int = 240) -> str:
    """pass@k against k as an inline SVG line plot (k on a log scale)."""
    points = pass_at_k_points(metrics)
    if not points:
        return '<p class="muted">No pass@k values to plot.</p>'
    left, bottom, right, top = 50, height - 35, width - 20, 15
    ks = [k for k, _ in points]
    span = max(1.0, _log_k(max(ks)) - _log_k(min(ks)))

    def x(k: int) -> float:
        return left + (right - left) * (_log_k(k) - _log_k(min(ks))) / span

    def y(value: float) -> float:
        return bottom - (bottom - top) * value

    line = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in points)
    marks = "".join(
        f'<circle cx="{x(k):.1f}" cy="{y(v):.1f}" r="3"/>'
        f'<text x="{x(k):.1f}" y="{y(v) - 7:.1f}" text-anchor="middle" font-size="11">'
        f"{100 * v:.1f}</text>"
        f'<text x="{x(k):.1f}" y="{bottom + 15}" text-anchor="middle" font-size="11">{k}</text>'
        for k, v in points
    )
    axes = (
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{top}" stroke="#888"/>'
        f'<text x="{left - 8}" y="{top + 4}" text-anchor="end" font-size="11">100%</text>'
        f'<text x="{left - 8}" y="{bottom}" text-anchor="end" font-size="11">0%</text>'
        f'<text x="{(left + right) / 2}" y="{height - 5}" text-anchor="middle" '
        'font-size="12">k</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'role="img" aria-label="pass@k plot">'
        f'{axes}<polyline fill="none" stroke="#2f6fde" stroke-width="2" points="{line}"/>'
        f'<g fill="#2f6fde">{marks}</g></svg>'
    )


def _log_k(k: int) -> float:
    return math.log10(k)


def episode_section(episode: Mapping[str, Any]) -> str:
    rows = []
    for turn in episode.get("turns", []):
        hypotheses = turn.get("hypotheses", [])
        correct = sum(1 for h in hypotheses if h.get("correct"))
        status = (
            f'<span class="muted">excluded: {escape(str(turn.get("reference_error")))}</span>'
            if turn.get("excluded")
            else f"{correct} / {len(hypotheses)} correct"
        )
        rows.append(
            f"<tr><td>{escape(str(turn.get('turn_index')))}</td>"
            f"<td>{escape(str(turn.get('intent', '')))}</td><td>{status}</td></tr>"
        )
    name = escape(str(episode.get("notebook_name", "")))
    header = "<tr><th>turn</th><th>intent</th><th>result</th></tr>"
    return f"<h3>{name}</h3><table>{header}{''.join(rows)}</table>"


def failures_section(episodes: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for episode in episodes:
        name = escape(str(episode.get("notebook_name", "")))
        for turn in episode.get("turns", []):
            if turn.get("excluded"):
                continue
            for index, hypothesis in enumerate(turn.get("hypotheses", [])):
                if hypothesis.get("correct"):
                    continue
                error = hypothesis.get("error") or "wrong output"
                rows.append(
                    f"<tr><td>{name}</td><td>{escape(str(turn.get('turn_index')))}</td>"
                    f"<td>{index}</td><td><pre>{escape(str(hypothesis.get('code', '')))}</pre>"
                    f'</td><td class="bad">{escape(str(error))}</td></tr>'
                )
    if not rows:
        return '<p class="ok">Every evaluated hypothesis is correct.</p>'
    header = "<tr><th>notebook</th><th>turn</th><th>#</th><th>code</th><th>error</th></tr>"
    return f"<table>{header}{''.join(rows)}</table>"


def _format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
