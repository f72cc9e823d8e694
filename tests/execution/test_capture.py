"""ARCADE output capture: the rewritten cell keeps its output and expression values."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_pachinco.execution.capture import (
    OUTPUT_NAME,
    VALUES_NAME,
    compile_with_capture,
    neutralize_notebook_syntax,
)


def run_captured(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(compile_with_capture(code), "<test>", "exec"), namespace)
    return namespace


def test_last_expression_is_the_output() -> None:
    namespace = run_captured("x = 2\nx * 3")
    assert namespace[OUTPUT_NAME] == 6
    assert namespace[VALUES_NAME] == [6]


def test_final_print_counts_as_its_argument_and_still_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace = run_captured("x = [1, 2]\nprint(len(x))")
    assert namespace[OUTPUT_NAME] == 2
    assert capsys.readouterr().out == "2\n"


def test_other_top_level_expressions_are_captured_in_order() -> None:
    namespace = run_captured("a = 1\na + 10\nb = 5\nb * 2")
    assert namespace[VALUES_NAME] == [11, 10]
    assert namespace[OUTPUT_NAME] == 10


def test_no_final_expression_means_no_output() -> None:
    namespace = run_captured("a = 1\na + 1\nb = a")
    assert namespace[OUTPUT_NAME] is None
    assert namespace[VALUES_NAME] == [2]


def test_nested_expressions_are_not_captured() -> None:
    namespace = run_captured("total = 0\nfor i in range(3):\n    total + i\ntotal")
    assert namespace[VALUES_NAME] == [0]


def test_a_print_that_is_not_last_is_only_a_side_effect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace = run_captured("print('hello')\n41 + 1")
    assert namespace[OUTPUT_NAME] == 42
    assert namespace[VALUES_NAME] == [None, 42]
    assert capsys.readouterr().out == "hello\n"


def test_magics_and_shell_lines_become_pass() -> None:
    code = "%matplotlib inline\nif True:\n    !ls\nx = 1\nx"
    assert neutralize_notebook_syntax(code) == "pass\nif True:\n    pass\nx = 1\nx"
    assert run_captured(code)[OUTPUT_NAME] == 1


def test_syntax_errors_are_reported() -> None:
    with pytest.raises(SyntaxError):
        compile_with_capture("df[")
