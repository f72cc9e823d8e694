"""Our strict matcher (``matching``, the ranking vote's): one group of tests per rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_pachinco.execution.matching import (
    as_value_list,
    cluster_matching_outputs,
    normalize_value,
    outputs_match,
)


# Rule 1-2: numpy 0-d values become Python scalars; missing values are one value.
def test_missing_values_match_each_other_not_zero() -> None:
    hyp = pd.DataFrame({"a": [1.0, np.nan]})
    assert outputs_match(hyp, pd.DataFrame({"a": [1.0, None]}))
    assert not outputs_match(hyp, pd.DataFrame({"a": [1.0, 0.0]}))
    assert not outputs_match(pd.DataFrame({"a": [1.0, 0.0]}), hyp)


def test_a_missing_scalar_matches_a_missing_scalar_only() -> None:
    assert outputs_match(float("nan"), np.float64("nan"))
    assert outputs_match(None, pd.NA)
    assert not outputs_match(float("nan"), 0)
    assert not outputs_match(float("nan"), 1)


def test_nan_in_arrays_is_missing_not_zero() -> None:
    assert outputs_match(np.array([np.nan, 2.0]), [None, 2])
    assert not outputs_match(np.array([np.nan, 2.0]), [0, 2])


def test_numpy_zero_d_values_become_python_scalars() -> None:
    assert normalize_value(np.int64(3)) == 3
    assert type(normalize_value(np.int64(3))) is int
    assert type(normalize_value(np.array(2.5))) is float
    assert outputs_match(np.int64(3), 3)
    assert outputs_match(np.array(7), 7)


# Rule 2: exactly equal values match.
def test_exactly_equal_values_match() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert outputs_match(frame, frame.copy())
    assert outputs_match({"k": 1}, {"k": 1})
    assert outputs_match("Tokyo", "Tokyo")


def test_dicts_only_match_exactly() -> None:
    # A dict is not one of the collections of rule 3: it only matches by `==`.
    assert not outputs_match({"a": 1}, [1])
    assert not outputs_match({"a": 1}, {"b": 1})


def test_unequal_strings_do_not_match() -> None:
    assert not outputs_match("Tokyo", "tokyo")


# Rule 3: collections compare as value lists, labels ignored.
def test_series_ignores_index_and_name_against_list() -> None:
    series = pd.Series([3, 1], index=["x", "y"], name="count")
    assert outputs_match(series, [3, 1])
    assert outputs_match([3, 1], series)


def test_frames_ignore_column_names_and_index() -> None:
    hyp = pd.DataFrame({"p": [1, 2], "q": [3, 4]}, index=[10, 11])
    ref = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    assert outputs_match(hyp, ref)


def test_one_column_frame_flattens_to_a_list() -> None:
    assert as_value_list(pd.DataFrame({"a": [1, 2, 3]})) == [1, 2, 3]
    assert outputs_match(pd.DataFrame({"a": [1, 2, 3]}), pd.Series([1, 2, 3]))
    assert outputs_match([[1], [2]], (1, 2))


def test_numbers_within_tolerance_else_exact() -> None:
    assert outputs_match([1.0, 2.0], [1.000001, 2.0])
    assert not outputs_match([1.0, 2.0], [1.001, 2.0])
    assert not outputs_match(["a", "b"], ["a", "B"])


def test_collections_need_the_same_shape() -> None:
    assert not outputs_match([1, 2, 3], [1, 2])
    assert not outputs_match(np.array([[1, 2], [3, 4]]), [1, 2, 3, 4])


def test_row_order_matters() -> None:
    hyp = pd.DataFrame({"a": [2, 1]})
    ref = pd.DataFrame({"a": [1, 2]})
    assert not outputs_match(hyp, ref)


def test_index_and_ndarray_and_tuple_are_collections() -> None:
    assert outputs_match(pd.Index(["Japan"]), ["Japan"])
    assert outputs_match(np.array([1, 2]), (1, 2))


def test_sets_have_no_order() -> None:
    assert outputs_match({3, 1, 2}, [1, 2, 3])
    assert outputs_match({"b", "a"}, ["a", "b"])
    assert outputs_match(["b", "a"], {"a", "b"})
    assert not outputs_match({3, 1, 2}, [1, 2, 4])


def test_one_relative_tolerance_for_scalars_and_collections() -> None:
    assert outputs_match(1e6 + 9, 1e6)
    assert outputs_match([1e6 + 9], [1e6])
    assert not outputs_match(1e6 + 20, 1e6)
    assert not outputs_match([1e6 + 20], [1e6])


# Rule 4: Series hypothesis -> frame with its index reset; frames compare column by column.
def test_series_hypothesis_index_becomes_a_column() -> None:
    counts = pd.Series([2, 1], index=pd.Index(["Japan", "Greece"], name="Country"), name="n")
    ref = pd.DataFrame({"country": ["Japan", "Greece"], "count": [2, 1]})
    assert outputs_match(counts, ref)


def test_series_reference_index_is_ignored() -> None:
    # The odd corner: a reference Series loses its index, so the hypothesis need not hold it.
    ref = pd.Series([2, 1], index=["Japan", "Greece"])
    hyp = pd.DataFrame({"x": ["a", "b"], "n": [2, 1]})
    assert outputs_match(hyp, ref)
    # ... while a hypothesis Series keeps its index as a column.
    ref_frame = pd.DataFrame({"c": ["Japan", "Greece"], "n": [2, 1]})
    assert not outputs_match(pd.Series([2, 1], index=["Spain", "Greece"]), ref_frame)


def test_extra_hypothesis_columns_and_column_order_are_ignored() -> None:
    hyp = pd.DataFrame({"n": [5, 6], "city": ["A", "B"], "extra": [0, 0]})
    ref = pd.DataFrame({"city": ["A", "B"], "n": [5, 6]})
    assert outputs_match(hyp, ref)


def test_hypothesis_with_fewer_columns_does_not_match() -> None:
    hyp = pd.DataFrame({"city": ["A", "B"]})
    ref = pd.DataFrame({"city": ["A", "B"], "n": [5, 6]})
    assert not outputs_match(hyp, ref)


def test_frames_need_the_same_number_of_rows() -> None:
    hyp = pd.DataFrame({"city": ["A", "B", "C"], "n": [5, 6, 7]})
    ref = pd.DataFrame({"city": ["A", "B"], "n": [5, 6]})
    assert not outputs_match(hyp, ref)


def test_column_values_use_the_tolerance() -> None:
    hyp = pd.DataFrame({"x": [0.1 + 0.2, 1.0], "y": ["a", "b"]})
    ref = pd.DataFrame({"y": ["a", "b"], "x": [0.3, 1.0]})
    assert outputs_match(hyp, ref)


def test_frame_rule_keeps_row_order() -> None:
    hyp = pd.DataFrame({"city": ["B", "A"], "n": [6, 5], "z": [0, 0]})
    ref = pd.DataFrame({"city": ["A", "B"], "n": [5, 6]})
    assert not outputs_match(hyp, ref)


def test_series_named_like_its_index_still_resets() -> None:
    series = pd.Series([1, 2], index=pd.Index(["a", "b"], name="v"), name="v")
    assert outputs_match(series, pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}))


# Rule 5: a scalar matches a collection holding exactly one element.
def test_scalar_matches_single_element_collections() -> None:
    assert outputs_match(5, [5])
    assert outputs_match([5.0000001], 5)
    assert outputs_match(pd.DataFrame({"a": ["x"]}), "x")
    assert outputs_match("x", pd.Series(["x"], index=["row"]))
    assert not outputs_match(5, [5, 5])
    assert not outputs_match(5, [])


# Rule 6: two scalars.
def test_scalars_numbers_within_tolerance() -> None:
    assert outputs_match(0.1 + 0.2, 0.3)
    assert outputs_match(3, 3.000001)
    assert not outputs_match(3, 3.1)


def test_scalars_of_other_kinds_compare_with_equality() -> None:
    assert outputs_match(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-01"))
    assert not outputs_match(None, 0)
    assert not outputs_match("3", 3)


def test_values_whose_equality_is_ambiguous_are_compared_by_their_elements() -> None:
    # `==` on these gives an array, whose truth is ambiguous: elements decide instead (#27).
    assert outputs_match({"a": np.array([1, 2])}, {"a": np.array([1, 2])})
    assert not outputs_match({"a": np.array([1, 2])}, {"a": np.array([1, 3])})
    assert not outputs_match({"a": np.array([1, 2])}, {"b": np.array([1, 2])})


# Clustering for maj@1 and ranking.
def test_clusters_group_mutually_matching_outputs_largest_first() -> None:
    outputs = [1, 2, 2.0000001, [2], 3]
    clusters = cluster_matching_outputs(outputs)
    assert clusters[0] == [1, 2, 3]
    assert sorted(map(tuple, clusters[1:])) == [(0,), (4,)]


def test_cluster_ties_keep_the_first_cluster() -> None:
    assert cluster_matching_outputs(["a", "b", "a", "b"]) == [[0, 2], [1, 3]]


def test_cluster_needs_matching_both_ways() -> None:
    wide = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    narrow = pd.DataFrame({"a": [1, 2]})
    assert outputs_match(wide, narrow)
    assert cluster_matching_outputs([wide, narrow]) == [[0], [1]]
