"""What the magic reads from the kernel: cells from the input history, the error to fix, and
the traceback the kernel showed for it, in a real IPython shell (in this process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_pachinco.magic.kernel_state import (
    failing_cell,
    preceding_cells,
    shown_traceback,
)
from jupyter_pachinco.prompting.fixes import fix_request


def test_preceding_cells_leave_out_the_magic_itself() -> None:
    history = ["", "import pandas as pd", "%load_ext jupyter_pachinco", "  ", "%%pachinco\nx", "df"]
    assert [c["source"] for c in preceding_cells(history)] == ["import pandas as pd", "df"]
    assert [c["source"] for c in preceding_cells(history, before=5)] == ["import pandas as pd"]


class Shell:
    """An IPython shell that records each traceback it shows, as the kernel sends it."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.shown: list[list[str]] = []
        shell._showtraceback = lambda _type, _value, lines: self.shown.append(list(lines))

    def run(self, cell: str) -> BaseException | None:
        result = self.shell.run_cell(cell, store_history=True)
        error: BaseException | None = result.error_before_exec or result.error_in_exec
        return error

    def fail(self, cell: str) -> BaseException:
        error = self.run(cell)
        assert error is not None
        return error

    @property
    def cells(self) -> dict[str, int]:
        cells: dict[str, int] = self.shell.compile._filename_map
        return cells


@pytest.fixture
def shell() -> Iterator[Shell]:
    instance = InteractiveShell.instance()
    try:
        yield Shell(instance)
    finally:
        InteractiveShell.clear_instance()


FAILURES = [
    "def halve(x):\n    return x / 0\nhalve(4)\n",  # raised in a function of the cell
    "x = (1,\n",  # the cell does not compile
    "import ast\nast.parse('x = (')",  # a syntax error raised while the cell runs
    "raise KeyError('amout')",
]


@pytest.mark.parametrize("cell", FAILURES)
def test_the_traceback_is_the_one_the_kernel_showed(shell: Shell, cell: str) -> None:
    assert shell.run("import pandas as pd") is None
    error = shell.fail(cell)
    assert shown_traceback(shell.shell, error, shell.cells) == "\n".join(shell.shown[-1])
    found = failing_cell(error, shell.cells)
    assert found.execution_count == shell.shell.execution_count - 1
    assert shell.shell.history_manager.input_hist_raw[found.execution_count] == cell.rstrip()


def test_fix_request_holds_the_user_frames_and_the_failing_code(shell: Shell) -> None:
    error = shell.fail("def halve(x):\n    return x / 0\nhalve(4)\n")
    found = failing_cell(error, shell.cells)
    assert found.filename is not None
    report = shown_traceback(shell.shell, error, shell.cells)
    intent = fix_request("halve(4)", report, "keep it short")
    assert "```python\nhalve(4)\n```" in intent
    assert intent.endswith("keep it short")
    assert "Cell In[1], line 3" in intent
    assert "----> 2     return x / 0" in intent
    assert "ZeroDivisionError: division by zero" in intent
    assert "interactiveshell.py" not in intent  # IPython's own machinery is left out
    assert "\x1b" not in intent
