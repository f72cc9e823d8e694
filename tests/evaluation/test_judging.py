"""Which reference values must match, with results of real trial runs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from jupyter_pachinco.evaluation.judging import (
    CHANGED_VARIABLES,
    OUTPUT,
    OUTPUT_VARIABLES,
    ReferenceFailure,
    hypothesis_is_correct,
    reference_targets,
)
from jupyter_pachinco.execution import Limits, TrialResult, run_trials

LIMITS = Limits(wall_time_s=10.0)


def trial(code: str, keep: tuple[str, ...] = ()) -> TrialResult:
    namespace: dict[str, Any] = {"pd": pd, "df": pd.DataFrame({"a": [1, 2, 3], "g": list("xyx")})}
    [result] = run_trials(namespace, [code], LIMITS, keep_names=keep)
    return result


def test_output_variables_must_each_match_some_produced_value() -> None:
    reference = trial("low = df.a.min()\nhigh = df.a.max()", keep=("low", "high"))
    targets = reference_targets(["low", "high"], reference)
    assert targets.rule == OUTPUT_VARIABLES
    assert hypothesis_is_correct(targets, trial("x = df.a.max()\ny = df.a.min()"))
    assert hypothesis_is_correct(targets, trial("df.a.min()\ndf.a.max()"))
    assert not hypothesis_is_correct(targets, trial("x = df.a.max()"))


def test_a_reference_output_must_be_the_hypothesis_output() -> None:
    targets = reference_targets([], trial("df.a.sum()"))
    assert targets.rule == OUTPUT
    assert hypothesis_is_correct(targets, trial("total = df['a'].sum()\nprint(total)"))
    # The right value, but not as the output: ARCADE's output rule looks at the output only.
    assert not hypothesis_is_correct(targets, trial("total = df.a.sum()"))


def test_in_place_edits_compare_changed_variables() -> None:
    reference = trial("df['b'] = df.a * 2")
    targets = reference_targets([], reference)
    assert targets.rule == CHANGED_VARIABLES
    assert [name for name, _ in targets.values] == ["df"]
    assert hypothesis_is_correct(targets, trial("df = df.assign(double=df.a + df.a)"))
    assert not hypothesis_is_correct(targets, trial("df['b'] = df.a * 3"))


def test_a_failing_hypothesis_is_incorrect() -> None:
    targets = reference_targets([], trial("df.a.sum()"))
    assert not hypothesis_is_correct(targets, trial("df.missing.sum()"))


def test_reference_failures_are_reported() -> None:
    with pytest.raises(ReferenceFailure, match="failed: ZeroDivisionError"):
        reference_targets([], trial("1 / 0"))
    with pytest.raises(ReferenceFailure, match="did not define 'z'"):
        reference_targets(["z"], trial("y = 1", keep=("z",)))
    with pytest.raises(ReferenceFailure, match="no output and changes no variable"):
        reference_targets([], trial("import math"))
