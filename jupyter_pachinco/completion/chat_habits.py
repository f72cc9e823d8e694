"""Ghost text from models with chat habits: what instruction-tuned models add around code.

Asked for the middle of a cell, a chat model often answers like a chat: the code in a Markdown
fence (``"```python\\n...\\n```"``), after a line of prose ("Here is the completion:"), or
restating the text before the cursor (the cursor's line ``sales.groupby(`` comes back as
``sales.groupby('city')['total'].sum()``, which accepted would write the call twice).
`without_chat_habits` takes those away; `postprocess` then removes a repeat of the text after
the cursor. While the text streams (``final=False``), a fence line or a restatement still
arriving shows as nothing rather than as a half-written habit.

Pure logic, no I/O.
"""

from __future__ import annotations

from ..prompting.answer_text import looks_like_prose
from ..prompting.fences import fence_of

_FENCE_CHARS = frozenset("`~")


def without_chat_habits(text: str, before: str, *, final: bool = True) -> str:
    """``text`` without a fence around it, prose before that fence, and a restatement of the
    text before the cursor (``before``, the active cell up to the cursor)."""
    text = _without_fence(text, final=final)
    return _without_restatement(text, before, final=final)


def _without_fence(text: str, *, final: bool) -> str:
    """The inside of the first fenced block when the text opens with one (after blank lines or
    prose lines); else the text up to a lone closing fence line."""
    lines = text.split("\n")
    opening = next((i for i, line in enumerate(lines) if fence_of(line) is not None), None)
    if opening is None:
        last = lines[-1].strip()
        if not final and last and set(last) <= _FENCE_CHARS:
            return "\n".join(lines[:-1])  # a fence line still arriving
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
    return "\n".join(body)


def _without_restatement(text: str, before: str, *, final: bool) -> str:
    """``text`` less its start when that restates the end of ``before`` from the start of one
    of its lines (the cursor's line, or more lines up to it); the longest such restatement
    goes. Indentation is not compared. While streaming, a text that may still grow into a
    restatement shows as nothing."""
    lines = before.split("\n")
    stripped = text.lstrip(" \t")
    for count in range(len(lines), 0, -1):
        restated = "\n".join(lines[-count:]).lstrip(" \t")
        if len(restated.strip()) < 2:
            continue
        if stripped.startswith(restated):
            return stripped[len(restated) :]
        if not final and stripped and restated.startswith(stripped):
            return ""
    return text
