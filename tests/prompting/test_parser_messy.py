"""The parser on messy answers (``messy_answers.py``): exact steps, code and prose."""

from __future__ import annotations

import ast

import pytest

from jupyter_pachinco.prompting import parse_answer

from .messy_answers import CASES, Messy


def test_there_are_at_least_thirty_cases_with_distinct_names() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_messy_answer_gives_the_expected_steps(case: Messy) -> None:
    candidate = parse_answer(case.text)
    assert [(step.explanation, step.code) for step in candidate.steps] == case.steps
    if case.code is not None:
        assert candidate.code == case.code
    if case.prose is not None:
        assert candidate.prose == case.prose
    ast.parse(candidate.code)
    for step in candidate.steps:
        ast.parse(step.code)
