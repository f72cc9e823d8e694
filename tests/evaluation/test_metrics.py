"""pass@k, accuracy@k and maj@1 against values computed by hand."""

from __future__ import annotations

import pytest

from jupyter_pachinco.evaluation.metrics import (
    accuracy_at_k,
    available_ks,
    mean_pass_at_k,
    pass_at_k,
    summarize,
)


def test_pass_at_1_is_the_share_of_correct_samples() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


def test_pass_at_k_by_hand() -> None:
    # n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    # n=10, c=1, k=5: 1 - C(9,5)/C(10,5) = 1 - 126/252
    assert pass_at_k(10, 1, 5) == pytest.approx(0.5)
    # n=4, c=1, k=3: 1 - C(3,3)/C(4,3) = 1 - 1/4
    assert pass_at_k(4, 1, 3) == pytest.approx(0.75)


def test_pass_at_k_edges() -> None:
    assert pass_at_k(5, 0, 5) == 0.0
    assert pass_at_k(5, 5, 1) == 1.0
    assert pass_at_k(5, 1, 5) == 1.0  # fewer wrong samples than k: always a hit


def test_pass_at_k_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="pass@k"):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError, match="pass@k"):
        pass_at_k(3, 1, 4)


def test_mean_over_problems() -> None:
    verdicts = [[True, False], [False, False]]
    # problem 1: pass@1 = 0.5; problem 2: 0
    assert mean_pass_at_k(verdicts, 1) == pytest.approx(0.25)
    assert mean_pass_at_k(verdicts, 2) == pytest.approx(0.5)


def test_accuracy_at_k_looks_at_the_first_k() -> None:
    verdicts = [[False, True], [True, False], [False, False]]
    assert accuracy_at_k(verdicts, 1) == pytest.approx(1 / 3)
    assert accuracy_at_k(verdicts, 2) == pytest.approx(2 / 3)


def test_only_k_that_every_problem_allows() -> None:
    assert available_ks((1, 5, 10, 30), [12, 10]) == [1, 5, 10]


def test_summary_names_its_metrics() -> None:
    verdicts = [[True] * 3 + [False] * 2] * 2
    metrics = summarize(verdicts, [True, False])
    assert metrics == {
        "accuracy@1": 1.0,
        "accuracy@5": 1.0,
        "pass@1": pytest.approx(0.6),
        "pass@5": 1.0,
        "maj@1": 0.5,
    }
