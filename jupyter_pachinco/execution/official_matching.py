"""The official ARCADE evaluator's value comparison, quirks kept (FORMAT.md E4, E8, E9).

Used only by ``eval score --mode official`` (the default) and its maj@1; the ranking vote
and ``--mode strict`` use ``matching.outputs_match`` instead. Each odd corner, with the case
that shows it (all pinned by ``tests/execution/test_official_matching.py``):

- E4 strict equality compares type *names*, then ``.equals`` (pandas, NaN-aware), then
  ``np.array_equal`` (NaN-unaware: ``[nan] != [nan]``), then a truthy ``==`` (an exception is
  "unequal"). So ``float('nan')`` is never strictly equal to itself.
- E8.1 a numpy scalar becomes ``.item()``: ``np.datetime64(..., 'ns')`` becomes an int.
- E8.2 missing values become 0.0 on each side, but only in lists (top level), float arrays and
  anything with ``fillna``; ``nan`` as a scalar matches nothing, not even ``nan``, while
  ``[nan]`` matches ``[0]``.
- E8.4 collections are listed (a set in iteration order: ``{3, 1, 2}`` lists as ``[1, 2, 3]``
  only by CPython's hashing) and compared with ``np.allclose`` (``rtol=atol=1e-5``, relative to
  the reference: 1e6 matches 1e6 + 9); a list mixing text and numbers becomes all text, where
  ``0 != 0.0``; a list of tuples stays nested while a frame is flattened.
- E8.4e a hypothesis Series keeps its index as leading column(s) and a reference Series drops
  it; every reference column must equal some hypothesis column, now relative to the hypothesis.
- E8.5 a scalar matches a one-element collection; an element that is itself an array raises
  (``ComparisonError``: the whole hypothesis is rejected, E7).
- E8.6 two scalars: ``|h - r| <= 1e-5`` absolute only (``1e6`` vs ``1e6 + 9`` fails), strings
  exactly; Timestamp, date, dict and frozenset only match when strictly equal.
- E9 pandas >= 2 values are read as pandas 1.4 would give them: string extension columns
  as object columns, datetimes in nanoseconds.

``fuzzy_match`` raises ``ComparisonError`` wherever the official evaluator's comparison raises
an error it does not absorb.
"""

from __future__ import annotations

import contextlib
import numbers
from typing import Any

import numpy as np
import pandas as pd

from .figures import FigureImage

ABS_TOLERANCE = 1e-5

COLLECTION_TYPES: tuple[type, ...] = (
    pd.DataFrame,
    pd.Series,
    pd.Index,
    np.ndarray,
    list,
    set,
    tuple,
)
PRIMITIVE_TYPES: tuple[type, ...] = (str, float, int, np.generic)


class ComparisonError(Exception):
    """A comparison raised an error the official matcher does not absorb (E7: reject at once)."""


def strictly_equal(a: Any, b: Any) -> bool:
    """E4 / E8.3: same type name and equal; the official ``is_variable_equal``.

    Raises what ``.equals`` / ``np.array_equal`` raise (rare); the caller decides what that means.
    """
    if str(type(a)) != str(type(b)):
        return False
    if isinstance(a, (pd.Series, pd.DataFrame, pd.Index)):
        return bool(a.equals(b))
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b))
    if isinstance(a, FigureImage):
        return bool(a == b)
    try:
        return bool(a == b)
    except Exception:  # the official evaluator calls any error "unequal" here
        return False


def fuzzy_match(hypothesis: Any, reference: Any, permute_invariant: bool = True) -> bool:
    """E8: whether candidate ``hypothesis`` matches target ``reference``.

    ``permute_invariant=False`` switches E8.4e off (the official maj@1 clustering does).
    Raises ``ComparisonError`` for an error the official evaluator does not absorb.
    """
    try:
        # A cheap check first: values already strictly equal stay equal after E8.1-E8.2 and
        # E9, so they match (E8.3) without converting or filling any copy.
        if _equal_as_given(hypothesis, reference):
            return True
        return _fuzzy(as_pandas14(hypothesis), as_pandas14(reference), permute_invariant)
    except ComparisonError:
        raise
    except Exception as exc:  # the official run turns any such error into a rejection
        raise ComparisonError(f"{type(exc).__name__}: {exc}") from exc


def _equal_as_given(hyp: Any, ref: Any) -> bool:
    try:
        return strictly_equal(hyp, ref)
    except Exception:  # decided by the full comparison, which reports its own errors
        return False


def _fuzzy(hyp: Any, ref: Any, permute_invariant: bool) -> bool:
    hyp = try_fillna(to_python_scalar(hyp))
    ref = try_fillna(to_python_scalar(ref))
    if strictly_equal(hyp, ref):
        return True
    if isinstance(hyp, COLLECTION_TYPES) and isinstance(ref, COLLECTION_TYPES):
        return _collections_match(hyp, ref, permute_invariant)
    hyp_primitive = isinstance(hyp, PRIMITIVE_TYPES)
    ref_primitive = isinstance(ref, PRIMITIVE_TYPES)
    if hyp_primitive and isinstance(ref, COLLECTION_TYPES):
        return _primitive_in_collection(hyp, ref)
    if ref_primitive and isinstance(hyp, COLLECTION_TYPES):
        return _primitive_in_collection(ref, hyp)
    if hyp_primitive and ref_primitive:
        return _truthy(values_match(hyp, ref))
    return False


def _collections_match(hyp: Any, ref: Any, permute_invariant: bool) -> bool:
    """E8.4 a-e."""
    hyp_list, ref_list = to_list(hyp), to_list(ref)
    if len(hyp_list) == len(ref_list):
        hyp_list = flatten_once(hyp_list)
        ref_list = flatten_once(ref_list)
    with contextlib.suppress(Exception):  # E8.4c: any error -> go on
        if values_match(hyp_list, ref_list):
            return True
    if isinstance(hyp, pd.Series):
        hyp = hyp.to_frame()
        # If the Series has its index's name, resetting fails: keep the one-column frame.
        with contextlib.suppress(Exception):
            hyp = hyp.reset_index()
    if isinstance(ref, pd.Series):
        ref = ref.to_frame()
    if not (
        permute_invariant
        and isinstance(hyp, pd.DataFrame)
        and isinstance(ref, pd.DataFrame)
        and len(hyp) == len(ref)
        and len(hyp.columns) >= len(ref.columns)
    ):
        return False
    return _columns_covered(hyp, ref)


def _columns_covered(hyp: pd.DataFrame, ref: pd.DataFrame) -> bool:
    """E8.4e: each reference column passes the sequence test with some hypothesis column."""
    hyp_columns = [_listed(hyp[name].values) for name in hyp.columns]
    for name in ref.columns:
        column = _listed(ref[name].values)
        if not any(_column_matches(column, other) for other in hyp_columns):
            return False
    return True


def _column_matches(ref_column: list[Any], hyp_column: list[Any]) -> bool:
    try:
        result = values_match(ref_column, hyp_column)
    except Exception:  # logged and skipped by the official evaluator
        return False
    return result is True


def _primitive_in_collection(primitive: Any, collection: Any) -> bool:
    """E8.5: a scalar against a collection of exactly one element."""
    values = flatten_once(to_list(collection))
    if len(values) != 1:
        return False
    try:
        result = values_match(values[0], primitive)
    except TypeError:
        return False
    return _truthy(result)


def values_match(a: Any, b: Any) -> Any:
    """The official ``variable_or_list_fuzzy_equivalence`` (E8.4c sequence test, E8.6)."""
    a = to_python_scalar(a)
    b = to_python_scalar(b)
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return abs(a - b) <= ABS_TOLERANCE  # type: ignore[operator]
    if isinstance(a, COLLECTION_TYPES) and isinstance(b, COLLECTION_TYPES):
        left, right = _as_array(a), _as_array(b)
        if left.shape != right.shape:
            return False
        try:
            return bool(np.allclose(left, right, atol=ABS_TOLERANCE))
        except Exception:  # text, mixed or object values
            return bool(np.array_equal(left, right))
    return bool(a == b)


def _as_array(value: Any) -> np.ndarray:
    try:
        return np.asarray(value)
    except ValueError:
        # numpy 1.21 made ragged lists object arrays (with a warning); newer numpy raises.
        items = list(value)
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array


def _truthy(result: Any) -> bool:
    if isinstance(result, np.bool_):
        return bool(result)
    return result is True


def to_python_scalar(value: Any) -> Any:
    """E8.1: a numpy scalar or 0-d array becomes ``.item()``."""
    if isinstance(value, (np.ndarray, np.generic)) and value.ndim == 0:
        return value.item()
    return value


def try_fillna(value: Any, fill: float = 0.0) -> Any:
    """E8.2: missing values -> 0.0 in lists, float arrays and anything with ``fillna``."""
    if isinstance(value, list):
        return [fill if _is_na(item) else item for item in value]
    try:
        if isinstance(value, np.ndarray):
            return np.nan_to_num(value, nan=fill)
        if hasattr(value, "fillna"):
            return value.fillna(fill)
    except Exception:  # left unchanged, as the official evaluator does
        pass
    return value


def _is_na(item: Any) -> bool:
    try:
        missing = pd.isna(item)
    except Exception:
        return False
    return isinstance(missing, bool) and missing


def to_list(value: Any) -> list[Any]:
    """E8.4a: pandas -> ``.values.tolist()``, ndarray -> ``.tolist()``, others -> ``list()``."""
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return _listed(value.values)
    if isinstance(value, np.ndarray):
        listed: list[Any] = value.tolist()
        return listed
    return list(value)


def _listed(values: Any) -> list[Any]:
    values = as_pandas14(values)
    if isinstance(values, np.ndarray):
        listed: list[Any] = values.tolist()
        return listed
    if isinstance(values, pd.Categorical):
        return list(values.tolist())
    # pandas 1.4 had no ``tolist`` on other extension arrays (intervals, periods, ...): the
    # official comparison raised AttributeError there. Nullable numbers never get here.
    raise AttributeError(f"'{type(values).__name__}' object has no attribute 'tolist'")


def flatten_once(items: list[Any]) -> list[Any]:
    """E8.4b: a non-empty list of lists loses one level (tuples are not lists)."""
    if isinstance(items, list) and items and all(isinstance(item, list) for item in items):
        return [value for item in items for value in item]
    return items


def as_pandas14(value: Any) -> Any:
    """E9: string extension columns -> object, datetimes -> nanoseconds (pandas 1.4 values).

    Nullable numbers (``Int64``, ``Float64``, ``boolean``) become numpy too: pandas 3 returns
    them where pandas 1.4 gave numpy, e.g. ``.size()`` of a group by pyarrow-backed strings.
    """
    if isinstance(value, pd.DataFrame):
        masked = [i for i, dtype in enumerate(value.dtypes) if _is_nullable_number(dtype)]
        if masked:
            value = value.copy()
            for i in masked:
                value.isetitem(i, _masked_to_numpy(value.iloc[:, i]))
        changes = {c: _pandas14_dtype(t) for c, t in value.dtypes.items()}
        changes = {c: t for c, t in changes.items() if t is not None}
        return value.astype(changes) if changes else value
    if isinstance(value, (pd.Series, pd.Index)):
        value = _masked_to_numpy(value)
        dtype = _pandas14_dtype(value.dtype)
        return value.astype(dtype) if dtype is not None else value
    if isinstance(value, np.ndarray) and value.dtype.kind in "mM":
        dtype = _pandas14_dtype(value.dtype)
        return value.astype(dtype) if dtype is not None else value
    if isinstance(value, pd.api.extensions.ExtensionArray) and isinstance(
        value.dtype, pd.StringDtype
    ):
        return np.asarray(value, dtype=object)
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return value.astype(f"{type(value).__name__}[ns]")
    return value


def _is_nullable_number(dtype: Any) -> bool:
    return (
        not isinstance(dtype, np.dtype)
        and getattr(dtype, "numpy_dtype", None) is not None
        and getattr(dtype, "kind", "") in "iufb"
    )


def _masked_to_numpy(values: Any) -> Any:
    """A nullable-number Series or Index as numpy: its own dtype when nothing is missing, else
    float64 (numbers; missing -> NaN) or object (booleans), as pandas 1.4 would have held it."""
    dtype = values.dtype
    if not _is_nullable_number(dtype):
        return values
    if not values.isna().any():
        return values.astype(dtype.numpy_dtype)
    return values.astype("float64" if dtype.kind in "iuf" else object)


def _pandas14_dtype(dtype: Any) -> Any:
    if isinstance(dtype, pd.StringDtype):
        return object
    if isinstance(dtype, np.dtype) and dtype.kind in "mM" and np.datetime_data(dtype)[0] != "ns":
        return np.dtype(f"{'datetime64' if dtype.kind == 'M' else 'timedelta64'}[ns]")
    if isinstance(dtype, pd.DatetimeTZDtype) and dtype.unit != "ns":
        return pd.DatetimeTZDtype("ns", dtype.tz)
    return None
