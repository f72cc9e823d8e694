"""The official matcher, FORMAT.md E4, E8 and E9: one test per numbered rule, named after it."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from jupyter_pachinco.execution.figures import FigureImage
from jupyter_pachinco.execution.official_matching import (
    ComparisonError,
    fuzzy_match,
    strictly_equal,
)


def test_E4_strict_equality_compares_type_names_then_values() -> None:
    assert strictly_equal(pd.DataFrame({"a": [np.nan]}), pd.DataFrame({"a": [np.nan]}))
    assert not strictly_equal(np.array([np.nan]), np.array([np.nan]))
    assert not strictly_equal(float("nan"), float("nan"))
    assert not strictly_equal(1, 1.0)
    assert strictly_equal(FigureImage(1, 1, "L", b"\x00"), FigureImage(1, 1, "L", b"\x00"))


def test_E8_1_numpy_scalars_become_python_values() -> None:
    assert fuzzy_match(np.int64(3), 3)
    assert fuzzy_match(np.array(2.5), 2.5)
    stamp = np.datetime64("2020-01-01T00:00:00", "ns")
    assert fuzzy_match(stamp, int(stamp.astype("int64")))


def test_E8_2_missing_values_become_zero_in_lists_arrays_and_frames() -> None:
    assert fuzzy_match([np.nan, 1], [0, 1])
    assert fuzzy_match(np.array([np.nan, 2.0]), [0.0, 2.0])
    assert fuzzy_match(pd.Series([np.nan, 2.0]), [0, 2])
    assert fuzzy_match(pd.DataFrame({"a": [None, 1.0]}), pd.DataFrame({"a": [0.0, 1.0]}))


def test_E8_2_a_nan_scalar_matches_nothing_and_tuples_are_not_filled() -> None:
    assert not fuzzy_match(float("nan"), float("nan"))
    assert not fuzzy_match(float("nan"), 0.0)
    assert not fuzzy_match((np.nan, 1), [0, 1])


def test_E8_3_strictly_equal_values_match_lists_by_python_equality() -> None:
    assert fuzzy_match(["x", 0], ["x", 0.0])
    assert fuzzy_match({"a": 1}, {"a": 1.0})


def test_E8_4a_sets_are_listed_in_iteration_order() -> None:
    assert list({10, 1}) == [1, 10]
    assert fuzzy_match({10, 1}, [1, 10])
    assert not fuzzy_match({10, 1}, [10, 1])


def test_E8_4b_lists_of_lists_are_flattened_once_tuples_are_not() -> None:
    frame = pd.DataFrame({"n": [1, 2], "s": ["a", "b"]})
    assert fuzzy_match([[1, "a"], [2, "b"]], frame)
    assert not fuzzy_match([(1, "a"), (2, "b")], frame)


def test_E8_4c_sequences_use_relative_and_absolute_tolerance() -> None:
    assert fuzzy_match([1e6 + 9], [1e6])
    assert not fuzzy_match([1e6 + 20], [1e6])
    assert fuzzy_match(pd.Series([3, 1], index=["x", "y"]), [3, 1])


def test_E8_4c_text_mixed_with_numbers_compares_as_text() -> None:
    assert not fuzzy_match(("x", 0), ["x", 0.0])
    assert fuzzy_match(("x", 0), ["x", 0])


def test_E8_4d_a_hypothesis_series_keeps_its_index_a_reference_series_drops_it() -> None:
    counts = pd.Series([2, 1], index=pd.Index(["jp", "gr"], name="country"))
    assert fuzzy_match(counts, pd.DataFrame({"c": ["jp", "gr"], "n": [2, 1]}))
    reference = pd.Series([5, 6], index=["p", "q"])
    assert fuzzy_match(pd.DataFrame({"x": ["u", "v"], "n": [5, 6]}), reference)
    named = pd.Series([1, 2], index=pd.Index(["a", "b"], name="v"), name="v")
    assert fuzzy_match(named, pd.DataFrame({"v": [1, 2]}))


def test_E8_4e_columns_by_values_extra_columns_ignored_row_order_kept() -> None:
    hyp = pd.DataFrame({"n": [5, 6], "city": ["A", "B"], "extra": [0, 0]})
    assert fuzzy_match(hyp, pd.DataFrame({"city": ["A", "B"], "n": [5, 6]}))
    assert not fuzzy_match(hyp.iloc[::-1], pd.DataFrame({"city": ["A", "B"], "n": [5, 6]}))
    assert not fuzzy_match(hyp[["city"]], pd.DataFrame({"city": ["A", "B"], "n": [5, 6]}))


def test_E8_4e_can_be_switched_off_for_majority_clustering() -> None:
    hyp = pd.DataFrame({"n": [5, 6], "extra": [0, 1]})
    assert fuzzy_match(hyp, pd.DataFrame({"n": [5, 6]}))
    assert not fuzzy_match(hyp, pd.DataFrame({"n": [5, 6]}), permute_invariant=False)


def test_E8_5_a_scalar_matches_a_single_element_collection() -> None:
    assert fuzzy_match(5, [5])
    assert fuzzy_match(pd.DataFrame({"a": ["x"]}), "x")
    assert not fuzzy_match(5, [5, 5])
    assert not fuzzy_match(pd.Timestamp("2020-01-01"), [pd.Timestamp("2020-01-01")])


def test_E8_5_an_element_that_is_an_array_raises() -> None:
    with pytest.raises(ComparisonError):
        fuzzy_match([np.array([1, 2])], 5)


def test_E8_6_two_scalars_absolute_tolerance_only() -> None:
    assert fuzzy_match(0.1 + 0.2, 0.3)
    assert not fuzzy_match(1e6 + 9, 1e6)
    assert fuzzy_match(True, 1)
    assert not fuzzy_match("Tokyo", "tokyo")


def test_E8_7_other_values_only_match_when_strictly_equal() -> None:
    assert not fuzzy_match({"a": 1}, {"a": 1.000001})
    assert not fuzzy_match({"a": 1}, pd.Series({"a": 1}))
    assert not fuzzy_match(pd.Timestamp("2020-01-01"), datetime.date(2020, 1, 1))
    assert not fuzzy_match(frozenset({1}), {1})


def test_E9_string_columns_and_arrays_read_as_object_arrays() -> None:
    text = pd.Series(["a", "b", "a"], dtype="string")
    assert fuzzy_match(text.unique(), ["a", "b"])
    assert fuzzy_match(pd.Series(["x", "y"], dtype="string").groupby(["x", "y"]).size(), [1, 1])
    assert fuzzy_match(pd.Index(["p", "q"], dtype="string"), ["p", "q"])


def test_E9_nullable_numbers_read_as_numpy() -> None:
    assert fuzzy_match(pd.Series([1, 2], dtype="Int64"), [1, 2])
    assert fuzzy_match(pd.Series([1.5, None], dtype="Float64"), [1.5, 0.0])  # NaN -> 0 (E8.2)
    assert fuzzy_match(pd.DataFrame({"n": pd.array([3, 4], dtype="Int64")}), [3, 4])


def test_E9_datetimes_compare_in_nanoseconds() -> None:
    micro = np.array(["2020-01-01"], dtype="datetime64[us]")
    nanos = int(np.datetime64("2020-01-01", "ns").astype("int64"))
    assert fuzzy_match(micro, [nanos])
    assert fuzzy_match(pd.Series(micro), [nanos])
