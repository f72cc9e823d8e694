"""Model text, cleaned up into segments of prose and code, and code that always parses.

Model families have their habits: Markdown fences with or without a language tag, ``~~~``
fences, CodeLlama's ``[PYTHON]`` tags, ``<think>`` sections, end-of-turn tokens left in the
text, Windows newlines, ``>>>`` prompts, notebook ``# In[ ]:`` headers, and a last line cut
off when the token limit is reached. Everything here is pure text work.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .fences import CODE_LANGUAGES, Fence, fence_of, has_fences
from .markers import find_marker, split_thinking
from .transcripts import input_code

END_OF_TURN = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>")
__all__ = ["CODE_LANGUAGES", "END_OF_TURN", "has_fences"]
_CELL_HEADER = re.compile(r"^\s*#\s*In\s*\[[^\]\n]*\]\s*:?\s*$")
_SOLUTION_OR_PROBLEM = re.compile(r"^#\s*(?:Solution|Problem)\s*:", re.IGNORECASE)
_PROSE_LINE = re.compile(
    r"^(?:[-*+>]|\d+[.)]|\*\*)?\s*[A-Za-z][\w'\u2019-]*\**[,:;!?.]?\**\s+[A-Za-z`*\"'(]"
)


@dataclass(frozen=True)
class Segment:
    """A stretch of model text: prose, or the inside of a code fence (``language`` lowercased,
    ``closed`` False for a fence still open at the end of the text)."""

    kind: Literal["prose", "code"]
    text: str
    language: str = ""
    closed: bool = True


@dataclass(frozen=True)
class CleanCode:
    """Code that parses, with the prose found around it and whether a next cell began."""

    code: str
    prose_before: str
    prose_after: str
    next_cell_began: bool


def normalize(text: str) -> tuple[str, bool, str]:
    """Unix newlines, no NUL bytes, CodeLlama's tags as fences, no thinking
    (`markers.split_thinking`), cut at an end-of-turn marker that is not data (`end_of_turn`).

    Returns the text, whether an end-of-turn marker was found, and the thinking taken out.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"^\s*\[PYTHON\]\s*$", "```python", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*\[/PYTHON\]\s*$", "```", text, flags=re.MULTILINE)
    text, reasoning = split_thinking(text)
    found = end_of_turn(text)
    return (text, False, reasoning) if found is None else (text[:found], True, reasoning)


def end_of_turn(text: str) -> int | None:
    """Where an end-of-turn marker ends ``text``: the first one that is not data (a string,
    a comment or inline code: see `markers`), or None."""
    found = find_marker(text, END_OF_TURN)
    return None if found is None else found[0]


def split_segments(text: str) -> list[Segment]:
    """Prose and fenced code, in order, by CommonMark's fence rules (see ``fences``); content
    lines lose the opening fence's indentation. An unclosed block runs to the end of the text.
    Two model habits are read kindly: a tagged fence line of the same kind inside an open
    fence closes it and opens another, and a lone closing fence after code (code, a bare
    fence, then a remark) closes the code before it."""
    segments: list[Segment] = []
    lines: list[str] = []
    opened: Fence | None = None
    for line in text.split("\n"):
        fence = fence_of(line)
        if opened is None and fence is not None:
            segments.append(Segment("prose", "\n".join(lines)))
            lines, opened = [], fence
        elif opened is not None and fence is not None and opened.closed_by(fence):
            segments.append(Segment("code", "\n".join(lines), opened.language))
            lines, opened = [], None
        elif opened is not None and fence is not None and opened.reopened_by(fence):
            segments.append(Segment("code", "\n".join(lines), opened.language))
            lines, opened = [], fence
        else:
            lines.append(_unindented(line, opened.indent) if opened is not None else line)
    if opened is None:
        segments.append(Segment("prose", "\n".join(lines)))
    else:
        segments.append(Segment("code", "\n".join(lines), opened.language, closed=False))
    return _with_lone_closing_fence(segments)


def _unindented(line: str, indent: int) -> str:
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


def _with_lone_closing_fence(segments: list[Segment]) -> list[Segment]:
    """Read a last, unclosed, untagged block that is no code, after prose that is code, as
    code closed by a lone fence (the model never opened it) followed by a remark."""
    last = segments[-1]
    if last.kind != "code" or last.closed or last.language or len(segments) < 2:
        return segments
    before = segments[-2]
    if _holds_code(last.text) or not _holds_code(before.text):
        return segments
    return [*segments[:-2], Segment("code", before.text), Segment("prose", last.text)]


def _holds_code(text: str) -> bool:
    """Whether the text, read as an unfenced answer, ends in code: no remark cut away after it."""
    if not any(is_code_line(line) for line in text.split("\n")):
        return False
    clean = clean_code(text)
    return bool(clean.code) and not clean.prose_after.strip()


def is_code_line(line: str) -> bool:
    """ARCADE's test for a line of code: neither blank, a comment nor a ``%`` magic."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "%"))


def first_code_cell(lines: list[str]) -> tuple[list[str], bool]:
    """ARCADE's first-cell rule: the first cell (between ``# In[ ]:`` headers) with a line of
    code. Returns its lines and whether a later cell began after it."""
    cells: list[list[str]] = [[]]
    for line in lines:
        if _CELL_HEADER.match(line):
            cells.append([])
        else:
            cells[-1].append(line)
    for position, cell in enumerate(cells):
        if any(is_code_line(line) for line in cell):
            return cell, position + 1 < len(cells)
    return cells[0], len(cells) > 1


def clean_code(text: str) -> CleanCode:
    """The code in ``text`` (a fence's inside, or a whole unfenced answer), made to parse."""
    lines = _without_prompts(textwrap.dedent(text).split("\n"))
    lines, next_cell = first_code_cell(lines)
    lines = _without_headers_and_magics(lines)
    before, code, after = salvage(lines)
    trimmed = trim_blank_lines(code)
    if syntax_error_line(trimmed) is not None:
        # A line continuation into a blank line: the blank lines are part of the code.
        trimmed = "\n".join(code)
    return CleanCode(trimmed, trim_blank_lines(before), trim_blank_lines(after), next_cell)


def salvage(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split ``lines`` into (prose before, code that parses, prose after).

    A syntax error on the first line moves that line to the prose before when it reads like a
    sentence; any other error cuts the code there. What is cut goes to the prose after when it
    reads like a sentence set off by a blank line; else it is a cut-off line, dropped with
    the comments right above it.
    """
    before: list[str] = []
    after: list[str] = []
    cut_off = False
    while (error_line := syntax_error_line("\n".join(lines))) is not None:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        cut = min(max(error_line - 1, 0), len(lines) - 1)
        if cut <= first and looks_like_prose(lines[first]):
            before.extend(lines[: first + 1])
            lines = lines[first + 1 :]
            continue
        dropped, lines = lines[cut:], lines[:cut]
        if looks_like_prose(dropped[0]) and (not lines or not lines[-1].strip()):
            after = dropped + after
        else:
            cut_off = True
    return before, _without_dangling_comments(lines) if cut_off else lines, after


def _without_dangling_comments(lines: list[str]) -> list[str]:
    """A comment left above cut-off code ("# Step 3: ...") goes with it, unless the code
    only parsed with it (the end of a string that starts with ``#``)."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    if syntax_error_line("\n".join(lines[:end])) is None:
        return lines[:end]
    return lines


def syntax_error_line(code: str) -> int | None:
    """The line of the first syntax error in ``code``, or None when it parses."""
    try:
        parse_quietly(code)
    except SyntaxError as error:
        return error.lineno or code.count("\n") + 1
    except (ValueError, RecursionError, MemoryError):
        # Too deeply nested or otherwise refused by the compiler: treat as not parsing.
        return code.count("\n") + 1
    return None


def parse_quietly(code: str) -> ast.Module:
    """``ast.parse`` without the warnings (invalid escapes) that a strict filter would raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)


def looks_like_prose(line: str) -> bool:
    """A line that reads like a sentence ("Sure! Here is the code:"), not like code."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or stripped.endswith(("(", "[", "{", ",", "\\")):
        return False
    return _PROSE_LINE.match(stripped) is not None


def _without_prompts(lines: list[str]) -> list[str]:
    """Console prompts removed (``>>>``, ``In [n]:``); in a transcript, outputs too."""
    return input_code(lines, looks_like_prose)


def _without_headers_and_magics(lines: list[str]) -> list[str]:
    """Drop a restated ``# Problem:`` / ``# Solution:`` header at the top and line magics or
    shell escapes (the code must parse as Python; a kernel would run them)."""
    start = 0
    while start < len(lines) and (
        not lines[start].strip() or _SOLUTION_OR_PROBLEM.match(lines[start])
    ):
        start += 1
    return [line for line in lines[start:] if not line.startswith(("%", "!"))]


def trim_blank_lines(lines: Sequence[str]) -> str:
    """The lines without blank ones at either end, joined."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])
