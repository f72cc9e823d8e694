"""Results of a scored mined set, by notebook and by kind of task (``eval report --dataset``).

Kinds come from ``classify_reference`` (filtering, grouping, merge, time series, plotting,
other), read from each turn's ``metadata.kinds`` in a mined dataset, or classified from the
reference code when a dataset has none. Each group gets the metrics ``eval score`` computes
(pass@k, maj@1) over its evaluated turns; a turn of several kinds counts in each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .metrics import summarize
from .mining.notebooks import classify_reference


def turn_kinds(dataset: Sequence[Mapping[str, Any]]) -> dict[tuple[str, int], list[str]]:
    """(notebook_name, turn index) -> kinds, for every turn of an ARCADE dataset."""
    kinds: dict[tuple[str, int], list[str]] = {}
    for episode in dataset:
        for index, example in enumerate(episode.get("turns", [])):
            recorded = example.get("metadata", {}).get("kinds")
            code = str(example.get("turn", {}).get("code", {}).get("value", ""))
            kinds[(str(episode.get("notebook_name")), index)] = list(
                recorded or classify_reference(code)
            )
    return kinds


def breakdown(
    result: Mapping[str, Any], dataset: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{"notebook": {name: metrics}, "kind": {kind: metrics}}``; metrics include ``turns``."""
    kinds = turn_kinds(dataset)
    groups: dict[str, dict[str, list[Mapping[str, Any]]]] = {"notebook": {}, "kind": {}}
    for episode in result.get("episodes", []):
        name = str(episode.get("notebook_name"))
        for turn in episode.get("turns", []):
            if turn.get("excluded"):
                continue
            groups["notebook"].setdefault(name, []).append(turn)
            for kind in kinds.get((name, int(turn.get("turn_index", -1))), ["other"]):
                groups["kind"].setdefault(kind, []).append(turn)
    return {
        axis: {key: _metrics(turns) for key, turns in sorted(by_key.items())}
        for axis, by_key in groups.items()
    }


def _metrics(turns: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    verdicts = [[bool(h.get("correct")) for h in t.get("hypotheses", [])] for t in turns]
    majority = [bool(t.get("majority", {}).get("correct")) for t in turns]
    return {"turns": float(len(turns)), **summarize(verdicts, majority)}


def breakdown_html(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> list[str]:
    """One HTML table per axis (notebook, kind), escaped."""
    sections = []
    for axis, title in (("kind", "By kind of task"), ("notebook", "By notebook")):
        rows = table.get(axis, {})
        names = sorted({name for metrics in rows.values() for name in metrics})
        header = f"<tr><th>{axis}</th>" + "".join(f"<th>{escape(n)}</th>" for n in names)
        body = "".join(
            f"<tr><td>{escape(key)}</td>"
            + "".join(f"<td>{_number(metrics.get(n))}</td>" for n in names)
            + "</tr>"
            for key, metrics in rows.items()
        )
        sections.append(f"<h2>{title}</h2><table>{header}</tr>{body}</table>")
    return sections


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() and value > 1 else f"{value:.3f}"
