"""Kernel-side code reads by position whatever the index (issue 14, kind 2): ``series[:8]`` is
a label slice on a float index in pandas 2.x, a KeyError on others. Run under the newest and
the oldest supported pandas/numpy (``make pytest-oldest``)."""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.kernel_side

PRICES = [5.0, 7.5, 1.25, 9.0, 3.5, 2.0, 8.0, 4.0, 6.5, 0.5, 11.0]


def by_float_index() -> pd.Series:
    frame = pd.DataFrame(
        {"lat": [51.5, 48.8, 59.9, 40.4, 52.5, 41.9, 60.1, 45.0, 47.3, 50.0, 38.7], "price": PRICES}
    )
    return frame.set_index("lat")["price"]


INDEXES: dict[str, Callable[[], pd.Series]] = {
    "unsorted-float": by_float_index,
    "interval": lambda: pd.Series(
        PRICES, index=pd.IntervalIndex.from_breaks(np.arange(12.0) * 2)[::-1]
    ),
    "multi": lambda: pd.Series(
        PRICES,
        index=pd.MultiIndex.from_arrays([list("abcabcabcab"), list(range(11, 0, -1))]),
    ),
    "unsorted-datetime": lambda: pd.Series(
        PRICES,
        index=pd.to_datetime([f"2024-01-{d:02d}" for d in (9, 3, 7, 1, 11, 2, 5, 4, 8, 6, 10)]),
    ),
    "categorical": lambda: pd.Series(PRICES, index=pd.CategoricalIndex(list("zyxwvutsrqp"))),
    "descending-int": lambda: pd.Series(PRICES, index=range(110, 0, -10)),
    "duplicate-labels": lambda: pd.Series(PRICES, index=list("aabbccddeef")),
    "period": lambda: pd.Series(
        PRICES, index=pd.period_range("2020-01", periods=11, freq="M")[::-1]
    ),
}


@pytest.mark.parametrize("make", list(INDEXES.values()), ids=list(INDEXES))
def test_series_examples_are_its_first_values_by_position(
    variables: types.ModuleType, make: Callable[[], pd.Series]
) -> None:
    series = make()
    (described,) = variables.describe_variables({"price": series})
    json.dumps(described, allow_nan=False)
    assert described["kind"] == "series", described
    assert described["examples"] == PRICES[:3]
    assert described["length"] == 11
    assert described["index"] == type(series.index).__name__


@pytest.mark.parametrize("make", list(INDEXES.values()), ids=list(INDEXES))
def test_an_index_of_each_kind_is_described_by_position(
    variables: types.ModuleType, make: Callable[[], pd.Series]
) -> None:
    index = make().index
    (described,) = variables.describe_variables({"where": index})
    assert described["kind"] == "index", described
    assert described["length"] == 11
    assert len(described["examples"]) == 3


@pytest.mark.parametrize("make", list(INDEXES.values()), ids=list(INDEXES))
def test_frames_with_that_index_and_repeated_columns(
    variables: types.ModuleType, make: Callable[[], pd.Series]
) -> None:
    series = make()
    frame = pd.concat([series, series.rename("other") * 2], axis=1)
    frame.columns = ["price", "price"]  # a repeated label must not confuse label lookups
    (described,) = variables.describe_variables({"frame": frame})
    assert described["kind"] == "dataframe", described
    assert [c["examples"] for c in described["columns"]] == [
        PRICES[:3],
        [p * 2 for p in PRICES[:3]],
    ]


@pytest.mark.parametrize("make", list(INDEXES.values()), ids=list(INDEXES))
def test_trial_runs_summarize_and_group_answers_with_that_index(
    kernel_trials: types.ModuleType, make: Callable[[], pd.Series]
) -> None:
    namespace: dict[str, Any] = {"pd": pd, "np": np, "price": make()}
    request = json.dumps(
        {"codes": ["price.head(4)", "price.iloc[:4]", "price.iloc[:4] * 1.0", "price.tail(2)"]}
    )
    answer = json.loads(kernel_trials.trial_run_as_json(namespace, request))
    runs: list[dict[str, Any]] = answer["runs"]
    assert [run["status"] for run in runs] == ["ok"] * 4, runs
    assert runs[0]["shape"] == [4]
    assert "1.25" in runs[0]["preview"]
    groups = [run["group"] for run in runs]
    assert groups[0] == groups[1] == groups[2] != groups[3]
