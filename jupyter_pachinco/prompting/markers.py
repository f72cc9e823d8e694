"""Where a marker's text in a model's answer is a marker, and where it is the answer's data.

End-of-turn text (``</s>``, ``<|im_end|>``), thinking tags and FIM control tokens end or
bracket an answer only where they stand as markers: in prose, or in code outside any string
literal and comment. Code that handles such text (``html.replace("</s>", "")``, a comment
about ``<|endoftext|>``) keeps it, and so does inline code in prose (`` `</s>` ``).

Code is the inside of fenced blocks (CommonMark, see `fences`), or the whole text when it has
no fence (a completion model continues the answer cell). String literals are found by a small
scanner rather than `tokenize`, because the code is often cut anywhere (still streaming, or at
the token limit): a string still open at the end runs to the end, and a one-quote string ends
at its line's end, as Python reads it. Pure logic, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..backends.reasoning import CLOSE as THINK_CLOSE
from ..backends.reasoning import OPEN as THINK_OPEN
from .fences import fenced_regions, has_fences

Span = tuple[int, int]
_TRIPLE = ("'''", '"""')
_BACKTICKS = re.compile(r"`+")


def literal_spans(code: str, offset: int = 0) -> list[Span]:
    """``[start, end)`` of every string literal (quotes included) and comment in ``code``,
    shifted by ``offset``."""
    spans: list[Span] = []
    position, size = 0, len(code)
    while position < size:
        char = code[position]
        if char == "#":
            end = code.find("\n", position)
            end = size if end < 0 else end
        elif char in "'\"":
            end = _string_end(code, position)
        else:
            position += 1
            continue
        spans.append((offset + position, offset + end))
        position = end
    return spans


def _string_end(code: str, start: int) -> int:
    quote = code[start : start + 3] if code[start : start + 3] in _TRIPLE else code[start]
    position = start + len(quote)
    while position < len(code):
        if code[position] == "\\":
            position += 2
        elif code.startswith(quote, position):
            return position + len(quote)
        elif len(quote) == 1 and code[position] == "\n":
            return position
        else:
            position += 1
    return len(code)


def inline_code_spans(prose: str, offset: int = 0) -> list[Span]:
    """``[start, end)`` of each inline code span of Markdown ``prose``, shifted by ``offset``:
    a run of backticks up to the next run of the same length on its line, or to the line's
    end when none follows (the span may still be closing while the text streams). Spans are
    read line by line, so that a prefix of a text reads as the whole text does."""
    spans: list[Span] = []
    line_start = 0
    for line in prose.split("\n"):
        runs = list(_BACKTICKS.finditer(line))
        index = 0
        while index < len(runs):
            width = len(runs[index].group())
            later = range(index + 1, len(runs))
            closing = next((k for k in later if len(runs[k].group()) == width), None)
            end = runs[closing].end() if closing is not None else len(line)
            spans.append((offset + line_start + runs[index].start(), offset + line_start + end))
            index = closing + 1 if closing is not None else len(runs)
        line_start += len(line) + 1
    return spans


def data_spans(text: str, *, code: bool = False) -> list[Span]:
    """Where marker text in ``text`` is data, in order (see the module docstring). ``code``:
    the whole text is code (ghost text in a code cell), fences or not. Spans may overlap."""
    if code:
        return literal_spans(text)
    if not has_fences(text):  # an answer cell, or prose and code without fences
        return literal_spans(text) + inline_code_spans(text)
    spans: list[Span] = []
    for start, end, is_code in fenced_regions(text):
        scan = literal_spans if is_code else inline_code_spans
        spans += scan(text[start:end], start)
    return spans


def find_marker(
    text: str, markers: Sequence[str], *, start: int = 0, code: bool = False
) -> tuple[int, str] | None:
    """The first of ``markers`` at or after ``start`` that stands as a marker, not as data:
    ``(position, marker)``, or None. ``code`` as in `data_spans`."""
    hits = sorted(
        (found, marker) for marker in markers for found in _occurrences(text, marker, start)
    )
    if not hits:
        return None
    spans = data_spans(text, code=code)
    for found, marker in hits:
        if not any(start <= found < end for start, end in spans):
            return found, marker
    return None


def _occurrences(text: str, marker: str, start: int) -> list[int]:
    found, positions = text.find(marker, start), []
    while found != -1:
        positions.append(found)
        found = text.find(marker, found + 1)
    return positions


def split_thinking(text: str) -> tuple[str, str]:
    """``(answer, reasoning)``: ``text`` without its thinking, and the thinking. Thinking is
    what lies between a ``<think>`` marker and the next ``</think>``, everything before a
    ``</think>`` marker without an opening one (the template opened it), and everything after
    a ``<think>`` marker never closed. Tags that are data (in strings, comments, inline code)
    stay in the answer."""
    reasoning: list[str] = []
    while (found := find_marker(text, (THINK_OPEN, THINK_CLOSE))) is not None:
        position, tag = found
        if tag == THINK_CLOSE:
            reasoning.append(text[:position])
            text = text[position + len(THINK_CLOSE) :].lstrip("\n")
            continue
        inside = position + len(THINK_OPEN)
        end = text.find(THINK_CLOSE, inside)
        if end < 0:
            reasoning.append(text[inside:])
            text = text[:position]
            break
        reasoning.append(text[inside:end])
        text = text[:position] + text[end + len(THINK_CLOSE) :].lstrip("\n")
    return text, "\n\n".join(part.strip() for part in reasoning if part.strip())
