"""Identical candidates are grouped before the vote, and the vote says how many were distinct;
labels say what happened (no code, failed, 1 of 3)."""

from __future__ import annotations

from jupyter_pachinco.execution.ranking import (
    NO_CODE,
    CandidateRun,
    code_key,
    first_of_kind,
    rank_candidates,
    runs_for_all,
    to_try,
    unranked,
)
from jupyter_pachinco.magic.trials import rank_here

SUM = "sales['amount'].sum()"
MEAN = "sales['amount'].mean()"


def test_the_same_code_whatever_its_comments_and_spacing_is_one_answer() -> None:
    same = [SUM, f"# Step 1: add up\n{SUM}\n\n", "sales['amount'] .sum()"]
    assert len({code_key(code) for code in same}) == 1
    assert code_key(SUM) != code_key(MEAN)
    # two answers without code (nothing but comments) are the same empty answer
    assert first_of_kind([SUM, MEAN, same[1], "", "# only words", MEAN]) == [0, 1, 0, 3, 3, 1]


def test_only_the_first_of_each_distinct_code_is_tried() -> None:
    codes = [SUM, SUM, MEAN, "# nothing to run", SUM]
    assert to_try(codes) == [0, 2]


def test_copies_share_their_originals_run_and_count_as_votes() -> None:
    codes = [SUM, SUM, MEAN, "# nothing to run"]
    tried = [
        CandidateRun(index=0, code=SUM, status="ok", group=0),
        CandidateRun(index=1, code=MEAN, status="ok", group=1),
    ]
    runs = runs_for_all(codes, tried)
    assert [(r.index, r.same_as, r.status) for r in runs] == [
        (0, None, "ok"),
        (1, 0, "ok"),
        (2, None, "ok"),
        (3, None, "error"),
    ]
    ranking = rank_candidates(runs)
    assert [(c.run.index, c.votes) for c in ranking.candidates[:3]] == [(0, 2), (1, 2), (2, 1)]
    assert ranking.summary() == (
        "4 answers, 3 distinct: 2 of 4 give the same output (#1 chosen); 1 other output; "
        "1 without code."
    )


def test_three_copies_say_they_are_one_answer() -> None:
    runs = runs_for_all([SUM] * 3, [CandidateRun(index=0, code=SUM, status="ok", group=0)])
    summary = rank_candidates(runs).summary()
    assert summary.startswith("3 answers, all the same code: ")
    assert "agree" not in summary


def test_unranked_copies_are_told_too() -> None:
    ranking = unranked([SUM, SUM], "No running kernel, so candidates were not trial-run.")
    assert [c.run.same_as for c in ranking.candidates] == [None, 0]
    assert ranking.summary() == (
        "2 answers, all the same code. No running kernel, so candidates were not trial-run."
    )


def test_single_answers_say_what_happened() -> None:
    said = [
        rank_candidates([CandidateRun(index=0, code="1", status="ok", group=0)]).summary(),
        rank_candidates(
            [CandidateRun(index=0, code="1/0", status="error", error="ZeroDivisionError")]
        ).summary(),
        rank_candidates([CandidateRun(index=0, code="#", status="error", error=NO_CODE)]).summary(),
    ]
    assert said == ["1 answer: it ran.", "1 answer: it failed.", "1 answer: it has no code."]


def test_the_magic_runs_each_distinct_code_once() -> None:
    import pandas as pd

    namespace = {"sales": pd.DataFrame({"amount": [1, 2]})}
    ranking = rank_here(namespace, [SUM, f"{SUM}  # again", MEAN])
    runs = {c.run.index: c.run for c in ranking.candidates}
    assert runs[1].same_as == 0
    assert runs[1].preview == runs[0].preview
    assert ranking.chosen is not None
    assert ranking.chosen.votes == 2
