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

END_OF_TURN = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>")
CODE_LANGUAGES = frozenset(
    {"", "python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "jupyter", "pandas"}
)

_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_CELL_HEADER = re.compile(r"^\s*#\s*In\s*\[[^\]\n]*\]\s*:?\s*$")
_SOLUTION_OR_PROBLEM = re.compile(r"^#\s*(?:Solution|Problem)\s*:", re.IGNORECASE)
_PROSE_LINE = re.compile(
    r"^(?:[-*+>]|\d+[.)]|\*\*)?\s*[A-Za-z][\w'\u2019-]*\**[,:;!?.]?\**\s+[A-Za-z`*\"'(]"
)
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)


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


def normalize(text: str) -> tuple[str, bool]:
    """Unix newlines, no NUL bytes, no thinking sections, cut at an end-of-turn token.

    Returns the text and whether an end-of-turn token was found.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    ended = False
    for token in END_OF_TURN:
        if token in text:
            text, ended = text[: text.index(token)], True
    text = _THINKING.sub("", text)
    if "<think>" in text:
        text = text[: text.index("<think>")]
    text = re.sub(r"^\s*\[PYTHON\]\s*$", "```python", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*\[/PYTHON\]\s*$", "```", text, flags=re.MULTILINE)
    return text, ended


def has_fences(text: str) -> bool:
    return any(_FENCE.match(line) for line in text.split("\n"))


def split_segments(text: str) -> list[Segment]:
    """Prose and fenced code, in order; a fence line with a language tag inside an open fence
    closes it and opens another (models forget closing fences)."""
    segments: list[Segment] = []
    lines: list[str] = []
    open_fence: tuple[str, str] | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match is None:
            lines.append(line)
            continue
        fence, info = match["fence"], match["info"].lower()
        if open_fence is None:
            segments.append(Segment("prose", "\n".join(lines)))
            lines, open_fence = [], (fence, info)
        elif info or (fence[0] == open_fence[0][0] and len(fence) >= len(open_fence[0])):
            segments.append(Segment("code", "\n".join(lines), open_fence[1]))
            lines, open_fence = [], ((fence, info) if info else None)
        else:
            lines.append(line)
    if open_fence is None:
        segments.append(Segment("prose", "\n".join(lines)))
    else:
        segments.append(Segment("code", "\n".join(lines), open_fence[1], closed=False))
    return segments


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
    """Interactive ``>>>`` prompts removed; in a doctest-like answer, output lines too."""
    first = next((line for line in lines if line.strip()), "")
    if not first.startswith(">>>"):
        return [line[4:] if line.startswith(">>> ") else line for line in lines]
    kept: list[str] = []
    for line in lines:
        if line.startswith((">>> ", "... ")):
            kept.append(line[4:])
        elif line in (">>>", "...") or not line.strip():
            kept.append("")
    return kept


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
