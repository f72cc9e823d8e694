"""Our own fuzzy output matching ("strict" rules): the ranking vote and ``eval score --mode
strict`` use it. The official ARCADE matcher, quirks included, is ``official_matching``.

``outputs_match(hypothesis, reference)`` never raises, for any pair of values. In order:

1. numpy scalars and 0-d arrays become Python values; pandas string (extension) columns count
   as object columns.
2. *Missing* values (None, float/numpy NaN, ``pd.NA``, ``pd.NaT``, ``np.datetime64('NaT')``,
   ``Decimal('NaN')``) are one value, wherever they occur: missing matches missing and nothing
   else. ``NaN`` never becomes 0, so ``[nan]`` does not match ``[0.0]``.
3. Equal (same type and ``equals`` / ``==``, missing values equal) -> match.
4. Both collections (DataFrame, Series, Index, ndarray, list, tuple, set, frozenset): compared as
   value lists, labels ignored, a list of one-element rows flattened. A set has no order: a set
   is compared with the other side sorted (when the items sort). Otherwise a Series hypothesis
   becomes a frame with its index as a column, and two frames with the same row count match
   when every reference column equals some hypothesis column.
5. A scalar matches a collection holding exactly that one element.
6. Two numbers match within ``|h - r| <= 1e-5 + 1e-5 * |r|``, the same tolerance for scalars
   and for collection items (relative to the reference); other scalars by ``==``.
7. *Nested* values: an element that holds several values (a numpy array in a cell, as
   ``groupby(...).unique()`` gives, or a pandas extension array, as it gives under pandas 3;
   a list or tuple; a pyarrow list scalar; a Series; a set) is
   compared element by element, by these rules; dicts (in cells or whole) by their keys and
   then value by value. Never by an ``==`` whose result is an array.

Anything that cannot be compared (a broken ``__eq__``, an exotic dtype) does not match.
This module runs inside the user's kernel (``kernel_trials``): standard library, numpy and
pandas only, Python 3.9 syntax.
"""

from __future__ import annotations

import datetime
import decimal
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

TOLERANCE = 1e-5

COLLECTION_TYPES: tuple[type, ...] = (
    pd.DataFrame,
    pd.Series,
    pd.Index,
    np.ndarray,
    list,
    set,
    frozenset,
    tuple,
)

_MISSING = object()


def outputs_match(hypothesis: Any, reference: Any) -> bool:
    """Whether a hypothesis value matches a reference value (rules above); never raises."""
    try:
        # A cheap check first: identical values match without normalized copies.
        if type(hypothesis) is type(reference) and exactly_equal(hypothesis, reference):
            return True
        return _match(normalize_value(hypothesis), normalize_value(reference))
    except Exception:  # any value may misbehave when compared; it then matches nothing
        return False


def _match(hyp: Any, ref: Any) -> bool:
    if exactly_equal(hyp, ref):
        return True
    if isinstance(hyp, dict) or isinstance(ref, dict):
        return _items_match(hyp, ref)
    hyp_is_collection = is_collection(hyp)
    ref_is_collection = is_collection(ref)
    if hyp_is_collection and ref_is_collection:
        if value_lists_match(*_comparable_lists(hyp, ref)):
            return True
        return frames_match(hyp, ref)
    if hyp_is_collection:
        return single_element_matches(hyp, ref)
    if ref_is_collection:
        return single_element_matches(ref, hyp)
    return scalars_match(hyp, ref)


def is_missing(value: Any) -> bool:
    """None, NaN (float, numpy, Decimal), ``pd.NA`` and NaT; never raises."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, decimal.Decimal):
        return value.is_nan()
    if isinstance(value, (np.floating, np.complexfloating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    if isinstance(value, complex):
        return math.isnan(value.real) or math.isnan(value.imag)
    return False


def normalize_value(value: Any) -> Any:
    """numpy 0-d values -> Python scalars (datetimes -> Timestamp); missing -> one marker."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if is_missing(value):
        return _MISSING
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return _object_strings(value)
    return value


def _object_strings(value: Any) -> Any:
    # pandas >= 3 stores text as a string extension dtype; compare it as plain objects.
    if isinstance(value, pd.DataFrame):
        text = [c for c, t in value.dtypes.items() if isinstance(t, pd.StringDtype)]
        return value.astype({c: object for c in text}) if text else value
    return value.astype(object) if isinstance(value.dtype, pd.StringDtype) else value


def is_collection(value: Any) -> bool:
    return isinstance(value, COLLECTION_TYPES)


def exactly_equal(hyp: Any, ref: Any) -> bool:
    """Rule 3: same type and equal, missing values equal to each other."""
    if hyp is _MISSING or ref is _MISSING:
        return hyp is ref
    if type(hyp) is not type(ref):
        return False
    try:
        if isinstance(hyp, (pd.DataFrame, pd.Series, pd.Index)):
            return bool(hyp.equals(ref))
        if isinstance(hyp, np.ndarray):
            return _arrays_equal(hyp, ref)
        return bool(hyp == ref)
    except Exception:  # `==` on containers of arrays is ambiguous; such values differ
        return False


def _arrays_equal(hyp: np.ndarray, ref: np.ndarray) -> bool:
    try:
        return bool(np.array_equal(hyp, ref, equal_nan=True))
    except TypeError:  # equal_nan needs a numeric dtype
        return bool(np.array_equal(hyp, ref))


def as_value_list(value: Any) -> list[Any]:
    """A collection's values as a (possibly nested) list, labels dropped."""
    if isinstance(value, pd.DataFrame):
        items: list[Any] = value.to_numpy(dtype=object).tolist()
    elif isinstance(value, (pd.Series, pd.Index)):
        items = list(value.to_numpy(dtype=object).tolist())
    elif isinstance(value, np.ndarray):
        converted = value.tolist()
        items = converted if isinstance(converted, list) else [converted]
    else:
        items = list(value)
    return flatten_single_items(items)


def _comparable_lists(hyp: Any, ref: Any) -> tuple[list[Any], list[Any]]:
    hyp_items, ref_items = as_value_list(hyp), as_value_list(ref)
    if isinstance(hyp, (set, frozenset)) or isinstance(ref, (set, frozenset)):
        return _sorted_if_possible(hyp_items), _sorted_if_possible(ref_items)
    return hyp_items, ref_items


def _sorted_if_possible(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except Exception:  # mixed or unorderable items keep their order
        return list(values)


def flatten_single_items(items: list[Any]) -> list[Any]:
    """``[[a], [b]]`` -> ``[a, b]``: a one-column table compares like a plain list."""
    if items and all(_is_sequence(item) and len(item) == 1 for item in items):
        return [item[0] for item in items]
    return items


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def value_lists_match(hyp: Sequence[Any], ref: Sequence[Any]) -> bool:
    """Same shape; numbers within the tolerance, missing = missing, the rest by ``==``."""
    if len(hyp) != len(ref):
        return False
    fast = _numeric_lists_match(hyp, ref)
    if fast is not None:
        return fast
    # Lengths are equal (checked above); zip(strict=) is not in Python 3.9, which kernels run.
    return all(_items_match(h, r) for h, r in zip(hyp, ref))  # noqa: B905


def _numeric_lists_match(hyp: Sequence[Any], ref: Sequence[Any]) -> bool | None:
    """A vectorized answer for flat lists of plain numbers, None when it does not apply."""
    if not (_all_plain_numbers(hyp) and _all_plain_numbers(ref)):
        return None
    h = np.asarray(hyp, dtype=float)
    r = np.asarray(ref, dtype=float)
    return bool(np.all(np.isclose(h, r, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True)))


def _all_plain_numbers(items: Sequence[Any]) -> bool:
    return all(type(item) in (int, float) for item in items)


def _items_match(hyp_item: Any, ref_item: Any, depth: int = 0) -> bool:
    """Rule 7: elements, nested ones element by element (lists) or key by key (dicts)."""
    hyp_item, ref_item = nested_value(hyp_item), nested_value(ref_item)
    if isinstance(hyp_item, list) and isinstance(ref_item, list):
        return value_lists_match(hyp_item, ref_item)
    if isinstance(hyp_item, dict) and isinstance(ref_item, dict):
        if depth > MAX_DEPTH or set(hyp_item) != set(ref_item):
            return False
        return all(_items_match(hyp_item[k], ref_item[k], depth + 1) for k in ref_item)
    if isinstance(hyp_item, (list, dict)) or isinstance(ref_item, (list, dict)):
        return False
    return scalars_match(hyp_item, ref_item)


MAX_DEPTH = 32
_FRAMES_AND_ARRAYS: tuple[type, ...] = (
    pd.Series,
    pd.Index,
    pd.DataFrame,
    pd.api.extensions.ExtensionArray,  # pandas >= 3: `unique()` of text gives ArrowStringArray
)
_SEVERAL: tuple[type, ...] = (np.ndarray, *_FRAMES_AND_ARRAYS, tuple, set, frozenset)


def nested_value(item: Any, depth: int = 0) -> Any:
    """An element that holds several values as a plain list (a dict's values likewise),
    recursively to ``MAX_DEPTH``; any other element as it is. Sets become sorted lists when
    their items sort. A pyarrow scalar becomes its Python value (without importing pyarrow)."""
    if _is_arrow_scalar(item):
        item = item.as_py()
    if isinstance(item, np.ndarray) and item.ndim == 0:
        return item[()]
    if depth > MAX_DEPTH or not isinstance(item, (*_SEVERAL, list, dict)):
        return item
    if isinstance(item, dict):
        return {key: nested_value(value, depth + 1) for key, value in item.items()}
    if isinstance(item, _FRAMES_AND_ARRAYS):
        item = np.asarray(item, dtype=object).tolist()
    elif isinstance(item, np.ndarray):
        item = item.tolist()
    elif isinstance(item, (set, frozenset)):
        item = _sorted_if_possible(list(item))
    return [nested_value(element, depth + 1) for element in item]


def _is_arrow_scalar(item: Any) -> bool:
    kind = type(item)
    return kind.__module__.startswith("pyarrow") and hasattr(kind, "as_py")


def scalars_match(hyp: Any, ref: Any) -> bool:
    """Rule 6: numbers within ``1e-5 + 1e-5 * |ref|``, else ``==``; missing = missing.
    Values that hold several values go by rule 7."""
    if _holds_several(hyp) or _holds_several(ref):
        return _items_match(hyp, ref)
    hyp = normalize_value(hyp)
    ref = normalize_value(ref)
    if hyp is _MISSING or ref is _MISSING:
        return hyp is ref
    if _is_number(hyp) and _is_number(ref):
        try:
            return bool(abs(hyp - ref) <= TOLERANCE + TOLERANCE * abs(ref))
        except Exception:  # e.g. Decimal against float: fall back to plain equality
            pass
    if isinstance(hyp, (datetime.date, pd.Timestamp)) != isinstance(
        ref, (datetime.date, pd.Timestamp)
    ):
        return False
    try:
        return bool(hyp == ref)
    except Exception:
        return False


def _holds_several(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return isinstance(value, (*_SEVERAL, list, dict)) or _is_arrow_scalar(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def frames_match(hyp: Any, ref: Any) -> bool:
    """Every reference column equals some hypothesis column; row order matters."""
    hyp_frame = _hypothesis_as_frame(hyp)
    ref_frame = _reference_as_frame(ref)
    if hyp_frame is None or ref_frame is None:
        return False
    if len(hyp_frame) != len(ref_frame) or hyp_frame.shape[1] < ref_frame.shape[1]:
        return False
    hyp_columns = [_column_values(hyp_frame, i) for i in range(hyp_frame.shape[1])]
    for i in range(ref_frame.shape[1]):
        ref_column = _column_values(ref_frame, i)
        if not any(value_lists_match(column, ref_column) for column in hyp_columns):
            return False
    return True


def _hypothesis_as_frame(value: Any) -> pd.DataFrame | None:
    if isinstance(value, pd.Series):
        # A unique column name: the index may carry the series' own name.
        return value.to_frame(name="__pachinco_values__").reset_index()
    return value if isinstance(value, pd.DataFrame) else None


def _reference_as_frame(value: Any) -> pd.DataFrame | None:
    if isinstance(value, pd.Series):
        return value.to_frame()
    return value if isinstance(value, pd.DataFrame) else None


def _column_values(frame: pd.DataFrame, position: int) -> list[Any]:
    return list(frame.iloc[:, position].to_numpy(dtype=object).tolist())


def single_element_matches(collection: Any, scalar: Any) -> bool:
    """Rule 5: a scalar matches a collection holding exactly one element."""
    items = as_value_list(collection)
    while len(items) == 1 and _is_sequence(items[0]):
        items = list(items[0])
    if len(items) != 1:
        return False
    return scalars_match(items[0], scalar)


def cluster_matching_outputs(outputs: Sequence[Any]) -> list[list[int]]:
    """Group positions whose values mutually match, largest cluster first.

    Used for self-consistency (maj@1) in ``--mode strict`` scoring and for ranking candidates.
    Ties keep the cluster that appeared first.
    """
    clusters: list[list[int]] = []
    for position, value in enumerate(outputs):
        for cluster in clusters:
            representative = outputs[cluster[0]]
            if outputs_match(value, representative) and outputs_match(representative, value):
                cluster.append(position)
                break
        else:
            clusters.append([position])
    return sorted(clusters, key=lambda cluster: (-len(cluster), cluster[0]))
