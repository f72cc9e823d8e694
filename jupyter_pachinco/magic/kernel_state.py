"""What the magic reads from the kernel, as pure functions: the cells run so far, and the error
to fix with the request it becomes.

The magic's shell (`magics.py`) gathers raw values from IPython; these functions turn them into
the cells and intents that the assistant sees, without touching IPython.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

# Our own invocations are not notebook content: earlier requests reach the prompt as turns.
_OWN_CELL = re.compile(r"^\s*(%%pachinco\b|%pachinco\b|%load_ext\s+jupyter_pachinco\b)")
MAX_TRACEBACK_CHARS = 4000
MAX_FAILING_CODE_CHARS = 4000


def preceding_cells(history: Sequence[str]) -> list[dict[str, Any]]:
    """The code cells run so far, from IPython's raw input history (entry 0 is IPython's
    placeholder), without our own calls: the running ``%%pachinco`` cell is one of them."""
    cells = []
    for source in history[1:]:
        if not source.strip() or _OWN_CELL.match(source):
            continue
        cells.append({"cell_type": "code", "source": source, "outputs": []})
    return cells


def user_frames(
    tb: TracebackType | None, is_cell: Any
) -> tuple[list[traceback.FrameSummary], str | None]:
    """The frames of a traceback from the first notebook cell on, and that cell's file name.

    ``is_cell(filename)`` says whether a file name is one of the kernel's cells; frames before
    the first cell (IPython's own machinery) are left out.
    """
    frames = traceback.extract_tb(tb)
    for position, frame in enumerate(frames):
        if is_cell(frame.filename):
            return frames[position:], frame.filename
    return frames, None


def error_report(error: BaseException, frames: Iterable[traceback.FrameSummary]) -> str:
    """A traceback as Python prints it, but only through the frames given."""
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(list(frames))
    lines += traceback.format_exception_only(type(error), error)
    text = "".join(lines).rstrip()
    if len(text) > MAX_TRACEBACK_CHARS:
        text = "[... start of the traceback left out ...]\n" + text[-MAX_TRACEBACK_CHARS:]
    return text


def fix_intent(report: str, failing_code: str | None, note: str = "") -> str:
    """The request that asks for a repair of ``failing_code``, which raised ``report``."""
    parts = ["Fix the code that failed, so that it runs and does what it was meant to do."]
    if note:
        parts.append(note)
    if failing_code and failing_code.strip():
        code = failing_code.strip()
        if len(code) > MAX_FAILING_CODE_CHARS:
            code = code[:MAX_FAILING_CODE_CHARS] + "\n# [... rest of the cell left out ...]"
        parts.append(f"The failing code:\n```python\n{code}\n```")
    parts.append(f"The error:\n```\n{report}\n```")
    return "\n\n".join(parts)


def fix_summary(error: BaseException, note: str = "") -> str:
    """A fix's one-line intent for the history, e.g. ``fix IndexError: list index out of range``
    (at most 200 characters of the error; the user's note after it)."""
    message = " ".join(traceback.format_exception_only(type(error), error)[-1].split())
    if len(message) > 200:
        message = message[:199] + "\u2026"
    return f"fix {message}" + (f" ({note})" if note else "")
