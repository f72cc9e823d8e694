"""An observation written for the model, within a budget of its tokens (and what it holds).

Pure logic over the observation dicts of ``execution.observations`` (which came from a process
that ran model code: every field is read defensively, as text or numbers, never trusted to
have a shape). The text has sections, most useful first: the outcome (ran, or raised what),
the traceback's relevant frames, the value (type, shape, columns and dtypes, a few rows), the
variables created or changed, what was printed (head and tail), warnings, and the figures in
words (kind, title, axes, series). When the whole does not fit ``budget`` tokens, each
section is cut shorter in turn (``LIMITS``), then the least useful ones are dropped, then the
text itself is cut; the outcome line always stays. Everything is valid Unicode
(``safe_text``); where the text goes into a prompt, the prompt's writers keep it inside its
comment lines or its fence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jupyter_pachinco.context.safe_text import safe_text

#: Characters per section, tried in turn until the text fits.
LIMITS = (2_000, 900, 400, 160, 60)
MAX_ITEMS = 8

CountTokens = Callable[[str], int]


def observation_text(observation: Mapping[str, Any] | None, budget: int, count: CountTokens) -> str:
    """``observation`` as text of at most ``budget`` tokens (counted with ``count``)."""
    if not isinstance(observation, Mapping):
        return "Nothing was observed."
    sections = _sections(observation)
    head, rest = sections[0], sections[1:]
    for limit in LIMITS:
        text = _join([head] + [_cut(section, limit) for section in rest])
        if count(text) <= budget:
            return text
    while rest:
        rest.pop()
        text = _join([head] + [_cut(section, LIMITS[-1]) for section in rest])
        if count(text) <= budget:
            return text
    return _fit(head, budget, count)


def produced_something(observation: Mapping[str, Any] | None) -> bool:
    """Whether a step that ran gave anything to see: a value, a variable, output or a figure."""
    if not isinstance(observation, Mapping):
        return False
    stdout = observation.get("stdout")
    printed = isinstance(stdout, Mapping) and bool(_number(stdout.get("chars")))
    return bool(
        has_value(observation)
        or observation.get("variables")
        or printed
        or observation.get("figures")
    )


def has_value(observation: Mapping[str, Any] | None) -> bool:
    """Whether the step gave a value (its last expression, or the one variable it wrote) or
    drew a figure: what the last step of a task must give."""
    if not isinstance(observation, Mapping):
        return False
    return observation.get("value") is not None or bool(observation.get("figures"))


def error_line(observation: Mapping[str, Any] | None) -> str | None:
    """``KeyError: 'fair'`` for an observation of an error, else None."""
    error = observation.get("error") if isinstance(observation, Mapping) else None
    if not isinstance(error, Mapping):
        return None
    message = _str(error.get("message"))
    return (
        f"{_str(error.get('type')) or 'Error'}: {message}" if message else _str(error.get("type"))
    )


def _sections(observation: Mapping[str, Any]) -> list[str]:
    error = observation.get("error")
    seconds = _number(observation.get("seconds"))
    if isinstance(error, Mapping):
        head = f"It raised {error_line(observation)}."
        sections = [head, _str(error.get("text"))]
    else:
        head = (
            f"It ran without an error ({seconds:.2f} s)."
            if seconds is not None
            else "It ran without an error."
        )
        sections = [head]
    value = observation.get("value")
    sections.append(_value(value))
    shown = _str(value.get("variable")) if isinstance(value, Mapping) else ""
    sections.append(_variables(observation.get("variables"), skip=shown))
    sections.append(_stream("Printed", observation.get("stdout")))
    sections.append(_stream("Warnings and messages", observation.get("stderr")))
    sections.append(_figures(observation.get("figures")))
    kept = [safe_text(section) for section in sections if section]
    if len(kept) == 1 and not isinstance(error, Mapping):
        kept.append("It gave no value, changed no variable, printed nothing and drew nothing.")
    return kept


def _value(value: object) -> str:
    if not isinstance(value, Mapping):
        return ""
    kind = _str(value.get("type")) or "object"
    variable = _str(value.get("variable"))
    parts = [f"Value: the variable {variable}, a {kind}" if variable else f"Value: {kind}"]
    shape = _shape(value.get("shape"))
    if shape:
        parts.append(f"shape {shape}")
    if value.get("dtype"):
        parts.append(f"dtype {_str(value.get('dtype'))}")
    line = ", ".join(parts)
    columns = value.get("columns")
    if isinstance(columns, list) and columns:
        named = [
            f"{_str(c.get('name'))} ({_str(c.get('dtype'))})"
            for c in columns
            if isinstance(c, Mapping)
        ]
        omitted = _number(value.get("columns_omitted")) or 0
        line += "\nColumns: " + ", ".join(named) + (f", and {int(omitted)} more" if omitted else "")
    preview = _str(value.get("preview"))
    return f"{line}\n{preview}" if preview else line


def _variables(variables: object, skip: str = "") -> str:
    """The variables the step created or changed, but ``skip`` (shown as the value)."""
    if not isinstance(variables, list):
        return ""
    entries = [
        e for e in variables if isinstance(e, Mapping) and (not skip or e.get("name") != skip)
    ]
    if not entries:
        return ""
    lines = [
        "Other variables it created or changed:" if skip else "Variables it created or changed:"
    ]
    for entry in entries[:MAX_ITEMS]:
        change = "new" if entry.get("change") == "new" else "changed"
        detail = _str(entry.get("type"))
        shape = _shape(entry.get("shape"))
        if shape:
            detail += f" {shape}"
        columns = entry.get("columns")
        if isinstance(columns, list) and columns:
            names = [
                f"{_str(c.get('name'))} {_str(c.get('dtype'))}"
                for c in columns
                if isinstance(c, Mapping)
            ]
            detail += ": " + ", ".join(names)
        elif entry.get("value") is not None:
            detail += f" = {_str(entry.get('value'))}"
        lines.append(f"- {_str(entry.get('name'))} ({change}): {detail}")
    return "\n".join(lines)


def _stream(title: str, stream: object) -> str:
    if not isinstance(stream, Mapping):
        return ""
    chars = _number(stream.get("chars")) or 0
    if not chars:
        return ""
    head, tail = _str(stream.get("head")), _str(stream.get("tail"))
    lines = _number(stream.get("lines")) or 0
    text = (
        head
        if not tail
        else f"{head}\n[... {int(chars) - len(head) - len(tail)} characters ...]\n{tail}"
    )
    return f"{title} ({int(lines)} lines, {int(chars)} characters):\n{text.rstrip()}"


def _figures(figures: object) -> str:
    if not isinstance(figures, list) or not figures:
        return ""
    lines = []
    for number, figure in enumerate(figures[:MAX_ITEMS], start=1):
        if not isinstance(figure, Mapping):
            continue
        words = [f"Figure {number}: {_str(figure.get('kind')) or 'a'} chart"]
        if figure.get("title"):
            words.append(f"titled {_str(figure.get('title'))!r}")
        axes = [a for a in figure.get("axes") or [] if isinstance(a, Mapping)]
        for ax in axes[:MAX_ITEMS]:
            labels = [
                f"x: {_str(ax.get('xlabel'))}" if ax.get("xlabel") else "",
                f"y: {_str(ax.get('ylabel'))}" if ax.get("ylabel") else "",
            ]
            shown = ", ".join(label for label in labels if label)
            if shown:
                words.append(f"({shown})")
        words.append(f"with {int(_number(figure.get('series')) or 0)} series")
        lines.append(" ".join(words))
    return "\n".join(lines)


def _shape(shape: object) -> str:
    if isinstance(shape, list) and all(isinstance(n, int) for n in shape) and shape:
        return " x ".join(str(n) for n in shape)
    return ""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _fit(text: str, budget: int, count: CountTokens) -> str:
    while text and count(text) > budget:
        text = text[: max(0, int(len(text) * 0.8) - 1)] + "…" if len(text) > 1 else ""
    return text


def _join(sections: list[str]) -> str:
    return "\n".join(section for section in sections if section)


def _str(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
