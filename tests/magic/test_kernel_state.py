"""What the magic reads from the kernel: cells from the input history, the error to fix."""

from __future__ import annotations

from jupyter_pachinco.magic.kernel_state import (
    error_report,
    fix_intent,
    preceding_cells,
    user_frames,
)


def test_preceding_cells_leave_out_the_magic_itself() -> None:
    history = ["", "import pandas as pd", "%load_ext jupyter_pachinco", "  ", "%%pachinco\nx", "df"]
    assert [c["source"] for c in preceding_cells(history)] == ["import pandas as pd", "df"]


def test_fix_request_holds_the_user_frames_and_the_failing_code() -> None:
    cell_name = "<cell 7>"
    code = compile("def halve(x):\n    return x / 0\nhalve(4)\n", cell_name, "exec")
    try:
        exec(code, {})
    except ZeroDivisionError as error:
        frames, cell = user_frames(error.__traceback__, lambda name: name == cell_name)
        report = error_report(error, frames)
    assert cell == cell_name
    assert report.splitlines()[1].strip().startswith(f'File "{cell_name}"')
    assert report.endswith("ZeroDivisionError: division by zero")
    intent = fix_intent(report, "halve(4)", "keep it short")
    assert "```python\nhalve(4)\n```" in intent
    assert "keep it short" in intent
    assert report in intent
