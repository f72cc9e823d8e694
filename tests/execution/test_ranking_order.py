"""Ordering and grouping rules, on values built with real pandas."""

from __future__ import annotations

import pandas as pd

from jupyter_pachinco.execution.ranking import (
    CandidateRun,
    Fingerprinted,
    group_matching_outputs,
    rank_candidates,
    with_likelihoods,
)


def ok(index: int, group: int) -> CandidateRun:
    return CandidateRun(index=index, code=f"c{index}", status="ok", group=group)


def test_groups_follow_the_fuzzy_rules() -> None:
    frame = pd.DataFrame({"x": [1, 2], "y": [3.0, 4.0]})
    outputs = [
        frame,
        frame[["y", "x"]],
        frame.set_index("x")["y"],
        pd.Series([3.0, 4.0 + 1e-7]),
        pd.Series([9.0, 9.0]),
        Fingerprinted("abc"),
        Fingerprinted("abc"),
        Fingerprinted("abd"),
    ]
    assert group_matching_outputs(outputs) == [0, 0, 0, 1, 2, 3, 3, 4]


def test_largest_group_first_ties_by_likelihood_then_sample_order() -> None:
    runs = [
        ok(0, group=0),
        ok(1, group=1),
        ok(2, group=2),
        ok(3, group=2),
        ok(4, group=1),
        CandidateRun(index=5, code="x", status="error", error="KeyError: 'x'"),
        CandidateRun(index=6, code="y", status="not_run", side_effects=["writes"]),
    ]
    plain = rank_candidates(runs)
    assert [c.run.index for c in plain.candidates] == [1, 4, 2, 3, 0, 6, 5]
    liked = rank_candidates(with_likelihoods(runs, [0.1, 0.2, 0.9, 0.3, 0.2, 0.99, 0.5]))
    assert [c.run.index for c in liked.candidates] == [2, 3, 1, 4, 0, 6, 5]
    assert liked.summary() == (
        "7 answers: 2 of 7 give the same output (#3 chosen); 2 other outputs; "
        "1 not run (side effects); 1 failed."
    )


def test_all_failures_say_so() -> None:
    runs = [CandidateRun(index=0, code="1/0", status="error", error="ZeroDivisionError")]
    assert rank_candidates(runs).summary() == "1 answer: it failed."
