"""Fix requests: the failing code and its traceback become the intent the model gets, one
wording and one cut for both doors (the sidebar and ``%pachinco fix``)."""

from __future__ import annotations

import re

from jupyter_pachinco.prompting.fixes import (
    MAX_FAILING_CODE_CHARS,
    TRACEBACK_HEAD_CHARS,
    TRACEBACK_TAIL_CHARS,
    fix_request,
)

TRACEBACK = (
    "\x1b[0;31mKeyError\x1b[0m                                  Traceback\n"
    "Cell In[3], line 1\n----> 1 sales['amout'].sum()\nKeyError: 'amout'"
)


def test_the_intent_holds_the_code_and_the_traceback_without_colours() -> None:
    intent = fix_request("sales['amout'].sum()", TRACEBACK)
    assert "sales['amout'].sum()" in intent
    assert "KeyError: 'amout'" in intent
    assert "\x1b" not in intent


def test_the_note_comes_last_and_unknown_code_is_left_out() -> None:
    intent = fix_request(None, TRACEBACK, "  keep the index  ")
    assert intent.endswith("\n\nkeep the index")
    assert "```python" not in intent
    assert fix_request("x", TRACEBACK, "").endswith("KeyError: 'amout'\n```")


def test_a_long_traceback_keeps_its_start_and_end_and_a_long_cell_its_start() -> None:
    frames = "\n".join(f"  frame {i}" for i in range(1000))
    error = f"Cell In[3], line 1\n----> 1 sales.groupby('citty')\n{frames}\nKeyError: 'z'"
    intent = fix_request("x = 1\n" + "y" * 10 * MAX_FAILING_CODE_CHARS, error)
    shown = intent.split("The error:\n```\n", 1)[1].removesuffix("\n```")
    assert shown.startswith("Cell In[3], line 1\n----> 1 sales.groupby('citty')\n  frame 0\n")
    assert shown.endswith("  frame 999\nKeyError: 'z'")
    head, left_out, tail = re.split(
        r"\n\[\.\.\. (\d+) lines of the traceback left out \.\.\.\]\n", shown
    )
    assert len(head) <= TRACEBACK_HEAD_CHARS
    assert len(tail) <= TRACEBACK_TAIL_CHARS
    assert len(head.splitlines()) + int(left_out) + len(tail.splitlines()) == len(
        error.splitlines()
    )
    assert "```python\nx = 1\nyyy" in intent
    assert intent.count("y") < MAX_FAILING_CODE_CHARS + 100
    assert "# [... rest of the cell left out ...]" in intent


def test_a_traceback_of_one_long_line_is_cut_to_the_budget() -> None:
    shown = fix_request("x", "w" * 10 * TRACEBACK_TAIL_CHARS).split("The error:\n```\n", 1)[1]
    assert shown.count("w") <= TRACEBACK_HEAD_CHARS + TRACEBACK_TAIL_CHARS
