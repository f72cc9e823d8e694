"""The pieces that carry rankings to the user: the stream's ``ranking`` line and the magic's
choice, fed by real trial runs in forks of this test process."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_pachinco.execution.forks import Limits
from jupyter_pachinco.execution.ranking import NO_CODE, holds_code, unranked
from jupyter_pachinco.magic.trials import choose, rank_here
from jupyter_pachinco.server.stream_lines import ranking_line

SHORT = Limits(wall_time_s=1.5, cpu_time_s=5.0, memory_bytes=1024**3)


def sales() -> dict[str, object]:
    return {"pd": pd, "sales": pd.DataFrame({"amount": [1.5, 2.5], "city": ["Oslo", "Rome"]})}


def test_a_run_past_its_time_is_a_timeout_in_the_stream() -> None:
    codes = ["while True:\n    pass", "sales['amount'].sum()"]
    line = ranking_line(rank_here(sales(), codes, SHORT))
    assert line["order"] == [1, 0]
    done, stuck = line["candidates"]
    assert (done["status"], done["type"], done["votes"]) == ("ok", "float64", 1)
    assert stuck["status"] == "timeout"
    assert "timed out" in stuck["error"]
    assert set(stuck) == {
        "index",
        "status",
        "votes",
        "group",
        "type",
        "shape",
        "preview",
        "stdout",
        "error",
        "side_effects",
        "same_as",
        "verdict",
    }


NO_CODE_ANSWERS = [
    "",
    "\n   \n\t",
    "# Step 1: look at the sales",
    "# sales.groupby('city').sum()\n\n# done",
    "   # indented comment\r\n# another",
]


@pytest.mark.parametrize("empty", NO_CODE_ANSWERS)
def test_an_answer_without_code_is_never_chosen(empty: str) -> None:
    codes = [empty, "sales.shape"]
    ranking = rank_here(sales(), codes, SHORT)
    assert [(c.run.index, c.run.status) for c in ranking.candidates] == [(1, "ok"), (0, "error")]
    assert ranking.candidates[1].run.error == NO_CODE
    choice = choose(ranking, codes, fixing=False)
    assert choice.index == 1
    assert choice.lines == ["2 answers: 1 of 2 give the same output (#2 chosen); 1 without code."]


@pytest.mark.parametrize("empty", NO_CODE_ANSWERS)
def test_a_fix_of_comments_alone_is_not_said_to_run(empty: str) -> None:
    codes = [empty]
    ranking = rank_here(sales(), codes, SHORT)
    assert [(c.run.status, c.run.error) for c in ranking.candidates] == [("error", NO_CODE)]
    choice = choose(ranking, codes, fixing=True)
    assert choice.index is None
    assert not any("without an error" in line for line in choice.lines)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("x = 1  # set x", True),
        ("# x = 1\npass", True),
        ("sales[", True),  # does not parse: running it shows the user the syntax error
        ('"""only a string"""', True),
        *[(empty, False) for empty in NO_CODE_ANSWERS],
    ],
)
def test_code_is_a_statement_not_comments(code: str, expected: bool) -> None:
    assert holds_code(code) is expected


def test_a_fix_with_side_effects_is_not_tried_and_says_why() -> None:
    codes = ["import shutil\nshutil.rmtree('data')"]
    choice = choose(rank_here(sales(), codes, SHORT), codes, fixing=True)
    assert choice.index == 0
    assert choice.lines == []
    (warning,) = choice.warnings
    assert warning.startswith("the fix was not tried: it ")
    assert warning.endswith("writes or deletes files (uses shutil).")


def test_a_fix_that_could_not_be_tried_gives_the_reason() -> None:
    codes = ["sales.shape"]
    choice = choose(unranked(codes, "The kernel is busy."), codes, fixing=True)
    assert choice.warnings == ["the fix was not tried. The kernel is busy."]


def test_stdout_and_shape_reach_the_stream() -> None:
    line = ranking_line(rank_here(sales(), ["print('hello')\nsales"], SHORT))
    (only,) = line["candidates"]
    assert only["stdout"] == "hello\n"
    assert only["shape"] == [2, 2]
    assert only["type"] == "DataFrame"
    assert "Oslo" in only["preview"]
