"""Ghost text from models with chat habits: what instruction-tuned models add around code.

Asked for the middle of a cell, a chat model often answers like a chat: the code in a Markdown
fence (``"```python\\n...\\n```"``), after a line of prose ("Here is the completion:"), or
restating the text before the cursor (the cursor's line ``sales.groupby(`` comes back as
``sales.groupby('city')['total'].sum()``, which accepted would write the call twice).
`without_fence` and `restatements` take those away; the parse check in `postprocess` decides
which restatement holds (``df[`` then ``df['a'] > 0]`` restates nothing) and removes a repeat
of the text after the cursor. While the text streams, a fence line or a restatement still
arriving shows as nothing rather than as a half-written habit (`still_restating`).

Pure logic, no I/O.
"""

from __future__ import annotations

import keyword
import re

from ..prompting.answer_text import looks_like_prose
from ..prompting.fences import fence_of

_FENCE_CHARS = frozenset("`~")
# Where a restated end of the cursor's line may start: a name, a bracket or a quote that
# does not continue a name or an attribute.
_BOUNDARY = re.compile(r"(?<![\w.])[\w(\[{'\"]")


def without_fence(text: str, *, final: bool = True) -> str:
    """The inside of the first fenced block when the text opens with one (after blank lines or
    prose lines); else the text up to a lone closing fence line. While streaming (``final``
    False), a fence line still arriving is left out."""
    lines = text.split("\n")
    opening = next((i for i, line in enumerate(lines) if fence_of(line) is not None), None)
    if opening is None:
        last = lines[-1].strip()
        if not final and _is_sentence(lines[0]):
            return ""  # "Here is the completion:", a fence may follow
        if not final and last and set(last) <= _FENCE_CHARS:
            return "\n".join(lines[:-1])
        return text
    head = [line for line in lines[:opening] if line.strip()]
    if head and not all(looks_like_prose(line) for line in head):
        return "\n".join(lines[:opening])  # code, then a closing fence and a remark
    if opening == len(lines) - 1 and not final:
        return ""  # the fence's info string may still be arriving
    fence = fence_of(lines[opening])
    body: list[str] = []
    for line in lines[opening + 1 :]:
        closing = fence_of(line)
        if closing is not None and fence is not None and fence.closed_by(closing):
            break
        body.append(line)
    else:
        if not final and body and body[-1].strip() and set(body[-1].strip()) <= _FENCE_CHARS:
            body.pop()  # the closing fence still arriving
    return "\n".join(body)


def _is_sentence(line: str) -> bool:
    """A line of prose, not a statement that happens to read like one (``for row in rows:``,
    ``return total``)."""
    words = line.split()
    return len(words) >= 3 and looks_like_prose(line) and not keyword.iskeyword(words[0])


def restatements(text: str, before: str) -> list[str]:
    """``text`` less each restatement of the end of ``before`` it starts with, longest
    restatement first, then ``text`` itself. A restatement is the cursor's line, or several
    lines up to the cursor, from a line's start (indentation not compared), or the end of the
    cursor's line from a token on (``sales.groupby(`` after ``total = sales.groupby(``)."""
    stripped = text.lstrip(" \t")
    found: dict[int, str] = {}
    for restated in _restatable(before):
        if stripped.startswith(restated):
            found.setdefault(len(restated), stripped[len(restated) :])
    return [found[size] for size in sorted(found, reverse=True)] + [text]


def still_restating(text: str, before: str) -> bool:
    """While streaming: whether ``text`` is a restatement of ``before`` so far, or may still
    grow into one (nothing beyond it to show yet)."""
    stripped = text.lstrip(" \t")
    return bool(stripped) and any(restated.startswith(stripped) for restated in _restatable(before))


def _restatable(before: str) -> list[str]:
    """The ends of ``before`` a chat model restates: whole lines up to the cursor (at least 2
    characters), and the cursor line's end from a token on (at least 3)."""
    lines = before.split("\n")
    whole = ["\n".join(lines[-count:]).lstrip(" \t") for count in range(len(lines), 0, -1)]
    cursor_line = lines[-1]
    ends = [cursor_line[match.start() :] for match in _BOUNDARY.finditer(cursor_line)]
    kept = [t for t in whole if len(t.strip()) >= 2] + [t for t in ends if len(t.strip()) >= 3]
    return list(dict.fromkeys(kept))
