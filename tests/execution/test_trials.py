"""The fork-based executor on a real namespace: results, isolation, crashes and limits."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import pytest

from jupyter_pachinco.execution import Limits, Unpicklable, run_in_forks, run_trials
from jupyter_pachinco.execution.forks import describe_signal

FAST = Limits(wall_time_s=5.0, cpu_time_s=5.0, memory_bytes=512 * 1024**2)


@pytest.fixture
def namespace() -> dict[str, Any]:
    return {"pd": pd, "df": pd.DataFrame({"a": [1, 2, 3]}), "n": 10}


def test_output_values_and_changed_variables_come_back(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["df['b'] = df.a * 2\nm = n + 1\ndf.b.sum()"], FAST)
    assert result.ok
    assert result.output == 12
    assert set(result.changed) == {"df", "m"}
    assert list(result.changed["df"].columns) == ["a", "b"]
    assert result.changed["m"] == 11


def test_the_namespace_itself_is_never_changed(namespace: dict[str, Any]) -> None:
    run_trials(namespace, ["df['b'] = 1\ndel n\nnew = 3"], FAST)
    assert list(namespace["df"].columns) == ["a"]
    assert namespace["n"] == 10
    assert "new" not in namespace


def test_rebinding_an_equal_value_is_not_a_change(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["df = df.copy()\nn = 10"], FAST)
    assert result.changed == {}


def test_kept_names_come_back_even_when_unchanged(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["x = 1"], FAST, keep_names=["n", "missing"])
    assert result.kept == {"n": 10}


def test_stdout_is_captured(namespace: dict[str, Any]) -> None:
    [result] = run_trials(
        namespace, ["print('hi')\nimport sys\nprint('err', file=sys.stderr)"], FAST
    )
    assert result.stdout == "hi\nerr\n"
    assert result.output == "err"  # a final print's first argument


def test_an_exception_is_a_clear_error(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["df['missing']"], FAST)
    assert not result.ok
    assert result.error == "KeyError: 'missing'"


def test_a_syntax_error_is_a_clear_error(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["df["], FAST)
    assert result.error == "SyntaxError: '[' was never closed (line 1)"


def test_exit_calls_are_errors_not_crashes(namespace: dict[str, Any]) -> None:
    results = run_trials(namespace, ["import sys; sys.exit(3)", "import os; os._exit(0)"], FAST)
    assert results[0].error == "SystemExit: 3"
    assert results[1].error == "exited with status 0 before reporting a result"


def test_a_segfault_is_a_failed_trial(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["import ctypes\nctypes.string_at(0)"], FAST)
    assert result.error == "crashed with SIGSEGV (segmentation fault)"


def test_runaway_memory_is_stopped(namespace: dict[str, Any]) -> None:
    limits = Limits(wall_time_s=10.0, memory_bytes=200 * 1024**2)
    [result] = run_trials(
        namespace, ["blocks = [bytearray(50 * 1024**2) for _ in range(100)]"], limits
    )
    assert result.error == "MemoryError"


def test_an_endless_loop_times_out(namespace: dict[str, Any]) -> None:
    limits = Limits(wall_time_s=1.0, cpu_time_s=None, memory_bytes=None)
    [result] = run_trials(namespace, ["while True:\n    pass"], limits)
    assert result.timed_out
    assert result.error == "timed out after 1 s (wall time)"


def test_the_cpu_limit_stops_a_busy_child(namespace: dict[str, Any]) -> None:
    limits = Limits(wall_time_s=20.0, cpu_time_s=1.0, memory_bytes=None)
    [result] = run_trials(namespace, ["while True:\n    pass"], limits)
    assert not result.timed_out
    assert result.error == describe_signal(24)  # SIGXCPU


def test_results_keep_the_order_of_the_cells_when_run_in_parallel(
    namespace: dict[str, Any],
) -> None:
    codes = [f"import time\ntime.sleep({0.3 if i % 2 else 0})\n{i}" for i in range(6)]
    results = run_trials(namespace, codes, FAST, max_parallel=3)
    assert [r.output for r in results] == list(range(6))


def test_unpicklable_values_are_marked(namespace: dict[str, Any]) -> None:
    [result] = run_trials(namespace, ["import threading\nthreading.Lock()"], FAST)
    assert isinstance(result.output, Unpicklable)
    assert result.output.type_name == "lock"


def test_plots_use_a_non_interactive_backend(namespace: dict[str, Any]) -> None:
    [result] = run_trials(
        namespace,
        ["import matplotlib\nimport matplotlib.pyplot as plt\nmatplotlib.get_backend()"],
        FAST,
    )
    assert result.output == "agg"


def test_run_in_forks_reports_each_outcome_as_it_finishes() -> None:
    seen: list[int] = []

    def job(value: int) -> Any:
        return lambda: os.getpid() != value

    outcomes = run_in_forks(
        [job(os.getpid()) for _ in range(3)], FAST, 2, lambda i, _o: seen.append(i)
    )
    assert [outcome.value for outcome in outcomes] == [True, True, True]
    assert sorted(seen) == [0, 1, 2]
