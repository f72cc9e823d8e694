"""What the magic reads from the kernel: the cells run so far, and the error to fix.

The magic's shell (`magics.py`) gathers raw values from IPython; these functions turn them into
the cells and texts the assistant sees. ``%pachinco fix`` sends what the sidebar sends for the
same failure (see `prompting.fixes`): the failing cell's code, the traceback the kernel showed
under it, and the cells run before it as context.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

# Our own invocations are not notebook content: earlier requests reach the prompt as turns.
_OWN_CELL = re.compile(r"^\s*(%%pachinco\b|%pachinco\b|%load_ext\s+jupyter_pachinco\b)")


def preceding_cells(history: Sequence[str], before: int | None = None) -> list[dict[str, Any]]:
    """The code cells run so far, from IPython's raw input history (entry 0 is IPython's
    placeholder), without our own calls: the running ``%%pachinco`` cell is one of them.
    ``before``: only the cells run before that execution count (a fix's context)."""
    cells = []
    for source in history[1:before]:
        if not source.strip() or _OWN_CELL.match(source):
            continue
        cells.append({"cell_type": "code", "source": source, "outputs": []})
    return cells


@dataclass(frozen=True)
class FailingCell:
    """The cell an error came from: its file name for IPython's compiler and its execution
    count (both None when no cell of this kernel is in the traceback)."""

    filename: str | None
    execution_count: int | None


def failing_cell(error: BaseException, cells: Mapping[str, int]) -> FailingCell:
    """The first notebook cell in ``error``'s traceback (or, for a cell that did not compile,
    the cell its `SyntaxError` names). ``cells`` maps the kernel's cell file names to their
    execution counts (IPython's ``shell.compile._filename_map``)."""
    filename = _first_cell_file(error.__traceback__, cells.__contains__)
    if filename is None and isinstance(error, SyntaxError) and error.filename in cells:
        filename = error.filename
    return FailingCell(filename, cells.get(filename) if filename is not None else None)


def _first_cell_file(tb: TracebackType | None, is_cell: Callable[[str], bool]) -> str | None:
    """The file name of the first frame of ``tb`` that is a notebook cell, if any; the frames
    before it are IPython's own machinery."""
    for frame in traceback.extract_tb(tb):
        if is_cell(frame.filename):
            return frame.filename
    return None


def shown_traceback(shell: Any, error: BaseException, cells: Mapping[str, int]) -> str:
    """``error``'s traceback as the kernel showed it under the failing cell: IPython's own
    rendering (what the cell's error output holds, colours included), its lines joined as the
    sidebar joins them. ``shell`` is the IPython shell; ``cells`` as for `failing_cell`."""
    render = getattr(error, "_render_traceback_", None)
    if callable(render):
        lines = list(render())
    elif isinstance(error, SyntaxError):
        # IPython shows the frames of a syntax error only when running code raised it.
        ran = _first_cell_file(error.__traceback__, cells.__contains__) is not None
        frames = traceback.extract_tb(error.__traceback__) if ran else []
        lines = shell.SyntaxTB.structured_traceback(type(error), error, frames)
    else:
        lines = shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)
    return "\n".join(str(line) for line in lines)


def fix_summary(error: BaseException, note: str = "") -> str:
    """A fix's one-line intent for the history, e.g. ``fix IndexError: list index out of range``
    (at most 200 characters of the error; the user's note after it)."""
    message = " ".join(traceback.format_exception_only(type(error), error)[-1].split())
    if len(message) > 200:
        message = message[:199] + "\u2026"
    return f"fix {message}" + (f" ({note})" if note else "")
