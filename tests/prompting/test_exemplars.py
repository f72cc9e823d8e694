"""Our exemplars are real exercises: every style's solution runs on the exercise's data and
gives the same answer, the schema text is what the context engine says about the data, the
parser reads the explained solutions back into their steps, and none of them comes from the
ARCADE exemplars kept as test data."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import pandas as pd
import pytest

from jupyter_pachinco.context import describe_variables, render_schema_text
from jupyter_pachinco.prompting import EXEMPLARS, PROMPT_STYLES, Exemplar, parse_answer
from tests.support.shared_data import require_shared

NAMES = [exemplar.title for exemplar in EXEMPLARS]


def run_exercise(exemplar: Exemplar, solution: str) -> Any:
    """The value of the solution's last statement (an expression), run after the exercise's
    data cell."""
    namespace: dict[str, Any] = {}
    exec(f"import pandas as pd\n{exemplar.setup}", namespace)
    tree = ast.parse(solution)
    last = tree.body.pop()
    assert isinstance(last, ast.Expr)
    exec(compile(tree, "<solution>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<answer>", "eval"), namespace)


def test_there_are_four_to_six_exercises_with_distinct_titles() -> None:
    assert 4 <= len(EXEMPLARS) <= 6
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("exemplar", EXEMPLARS, ids=NAMES)
def test_every_style_gives_the_same_answer(exemplar: Exemplar) -> None:
    answers = {
        name: run_exercise(exemplar, style.solution(exemplar))
        for name, style in PROMPT_STYLES.items()
    }
    reference = answers["vanilla"]
    for name, answer in answers.items():
        if isinstance(reference, pd.DataFrame):
            pd.testing.assert_frame_equal(answer, reference, check_names=False)
        elif isinstance(reference, pd.Series):
            pd.testing.assert_series_equal(answer, reference, check_names=False)
        else:
            assert answer == reference, name


def test_the_answers_are_the_ones_worked_out_by_hand() -> None:
    explained = PROMPT_STYLES["explained"]
    answers = [run_exercise(e, explained.solution(e)) for e in EXEMPLARS]
    assert answers[0] == "eclair"  # croissant 52.5, baguette 36.0, eclair 56.0
    assert answers[1].to_dict() == {"classic": 805.0, "sci-fi": 412.0, "novel": 324.0}
    assert answers[2].round(2).to_dict() == {"Lima": 22.55, "Oslo": 0.4}
    assert answers[3] == 60.0  # 3 of the 5 long trips
    assert answers[4].to_dict() == {
        "north": {"appliance": 3, "tableware": 15},
        "south": {"appliance": 3, "tableware": 4},
    }


@pytest.mark.parametrize("exemplar", EXEMPLARS, ids=NAMES)
def test_schema_text_is_what_the_context_engine_says(exemplar: Exemplar) -> None:
    namespace: dict[str, Any] = {}
    exec(f"import pandas as pd\n{exemplar.setup}", namespace)
    del namespace["__builtins__"]
    assert render_schema_text(describe_variables(namespace)) == exemplar.schema


@pytest.mark.parametrize("exemplar", EXEMPLARS, ids=NAMES)
def test_the_parser_reads_explained_solutions_back_into_their_steps(exemplar: Exemplar) -> None:
    candidate = parse_answer(PROMPT_STYLES["explained"].solution_cell(exemplar))
    assert [(s.explanation, s.code) for s in candidate.steps] == [
        (s.explanation, s.code) for s in exemplar.steps
    ]


@pytest.mark.parametrize("exemplar", EXEMPLARS, ids=NAMES)
def test_stepwise_solutions_read_back_as_one_unexplained_step(exemplar: Exemplar) -> None:
    candidate = parse_answer(PROMPT_STYLES["stepwise-preamble"].solution_cell(exemplar))
    assert [(s.explanation, s.code) for s in candidate.steps] == [
        ("", "\n".join(s.code for s in exemplar.steps))
    ]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def data_strings(setup: str) -> set[str]:
    """The text values in a data cell (column names left out: ``name`` is everywhere)."""
    tree = ast.parse(setup)
    keys = {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys}
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in keys
    }


def test_no_exemplar_reuses_the_arcade_exercises() -> None:
    """No run of five words and no quoted data value of ours appears in ARCADE's exemplars."""
    demo = require_shared("arcade", "exemplars_demo")
    arcade = json.loads((demo / "dataset.json").read_text(encoding="utf-8"))
    theirs_text = json.dumps(arcade)
    theirs = " ".join(words(theirs_text))
    for exemplar in EXEMPLARS:
        ours = words(f"{exemplar.problem} " + " ".join(s.explanation for s in exemplar.steps))
        for start in range(len(ours) - 4):
            assert " ".join(ours[start : start + 5]) not in theirs
        data_values = data_strings(exemplar.setup)
        assert data_values
        for value in data_values:
            assert f"'{value}'" not in theirs_text
            assert f'\\"{value}\\"' not in theirs_text
