"""A fix must still do what the failing cell meant: set what it set, show a result when it
did. A fix that runs only because it dropped the failing line is told apart and ranked after."""

from __future__ import annotations

import pandas as pd

from jupyter_pachinco.execution.fix_judging import KEPT, cell_effects, judge_fix, judge_fixes
from jupyter_pachinco.execution.ranking import CandidateRun, rank_candidates
from jupyter_pachinco.magic.trials import choose, rank_here

FAILING = "sales['total'] = sales['price'] * sales['qty']\nsales.head()"


def ran(code: str, type_name: str = "DataFrame", stdout: str = "") -> CandidateRun:
    return CandidateRun(index=0, code=code, status="ok", type_name=type_name, stdout=stdout)


def test_what_a_cell_meant_is_read_from_its_code() -> None:
    effects = cell_effects(FAILING)
    assert effects is not None
    assert effects.sets == frozenset({"sales['total']"})
    assert effects.shows_result
    looped = cell_effects(
        "import numpy as np\ntotal = 0\nfor row in rows:\n    total += row\n"
        "def f(x):\n    inner = x\nwith open('f') as handle:\n    df.columns = ['a']"
    )
    assert looped is not None
    assert looped.sets == frozenset({"total", "df.columns"})  # not loop variables, imports
    assert not looped.shows_result
    assert cell_effects("def broken(:") is None


def test_a_fix_that_keeps_the_intent_is_kept() -> None:
    fixed = "sales['total'] = sales['price'].astype(float) * sales['qty']\nsales.head()"
    assert judge_fix(cell_effects(FAILING), ran(fixed)) == KEPT
    # quotes and spacing as written do not matter
    assert judge_fix(cell_effects(FAILING), ran(fixed.replace("'", '"'))) == KEPT


def test_a_fix_that_drops_the_failing_line_is_told() -> None:
    dropped = "sales.head()"
    assert judge_fix(cell_effects(FAILING), ran(dropped)) == "no longer sets sales['total']"
    quiet = "sales['total'] = sales['price'] * sales['qty']"
    assert judge_fix(cell_effects(FAILING), ran(quiet, "NoneType")) == "no longer shows a result"
    printing = "sales['total'] = 1\nprint(sales)"
    assert judge_fix(cell_effects(FAILING), ran(printing, "NoneType", "   a\n0  1")) == KEPT


def test_fixes_that_keep_the_intent_rank_first() -> None:
    runs = [
        CandidateRun(index=0, code="sales.head()", status="ok", type_name="DataFrame", group=0),
        CandidateRun(index=1, code="sales.head()", status="ok", type_name="DataFrame", group=0),
        CandidateRun(
            index=2,
            code="sales['total'] = sales['price'] * 2\nsales.head()",
            status="ok",
            type_name="DataFrame",
            group=1,
        ),
        CandidateRun(index=3, code="1/0", status="error", error="ZeroDivisionError"),
    ]
    judged = judge_fixes(rank_candidates(runs), FAILING)
    assert [c.run.index for c in judged.candidates] == [2, 0, 1, 3]
    assert [c.run.verdict for c in judged.candidates] == [
        KEPT,
        "no longer sets sales['total']",
        "no longer sets sales['total']",
        None,
    ]
    assert judged.intent == "sets sales['total'] and shows its result"


def test_the_magic_says_a_fix_runs_but_not_as_the_cell_meant() -> None:
    namespace = {"sales": pd.DataFrame({"price": ["1", "2"], "qty": [1, 2]})}
    codes = ["sales.head()"]
    choice = choose(rank_here(namespace, codes), codes, fixing=True, failing_code=FAILING)
    assert choice.index == 0
    (warning,) = choice.warnings
    assert "the fix runs, but not as the cell meant: it no longer sets sales['total']" in warning
    assert "sales" in namespace
    assert "total" not in namespace["sales"]
