"""A scoring result as plain text for the console (``eval report``): the figures that matter,
one line per notebook, and the errors that failed most hypotheses.

Pure: text in, text out. Model output is only ever quoted by its error's first line, cut short.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

MAX_ERRORS = 5
NAME_WIDTH = 32


def console_summary(result: Mapping[str, Any]) -> str:
    """The summary of an ``eval score`` result, ready to print."""
    metrics = result.get("metrics", {})
    episodes = result.get("episodes", [])
    lines = ["Scores", *_metric_lines(metrics), "", "Notebooks", *_notebook_lines(episodes)]
    errors = common_errors(episodes)
    if errors:
        lines += ["", "Most common errors of wrong hypotheses"]
        lines += [f"  {count:5d}  {error}" for error, count in errors]
    return "\n".join(lines)


def _metric_lines(metrics: Mapping[str, Any]) -> list[str]:
    passes = sorted(
        (int(name.split("@")[1]), value)
        for name, value in metrics.items()
        if name.startswith("pass@") and name.split("@")[1].isdigit()
    )
    lines = [f"  pass@{k:<3d} {_percent(value)}" for k, value in passes]
    for name in ("maj@1", "episode_accuracy@1"):
        if name in metrics:
            lines.append(f"  {name:<8s} {_percent(metrics[name])}")
    evaluated = metrics.get("num_evaluated_problems", 0)
    lines.append(
        f"  {evaluated} problems evaluated of {metrics.get('num_problems', 0)} "
        f"({metrics.get('num_reference_failures', 0)} excluded: their reference failed), "
        f"{metrics.get('num_hypotheses', 0)} hypotheses, "
        f"{metrics.get('num_timeouts', 0)} timed out"
    )
    return lines


def _notebook_lines(episodes: Sequence[Mapping[str, Any]]) -> list[str]:
    header = f"  {'notebook':<{NAME_WIDTH}s} {'turns':>5s} {'first ok':>8s} {'any ok':>6s}"
    lines = [header]
    for episode in episodes:
        turns = [turn for turn in episode.get("turns", []) if not turn.get("excluded")]
        first = sum(1 for t in turns if t.get("hypotheses") and t["hypotheses"][0].get("correct"))
        anyone = sum(1 for t in turns if any(h.get("correct") for h in t.get("hypotheses", [])))
        name = str(episode.get("notebook_name", "?"))
        if len(name) > NAME_WIDTH:
            name = "..." + name[-(NAME_WIDTH - 3) :]
        lines.append(f"  {name:<{NAME_WIDTH}s} {len(turns):5d} {first:8d} {anyone:6d}")
    return lines


def common_errors(episodes: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """The first lines of the errors of wrong hypotheses, most frequent first ("wrong output"
    for those that ran but gave another answer)."""
    counted: Counter[str] = Counter()
    for episode in episodes:
        for turn in episode.get("turns", []):
            if turn.get("excluded"):
                continue
            for hypothesis in turn.get("hypotheses", []):
                if not hypothesis.get("correct"):
                    counted[_first_line(hypothesis.get("error"))] += 1
    return counted.most_common(MAX_ERRORS)


def _first_line(error: object) -> str:
    if not error:
        return "wrong output (it ran)"
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    text = lines[-1] if lines else "an error"
    return text if len(text) <= 100 else text[:97] + "..."


def _percent(value: object) -> str:
    return f"{100 * value:5.1f}%" if isinstance(value, int | float) else str(value)
