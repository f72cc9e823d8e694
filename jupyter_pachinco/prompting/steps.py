"""Code that parses, split into explained steps.

Step boundaries are only ever placed between top-level statements, so every step's code parses
on its own. Where the explanations come from, first match wins:

1. step markers, comment lines at the left margin outside any statement:
   ``# Step 2: ...``, ``# Step 2. ...``, ``# **Step 2** - ...``, ``# 2. ...``, ``# 2) ...``;
   a marker's explanation goes on over the comment lines right after it while its text has no
   closing punctuation (a sentence wrapped over two comment lines);
2. plain comment lines right above a statement: each such run starts a step and explains it;
3. no comments at all: one step without explanation (``pair_with_list`` may then pair the
   statements with a numbered list from the prose).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .answer_text import is_code_line, parse_quietly, syntax_error_line, trim_blank_lines

_MARKER = re.compile(
    r"^#+\s*(?:[*_]{1,2}\s*)?step\s*\d+\s*(?:[*_]{1,2})?\s*[:.)\-\u2013\u2014]?\s*(?:[*_]{1,2})?\s*"
    r"(?P<text>.*?)\s*(?:[*_]{1,2})?\s*$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^#+\s*\d{1,2}\s*[.)]\s+(?P<text>\S.*?)\s*$")
_LIST_ITEM = re.compile(
    r"^\s*(?:(?:\d{1,2}[.)]|[-*+\u2022])\s+|(?:\*\*)?step\s*\d+\b)\s*(?P<text>\S.*)$",
    re.IGNORECASE,
)
_SENTENCE_END = (".", "!", "?", ":", ";")


@dataclass(frozen=True)
class Step:
    """One step of an answer: what it does and why (may be empty), then its code."""

    explanation: str
    code: str


Span = tuple[int, int]


def statement_spans(code: str) -> list[Span]:
    """0-based (first, last) line of each top-level statement, decorators included.

    ``code`` must parse.
    """
    spans: list[Span] = []
    for node in parse_quietly(code).body:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        last = node.end_lineno if node.end_lineno is not None else node.lineno
        spans.append((first - 1, last - 1))
    return spans


def split_into_steps(code: str) -> list[Step]:
    """The steps of ``code``, which must parse (see the module docstring)."""
    lines = code.split("\n")
    spans = statement_spans(code)
    inside = {line for first, last in spans for line in range(first, last + 1)}
    markers = [
        number
        for number, line in enumerate(lines)
        if number not in inside and marker_text(line) is not None
    ]
    if markers:
        steps = _steps_at_markers(lines, markers, inside)
    else:
        steps = _steps_at_comments(lines, spans)
    if all(syntax_error_line(step.code) is None for step in steps):
        return steps
    # Odd code (a line continuation into a comment) can defeat the line-based split.
    return [Step("", code)] if _has_code(code) else []


def marker_text(line: str) -> str | None:
    """The explanation of a step-marker comment line, or None when it is not a marker."""
    match = _MARKER.match(line) or _NUMBERED.match(line)
    return None if match is None else match["text"].strip()


def _steps_at_markers(lines: list[str], markers: list[int], inside: set[int]) -> list[Step]:
    steps: list[Step] = []
    prelude = trim_blank_lines(lines[: markers[0]])
    if _has_code(prelude):
        steps.append(Step("", prelude))
    for position, marker in enumerate(markers):
        end = markers[position + 1] if position + 1 < len(markers) else len(lines)
        explanation = [marker_text(lines[marker]) or ""]
        line = marker + 1
        while line < end and line not in inside and _continues(explanation[-1], lines[line]):
            explanation.append(comment_text(lines[line]))
            line += 1
        code = trim_blank_lines(lines[line:end])
        if _has_code(code):
            steps.append(Step(" ".join(part for part in explanation if part), code))
    return steps


def _continues(previous: str, line: str) -> bool:
    return (
        line.startswith("#")
        and bool(previous)
        and not previous.endswith(_SENTENCE_END)
        and bool(comment_text(line))
    )


def _steps_at_comments(lines: list[str], spans: list[Span]) -> list[Step]:
    """A run of comment lines above a statement starts a step; other statements join the
    step before them. Comments after the last statement are left out."""
    explanations: list[str] = []
    chunks: list[list[str]] = []
    previous_end = 0
    for first, last in spans:
        between = lines[previous_end:first]
        comments = [comment_text(line) for line in between if line.strip().startswith("#")]
        comments = [text for text in comments if text]
        if comments or not chunks:
            explanations.append(" ".join(comments))
            chunks.append([])
        else:
            chunks[-1].extend(between)
        chunks[-1].extend(lines[first : last + 1])
        previous_end = last + 1
    return [
        Step(explanation, trim_blank_lines(chunk))
        for explanation, chunk in zip(explanations, chunks, strict=True)
    ]


def comment_text(line: str) -> str:
    """A comment line's text without its ``#`` marks."""
    return re.sub(r"^\s*#+", "", line).strip()


def pair_with_list(code: str, steps: list[Step], prose: str) -> tuple[list[Step], str]:
    """One unexplained step of n statements, and a list of n items in the prose: pair them
    statement by statement and take the list out of the prose. Otherwise nothing changes."""
    if len(steps) != 1 or steps[0].explanation:
        return steps, prose
    spans = statement_spans(code)
    if len(spans) < 2:
        return steps, prose
    lines = prose.split("\n")
    for items in _lists(lines):
        if len(items) == len(spans):
            code_lines = code.split("\n")
            paired = [
                Step(clean_heading(lines[item]), trim_blank_lines(code_lines[first : last + 1]))
                for item, (first, last) in zip(items, spans, strict=True)
            ]
            kept = [line for number, line in enumerate(lines) if number not in set(items)]
            return paired, "\n".join(kept).strip()
    return steps, prose


def _lists(lines: Sequence[str]) -> list[list[int]]:
    """Line numbers of each run of list items (blank lines may separate items)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for number, line in enumerate(lines):
        if _LIST_ITEM.match(line):
            current.append(number)
        elif line.strip():
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def clean_heading(text: str) -> str:
    """A Markdown heading or list item as a plain explanation: "### Step 2: **Group** by
    city:" reads "**Group** by city"."""
    heading = re.sub(r"^\s*#{1,6}\s*", "", text.strip())
    heading = re.sub(r"^(?:[-*+\u2022]|\d{1,2}[.)])\s+", "", heading)
    heading = re.sub(
        r"^(?:\*\*|__)?\s*step\s*\d+\s*[:.)\-\u2013\u2014]?\s*(?:\*\*|__)?\s*[:.)\-\u2013\u2014]?\s*",
        "",
        heading,
        flags=re.IGNORECASE,
    )
    if heading.endswith("**") and heading.count("**") % 2 == 1:
        heading = heading[:-2]
    if heading.startswith("**") and heading.endswith("**") and heading.count("**") == 2:
        heading = heading[2:-2]
    return heading.strip().rstrip(":").strip()


def _has_code(text: str) -> bool:
    return any(is_code_line(line) for line in text.split("\n"))
