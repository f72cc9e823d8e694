"""FORMAT.md E1-E7 and E10, one test (or a few) per numbered rule, named after it.

Run-level rules go through ``score_turn_here`` (the context runs in this process, the reference
and each hypothesis in forks of it), on small inline data; the E8/E9 matcher rules are in
``tests/execution/test_official_matching.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.evaluation.arcade_run import UNCOPYABLE, deep_copy_namespace
from jupyter_pachinco.evaluation.dataset import DatasetTurn
from jupyter_pachinco.evaluation.postprocess import extract_first_cell
from jupyter_pachinco.evaluation.scoring import score_turn_here
from jupyter_pachinco.execution import Limits
from jupyter_pachinco.execution.official_matching import strictly_equal

FRAME = "import pandas as pd\ndf = pd.DataFrame({'a': [3, 1, 2], 'b': [1.5, 2.5, 3.5]})\n"


@pytest.fixture(autouse=True)
def _in_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def score(
    reference: str,
    hypotheses: Sequence[str],
    context: str = FRAME,
    output_variables: Sequence[str] = (),
    timeout: float = 20.0,
) -> dict[str, Any]:
    turn = DatasetTurn("q", reference, context, tuple(output_variables))
    return score_turn_here(turn, list(hypotheses), Limits(wall_time_s=timeout, memory_bytes=None))


def official(reference: str, hypotheses: Sequence[str], **kwargs: Any) -> list[bool]:
    return [h["official"] for h in score(reference, hypotheses, **kwargs)["hypotheses"]]


def both(reference: str, hypotheses: Sequence[str], **kwargs: Any) -> list[tuple[bool, bool]]:
    result = score(reference, hypotheses, **kwargs)
    return [(h["official"], h["strict"]) for h in result["hypotheses"]]


# E1: cut the hypothesis text.
def test_E1_first_piece_with_a_code_line_is_kept_and_stripped() -> None:
    text = "# Step 1\n# In[ ]:\n\n  x = 1\n\n# In[ ]:\ny = 2"
    assert extract_first_cell(text) == "x = 1"


def test_E1_only_the_literal_header_splits() -> None:
    assert extract_first_cell("a = 1\n# In[3]:\nb = 2") == "a = 1\n# In[3]:\nb = 2"


def test_E1_no_code_gives_the_empty_program() -> None:
    assert extract_first_cell("# just words\n# In[ ]:\n%matplotlib inline\n") == ""


def test_E1_a_magic_inside_the_kept_piece_is_a_syntax_error() -> None:
    code = extract_first_cell("%time\ndf.a.max()")
    assert code == "%time\ndf.a.max()"
    [entry] = score("df.a.max()", [code])["hypotheses"]
    assert not entry["official"]
    assert "Parse Error" in entry["error"]


# E2: rewrite for capture.
def test_E2_1_print_single_argument_is_captured() -> None:
    assert official("df.a.max()", ["print(df.a.max())", "print(df.a.max(), end='')"]) == [
        True,
        True,
    ]


def test_E2_1_print_of_several_values_or_none_has_no_output() -> None:
    assert official("df.a.max()", ["print(df.a.max(), 'x')", "print()"]) == [False, False]


def test_E2_1_print_starred_is_an_execution_error() -> None:
    [entry] = score("df.a.max()", ["print(*[df.a.max()])"])["hypotheses"]
    assert not entry["official"]
    assert entry["error"]


def test_E2_1_earlier_hypothesis_expressions_are_hidden_candidates() -> None:
    reference = "df.sort_values('a', inplace=True)"
    assert official(reference, ["df.sort_values('a')\nprint('done')"]) == [True]


def test_E2_2_last_assignment_value_goes_to_the_output_slot() -> None:
    assert official("x, y = df.a.max(), df.a.min()", ["(df.a.max(), df.a.min())"]) == [True]
    assert official("df['c'] = df.a * 2", ["df.a * 2", "df['c'] = df['a'] * 2"]) == [True, True]


def test_E2_3_other_last_statements_leave_no_output() -> None:
    hypotheses = ["total = 0\ntotal += df.a.sum()", "df.a.sum() if True else None"]
    assert official("df.a.sum()", hypotheses) == [False, True]


def test_E2_3_an_in_place_call_has_no_output() -> None:
    context = FRAME + "df.loc[1, 'b'] = None\n"
    reference = "df['b'] = df['b'].fillna(0)"
    hypotheses = ["df.fillna({'b': 0}, inplace=True)"]
    assert both(reference, hypotheses, context=context) == [(False, True)]


# E3: run.
def test_E3_1_a_failing_context_makes_the_turn_invalid() -> None:
    result = score("df.a.max()", ["df.a.max()"], context=FRAME + "raise ValueError('no')\n")
    assert result["reference_error"]
    assert "ValueError" in result["reference_error"]


def test_E3_2_values_that_cannot_be_copied_become_a_placeholder() -> None:
    namespace = {"g": (i for i in range(3)), "n": 1}
    assert deep_copy_namespace(namespace) == {"g": UNCOPYABLE, "n": 1}
    context = "g = (i for i in range(3))\n"
    assert official("g", ["'<UNCOPYABLE_OBJ>'", "list(range(3))"], context=context) == [
        True,
        False,
    ]


def test_E3_3_a_figure_turn_starts_with_no_figure_open() -> None:
    context = FRAME + "import matplotlib.pyplot as plt\nplt.plot([9, 9, 9])\n"
    assert official("plt.plot([1, 2])", ["plt.plot([1, 2])", "x = 1"], context=context) == [
        True,
        False,
    ]


def test_E3_4_a_raising_hypothesis_is_incorrect() -> None:
    [entry] = score("df.a.max()", ["print('hi')\n1 / 0"])["hypotheses"]
    assert not entry["official"]
    assert "ZeroDivisionError" in entry["error"]


def test_E3_a_hypothesis_past_the_timeout_is_incorrect() -> None:
    [entry] = score("df.a.max()", ["while True:\n    pass"], timeout=1.0)["hypotheses"]
    assert not entry["official"]
    assert entry["timed_out"]


def test_E3_a_failing_reference_makes_the_turn_invalid() -> None:
    result = score("df.nope.max()", ["df.a.max()"])
    assert result["reference_error"]
    assert result["target_rule"] is None


def test_E3_with_a_timeout_file_writes_happen_twice() -> None:
    code = "open('n.txt', 'a').write('x')\nlen(open('n.txt').read())"
    assert both("2", [code]) == [(True, False)]


def test_E3_files_written_earlier_in_the_turn_stay_visible() -> None:
    writer = "open('seen.txt', 'w').write('1')\n3"
    reader = "import os\nos.path.exists('seen.txt') and 3"
    assert official("3", [writer, reader]) == [True, True]


# E4: delta state.
def test_E4_a_context_nan_is_always_changed() -> None:
    context = FRAME + "ratio = float('nan')\n"
    reference = "df.drop(columns='b', inplace=True)"
    assert both(reference, [reference], context=context) == [(False, True)]


def test_E4_an_unpicklable_variable_makes_the_hypothesis_incorrect() -> None:
    [entry] = score("df.a.max()", ["gen = (i for i in range(3))\ndf.a.max()"])["hypotheses"]
    assert not entry["official"]
    assert "pickle" in entry["error"]


def test_E4_an_empty_reference_delta_makes_the_turn_invalid() -> None:
    result = score("def f():\n    return 1\nimport math", ["1"])
    assert result["reference_error"]
    assert "empty delta" in result["reference_error"]


# E5: figure turns.
def test_E5_figure_turns_are_a_substring_test_and_blank_figures_match() -> None:
    context = "import pandas as pd\nbooks = pd.DataFrame({'plot_summary': [3, 5]})\n"
    reference = "books.plot_summary.max()"
    assert both(reference, ["1", "books.plot_summary.min()"], context=context) == [
        (True, False),
        (True, False),
    ]


def test_E5_identical_charts_match_and_others_do_not() -> None:
    context = FRAME + "import matplotlib.pyplot as plt\n"
    hypotheses = ["df['a'].plot()", "df.b.plot()", "df.a.plot()\ndf.a.max()"]
    assert official("df.a.plot()", hypotheses, context=context) == [True, False, True]


# E6: targets.
def test_E6_2_output_variables_match_any_candidate() -> None:
    reference = "m = df.a.max()\nn = 3"
    assert official(reference, ["z = df.a.max()", "m = 0"], output_variables=["m"]) == [
        True,
        False,
    ]


def test_E6_3_only_the_last_output_of_the_reference_is_checked() -> None:
    reference = "print(df.a.max())\nprint(df.a.min())"
    assert both(reference, ["df.a.min()"]) == [(True, False)]


def test_E6_3_the_output_is_compared_with_the_output_slot_only() -> None:
    assert official("df.a.max()", ["m = df.a.max()\nprint('done', m)"]) == [False]


def test_E6_4_changed_variables_match_any_candidate() -> None:
    reference = "df.drop(columns='b', inplace=True)"
    hypotheses = ["df.drop(columns='b')", "df = df.drop(columns='b')"]
    assert both(reference, hypotheses) == [(True, False), (True, True)]


def test_E6_4_no_changed_variable_rejects_every_hypothesis() -> None:
    result = score("for i in range(2):\n    y = i", ["for i in range(2):\n    y = i"])
    assert result["reference_error"] is None
    assert [h["official"] for h in result["hypotheses"]] == [False]


# E7: candidates and verdict.
def test_E7_the_output_slot_may_have_any_type() -> None:
    assert official("d = {'a': 1}", ["{'a': 1}"]) == [True]
    assert official("d = {'a': 1}", ["e = {'a': 1}\nprint('x')"], output_variables=["d"]) == [False]


def test_E7_a_comparison_error_rejects_the_hypothesis_at_once() -> None:
    hypothesis = "import numpy as np\nx = [np.array([1, 2])]\nm = 5"
    assert both("m = 5\nk = 0", [hypothesis], output_variables=["m"]) == [(False, True)]


def test_E7_identical_hypotheses_share_one_verdict() -> None:
    code = "open('runs.txt', 'a').write('x')\nlen(open('runs.txt').read())"
    result = score("2", [code, code])
    assert [h["official"] for h in result["hypotheses"]] == [True, True]
    # One distinct program, run twice (timing run, real run), not four times.
    assert Path("runs.txt").read_text() == "xx"


# E10: strict_match is E8.3 alone.
def test_E10_strict_match_is_strict_equality_alone() -> None:
    assert strictly_equal([1.0, 2.0], [1.0, 2.0])
    assert not strictly_equal([1.0], [1.000001])
    assert not strictly_equal(float("nan"), float("nan"))
