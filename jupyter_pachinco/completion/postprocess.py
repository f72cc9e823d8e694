"""What of a model's middle becomes the ghost text: `clean_suggestion`.

Rules, in order:

1. FIM control tokens and end-of-turn markers and anything after them go (a model that runs
   on past its middle), unless they are data: inside a string literal or a comment of the cell
   (``html.replace("</s>", "")``, see `prompting.markers`); then what chat models add around
   code goes: a fence and prose before it, and a restatement of the text before the cursor
   (`chat_habits`: each reading, with and without it, goes through the rules below, and the
   parse check picks, the reading without the restatement first);
2. it stops at the end of the block: at a line indented less than the cursor's line (no deeper
   than it, when the cursor's line opens a block with ``:``), at a blank line when the cursor
   is at the top level, and at a new cell header;
3. when the rest of the cursor's line holds text, it is one line only;
4. it never repeats the text after the cursor: the longest end of the suggestion that the text
   after the cursor starts with is dropped (``df["a`` + ``"]`` after the cursor: the model's
   ``b"]`` becomes ``b``), or it is cut where it writes the rest of the cursor's line again
   (``pclass")["fare"]`` before ``")`` becomes ``pclass``); the longest cut with which the
   cell parses wins;
5. it is cut to ``max_chars``;
6. it is dropped when the cell with it does not parse, unless the only trouble is that the cell
   is still incomplete (an open bracket or block that later typing will close);
7. but a suggestion that the length limit cut off (``truncated``, or longer than ``max_chars``)
   is not judged by its broken end: it is trimmed back, at a word boundary, to its longest
   start with which the cell parses (or, failing that, is only incomplete). The model's
   ``continent')['total_litres_of_pure_`` after ``drinks.groupby('`` becomes ``continent')``.

While streaming (``final=False``) the shortest cut is shown and the parse check waits.

Pure logic, no I/O.
"""

from __future__ import annotations

import ast
import re

from ..backends.fim import FIM_FAMILIES
from ..prompting.answer_text import END_OF_TURN
from ..prompting.markers import find_marker
from .chat_habits import restatements, still_restating, without_fence

_CONTROL = tuple(
    {token for family in FIM_FAMILIES.values() for token in (*family.tokens, *family.stops)}
    | set(END_OF_TURN)
)
_INCOMPLETE = (
    "was never closed",
    "unexpected EOF",
    "expected an indented block",
    "unterminated triple-quoted",
    "incomplete input",
)
_MAGIC_LINE = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)


def clean_suggestion(
    text: str,
    before: str,
    after: str,
    *,
    max_chars: int = 400,
    final: bool = True,
    truncated: bool = False,
) -> str:
    """The ghost text for a model's ``text`` at a cursor between ``before`` and ``after``
    (the active cell's text); "" when nothing is worth showing. ``final`` is False while the
    text is still streaming: then the parse check (rule 6) is left for the end. ``truncated``:
    the model stopped at its token limit, not at its own end (rule 7)."""
    text = without_fence(_cut_at_control(text, before), final=final)
    if not final and still_restating(text, before):
        return ""
    groups = [_cuts(variant, before, after) for variant in restatements(text, before)]
    truncated = truncated or any(len(c) > max_chars for group in groups for c in group)
    groups = [[c[:max_chars] for c in group if c[:max_chars].strip()] for group in groups]
    candidates = [c for group in groups for c in group]
    if not candidates:
        return ""
    if not final:  # the most restated text taken away, its shortest cut
        return next(group[-1] for group in groups if group)
    for check in (_parses, parses_or_incomplete):
        for candidate in candidates:
            if check(before + candidate + after):
                return candidate
    return _sound_start(candidates[0], before, after) if truncated else ""


def _cuts(text: str, before: str, after: str) -> list[str]:
    """Rules 2-4 for one reading of the text: its block, one line before text on the cursor's
    line, and the ways not to repeat the text after the cursor, longest first."""
    text = _within_block(text, before)
    if after.split("\n", 1)[0].strip():
        text = text.split("\n", 1)[0]
    return _without_repeats(text, after)


_WORD = re.compile(r"\w")
_MOST_TRIMS = 64  # each is one ast.parse of the cell


def _sound_start(text: str, before: str, after: str) -> str:
    """Rule 7: ``text`` without its last, cut-off line when it has several, or its longest
    start ending at a word boundary, with which the cell parses; else the longest with which it
    is only incomplete; else ""."""
    ends = [
        end
        for end in range(len(text) - 1, 0, -1)
        if not (_WORD.match(text[end - 1]) and _WORD.match(text[end]))
    ][:_MOST_TRIMS]
    if "\n" in text.rstrip():
        ends.insert(0, text.rstrip().rindex("\n"))
    starts = [start for start in (text[:end].rstrip() for end in ends) if start.strip()]
    for check in (_parses, parses_or_incomplete):
        for start in starts:
            if check(before + start + after):
                return start
    return ""


def _without_repeats(text: str, after: str) -> list[str]:
    """Ways to cut ``text`` so that it does not repeat ``after``, longest first: less its
    ending that ``after`` starts with, or up to where it writes the rest of the cursor's line
    again (``pclass")["fare"]`` before ``")``: ``pclass``)."""
    cuts = {_without_overlap(text, after)}
    rest = after.split("\n", 1)[0].strip()
    found = text.find(rest) if rest else -1
    while found != -1:
        cuts.add(text[:found])
        found = text.find(rest, found + 1)
    return sorted(cuts, key=len, reverse=True)


def _cut_at_control(text: str, before: str) -> str:
    """``text`` up to the first control token or end-of-turn marker that is not data in the
    cell (``before`` + ``text``: a string that the cursor is in counts)."""
    found = find_marker(before + text, _CONTROL, start=len(before), code=True)
    return text if found is None else text[: found[0] - len(before)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _within_block(text: str, before: str) -> str:
    """``text`` up to the end of the block the cursor is in."""
    cursor_line = before.rsplit("\n", 1)[-1]
    opens_block = cursor_line.rstrip().endswith(":")
    # After ``for x in y:`` the block is the body: anything indented deeper than that line.
    block_indent = _indent(cursor_line) + 1 if opens_block else _indent(cursor_line)
    if not cursor_line.strip():
        block_indent = len(cursor_line)
    lines = text.split("\n")
    kept = [lines[0]]
    for line in lines[1:]:
        if line.startswith("# In["):
            break
        if not line.strip():
            if block_indent == 0:
                break
            kept.append(line)
            continue
        if _indent(line) < block_indent:
            break
        kept.append(line)
    return "\n".join(kept).rstrip() if len(kept) > 1 else kept[0]


def _without_overlap(text: str, after: str) -> str:
    """``text`` less its longest ending that ``after`` starts with."""
    for size in range(min(len(text), len(after)), 0, -1):
        if text.endswith(after[:size]):
            return text[:-size]
    return text


def _parses(source: str) -> bool:
    try:
        ast.parse(_MAGIC_LINE.sub("", source))
    except (SyntaxError, ValueError):
        return False
    return True


def parses_or_incomplete(source: str) -> bool:
    """Whether ``source`` parses as Python, or fails only because it is not finished yet.

    IPython magics and shell lines are blanked first: they are not Python but are fine.
    """
    code = _MAGIC_LINE.sub("", source)
    try:
        ast.parse(code)
    except SyntaxError as error:
        message = str(error.msg)
        return any(sign in message for sign in _INCOMPLETE)
    except ValueError:  # null bytes
        return False
    return True
