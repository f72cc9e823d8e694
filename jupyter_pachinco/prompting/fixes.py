"""Fix requests: the intent that asks the model for a corrected cell, from its code and error.

Both doors build it here from the same texts, so the same failure sends the same prompt: the
failing cell's code, the error as the kernel showed it under that cell (IPython's traceback:
the sidebar reads it from the cell's error output, ``%pachinco fix`` renders the same traceback
from the exception, see `magic.kernel_state.shown_traceback`) and the user's note. Terminal
colours are removed; of a long traceback its start (the failing cell's own frame) and its end
(the innermost frames and the error) are kept, of a long cell its start.
"""

from __future__ import annotations

import re

# A longer traceback keeps whole lines: up to the first 1,000 and the last 3,000 characters.
TRACEBACK_HEAD_CHARS = 1000
TRACEBACK_TAIL_CHARS = 3000
MAX_FAILING_CODE_CHARS = 4000
# The terminal escape sequences IPython colours tracebacks with (as ``src/repair.ts`` strips).
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def fix_request(code: str | None, error: str, note: str = "") -> str:
    """The request the model gets for a cell that raised: its ``code`` (None when unknown), the
    end of its traceback ``error``, then the user's ``note`` (may be empty)."""
    parts = ["This cell raised an error. Write a corrected version that does what it meant to do."]
    if code is not None and code.strip():
        parts.append(f"```python\n{_cell_start(code.strip())}\n```")
    parts.append(f"The error:\n```\n{shortened_traceback(error)}\n```")
    if note.strip():
        parts.append(note.strip())
    return "\n\n".join(parts)


def shortened_traceback(error: str) -> str:
    """The traceback without colours; when longer than the head and tail together, its first
    lines (up to `TRACEBACK_HEAD_CHARS`) and last lines (up to `TRACEBACK_TAIL_CHARS`) with a
    line that says how many were left out between them."""
    text = _ANSI_ESCAPE.sub("", error).strip()
    if len(text) <= TRACEBACK_HEAD_CHARS + TRACEBACK_TAIL_CHARS:
        return text
    lines = text.splitlines()
    head = _fitting(lines, TRACEBACK_HEAD_CHARS)
    tail = _fitting(lines[len(head) :][::-1], TRACEBACK_TAIL_CHARS)[::-1]
    left_out = len(lines) - len(head) - len(tail)
    return "\n".join([*head, f"[... {left_out} lines of the traceback left out ...]", *tail])


def _fitting(lines: list[str], budget: int) -> list[str]:
    """The first of ``lines`` that fit ``budget`` characters with their newlines; a first line
    longer than that is cut to it."""
    kept: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > budget:
            break
        kept.append(line)
    if not kept and lines:
        kept = [lines[0][:budget]]
    return kept


def _cell_start(code: str) -> str:
    if len(code) <= MAX_FAILING_CODE_CHARS:
        return code
    return code[:MAX_FAILING_CODE_CHARS] + "\n# [... rest of the cell left out ...]"
