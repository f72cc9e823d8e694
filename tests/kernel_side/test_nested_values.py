"""Nested values (#27 kind 7) in kernel-side code, under the newest and the oldest supported
pandas/numpy (``make pytest-oldest``): the vote's matcher compares arrays, lists, tuples and
dicts inside cells by their elements and never raises; the describer shows such columns'
example values, not ``ndarray(shape=...)``."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.kernel_side

ORDERS = pd.DataFrame(
    {
        "customer": ["ann", "ann", "bo", "cy"],
        "item": ["tea", "jam", "egg", "jam"],
        "n": [1, 2, 3, 4],
    }
)


@pytest.fixture(scope="module")
def matching() -> types.ModuleType:
    from jupyter_pachinco.server.kernels.shipping import load_kernel_module

    return load_kernel_module("execution.matching")


def by_customer() -> pd.core.groupby.DataFrameGroupBy:
    return ORDERS.groupby("customer")


AGREE = [
    (lambda: by_customer()["item"].unique(), lambda: by_customer()["item"].apply(list)),
    (
        lambda: by_customer()["item"].unique().reset_index(),
        lambda: by_customer()["item"].apply(lambda s: s.to_numpy()).reset_index(),
    ),
    (lambda: by_customer()["n"].agg(tuple), lambda: by_customer()["n"].apply(np.asarray)),
    (
        lambda: pd.Series([{"k": np.array([1, 2])}, {"k": np.array([3])}]),
        lambda: pd.Series([{"k": [1, 2]}, {"k": (3,)}]),
    ),
    (lambda: [np.array([1.0, 2.0]), {"a": np.array([3])}], lambda: [[1.0, 2.0000001], {"a": [3]}]),
    (lambda: {"x": np.array([[1, 2], [3, 4]])}, lambda: {"x": [[1, 2], [3, 4]]}),
]
DIFFER = [
    (lambda: by_customer()["item"].unique(), lambda: by_customer()["item"].apply(sorted)),
    (lambda: pd.Series([{"k": np.array([1, 2])}]), lambda: pd.Series([{"j": np.array([1, 2])}])),
    (lambda: [np.array([1, 2])], lambda: [np.array([1, 2, 3])]),
    (lambda: {"x": np.array([1, 2])}, lambda: {"x": "[1, 2]"}),
]


@pytest.mark.parametrize(("first", "second"), AGREE)
def test_equal_nested_values_match_both_ways(
    matching: types.ModuleType, first: object, second: object
) -> None:
    a, b = first(), second()  # type: ignore[operator]
    assert matching.outputs_match(a, b)
    assert matching.outputs_match(b, a)
    assert matching.cluster_matching_outputs([a, b]) == [[0, 1]]


@pytest.mark.parametrize(("first", "second"), DIFFER)
def test_different_nested_values_do_not_match(
    matching: types.ModuleType, first: object, second: object
) -> None:
    assert not matching.outputs_match(first(), second())  # type: ignore[operator]


def test_columns_of_arrays_show_their_values(variables: types.ModuleType) -> None:
    frame = by_customer()["item"].unique().reset_index()
    frame["grid"] = [np.zeros((2, 2))] * len(frame)
    frame["meta"] = [{"k": np.array([1, 2])}] * len(frame)
    [described] = variables.describe_variables({"frame": frame})
    examples = {column["name"]: column["examples"][0] for column in described["columns"]}
    assert examples["item"] == "['tea', 'jam']"
    assert examples["grid"] == "[[0.0, 0.0], [0.0, 0.0]]"
    assert "[1, 2]" in examples["meta"]
    assert not any("shape=" in str(value) for value in examples.values())
