"""Fix requests: the intent that asks the model for a corrected cell from its code and error.

A cell inserted by the assistant raised. The code and the error go back to the model as a new
intent, with the same context the first answer had (see `Assistant.suggest_fixes`).
"""

from __future__ import annotations

import re

MAX_TRACEBACK_LINES = 20
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def fix_intent(code: str, traceback: str) -> str:
    """The request the model gets: the failing cell and the end of its traceback."""
    lines = _ANSI_ESCAPE.sub("", traceback).strip().splitlines()
    shown = "\n".join(lines[-MAX_TRACEBACK_LINES:])
    return (
        "This cell raised an error. Write a corrected version that does what it meant to do.\n\n"
        f"```python\n{code.strip()}\n```\n\nThe error:\n```\n{shown}\n```"
    )
