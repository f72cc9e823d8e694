"""The figures a step drew: rendered to PNG with Agg for the UI, described in words for the model.

Kernel side (standard library only; matplotlib is used only when the step's code imported it:
it is looked up in ``sys.modules``, never imported here). Runs in a scratch session or in one of
its trial children, whose plotting backend ``forks`` has set to Agg, so nothing is shown.

Each open pyplot figure becomes ``{"kind", "title", "axes": [{"title", "xlabel", "ylabel",
"kind", "series", "labels"}], "series", "width", "height", "png"}``: ``kind`` is what most of
its drawing is (``line``, ``bar``, ``scatter``, ``image``, ``pie``, ``empty``), ``series`` how
many lines, bar groups and point clouds it holds, ``png`` the base64 PNG at ``DPI`` (None when
not rendered, or larger than ``MAX_PNG_BYTES``). At most ``MAX_FIGURES`` figures are kept.
"""

from __future__ import annotations

import base64
import contextlib
import io
import sys
from typing import Any

MAX_FIGURES = 4
MAX_PNG_BYTES = 512 * 1024
DPI = 72
MAX_LABELS = 8
MAX_TEXT = 120


def capture_figures(render_png: bool, close: bool) -> list[dict[str, Any]]:
    """Describe (and with ``render_png`` render) every open pyplot figure; ``close`` closes
    them afterwards, as a notebook's inline backend does after each cell. Never raises."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return []
    try:
        numbers = list(pyplot.get_fignums())
    except Exception:  # a broken matplotlib state: no figures to report
        return []
    figures = []
    for number in numbers[:MAX_FIGURES]:
        try:
            figure = pyplot.figure(number)
            figures.append(_figure_entry(figure, render_png))
        except Exception as exc:  # drawing user figures may fail in many ways
            figures.append({"kind": "unreadable", "error": f"{type(exc).__name__}: {exc}"[:200]})
    if close:
        # Closing is a courtesy; a failure leaves figures open, no more.
        with contextlib.suppress(Exception):
            pyplot.close("all")
    return figures


def _figure_entry(figure: Any, render_png: bool) -> dict[str, Any]:
    axes = [_describe_axes(ax) for ax in list(figure.axes)[:MAX_LABELS]]
    kinds = [ax["kind"] for ax in axes if ax["kind"] != "empty"]
    suptitle = getattr(figure, "_suptitle", None)
    title = _text(suptitle.get_text()) if suptitle is not None else ""
    width, height = (float(v) for v in figure.get_size_inches())
    return {
        "kind": max(set(kinds), key=kinds.count) if kinds else "empty",
        "title": title or next((ax["title"] for ax in axes if ax["title"]), ""),
        "axes": axes,
        "series": sum(ax["series"] for ax in axes),
        "width": round(width * DPI),
        "height": round(height * DPI),
        "png": _png(figure) if render_png else None,
    }


def _describe_axes(ax: Any) -> dict[str, Any]:
    lines = list(ax.get_lines())
    bars = [c for c in ax.containers if type(c).__name__ == "BarContainer"]
    points = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    wedges = [p for p in ax.patches if type(p).__name__ == "Wedge"]
    images = list(ax.images)
    counts = {
        "line": len(lines),
        "bar": len(bars) or (1 if _rectangles(ax) > 1 else 0),
        "scatter": len(points),
        "pie": 1 if wedges else 0,
        "image": len(images),
    }
    drawn = {kind: count for kind, count in counts.items() if count}
    legend = ax.get_legend()
    labels = [_text(t.get_text()) for t in legend.get_texts()] if legend is not None else []
    return {
        "kind": max(drawn, key=lambda kind: drawn[kind]) if drawn else "empty",
        "title": _text(ax.get_title()),
        "xlabel": _text(ax.get_xlabel()),
        "ylabel": _text(ax.get_ylabel()),
        "series": counts["line"] + counts["bar"] + counts["scatter"] + counts["pie"],
        "labels": labels[:MAX_LABELS],
    }


def _rectangles(ax: Any) -> int:
    return sum(1 for patch in ax.patches if type(patch).__name__ == "Rectangle")


def _png(figure: Any) -> str | None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    data = buffer.getvalue()
    if len(data) > MAX_PNG_BYTES:
        return None
    return base64.b64encode(data).decode("ascii")


def _text(value: object) -> str:
    text = str(value or "")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
