"""Describe live variables as small, JSON-serializable schemas, at a cost bounded in data size.

This module runs in two places: in the server and tests, imported as usual, and inside the
user's kernel, where ``jupyter_pachinco.server.kernels.inspection`` sends *this file's source*
(with ``time_cap``, see ``jupyter_pachinco.server.kernels.shipping``) into a private module.
Sending the source (instead of importing the package in the kernel) keeps inspection working in
kernels whose environment does not have jupyter_pachinco installed. So this module imports only the
standard library and ``time_cap``, runs on Python 3.9+, and pandas / numpy are looked up in
``sys.modules`` rather than imported (if the user never imported pandas, no value can be a
DataFrame, and importing it would cost a second).

Every kind of value is read through bounded prefixes (``iloc[:k]`` on at most ``max_columns``
columns, ``itertools.islice`` on iterables, cut strings), so the cost does not grow with rows or
elements; positions are read through ``.iloc`` whatever the index (a float index makes
``series[:8]`` a label slice). Every variable is described under a time cap (``time_cap``: user
code can neither swallow nor stretch it), so a ``__repr__`` that hangs gives a placeholder.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import itertools
import json
import math
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any

from .time_cap import CapExceeded, run_with_cap

Description = dict[str, Any]

HIDDEN_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
MAX_COLUMNS = 20
EXAMPLES_PER_COLUMN = 3
FIRST_ROWS = 8
SCANNED_ROWS = 200
MAX_ITEMS = 3
MAX_TEXT = 80
MAX_VARIABLES = 300
TIME_CAP_S = 0.25
TOTAL_TIME_CAP_S = 3.0


DescribeTimeout = CapExceeded


def describe_variables(
    namespace: Mapping[str, object],
    *,
    max_columns: int = MAX_COLUMNS,
    time_cap_s: float = TIME_CAP_S,
    total_time_cap_s: float = TOTAL_TIME_CAP_S,
) -> list[Description]:
    """Describe the user's variables in ``namespace``, in namespace order.

    Each description is a JSON-serializable dict with ``name``, ``kind`` and ``type``, plus
    fields by kind: ``dataframe`` (shape, columns with dtype and up to 3 example values,
    columns_omitted, index), ``series`` / ``index`` (length, dtype, label, examples),
    ``array`` (shape, dtype, examples), ``scalar`` (value), ``string`` (length, head),
    ``list`` / ``tuple`` / ``set`` / ``dict`` (length, items), ``bytes`` (length, head),
    ``module`` (module), ``function`` / ``class`` (signature), ``object`` (repr),
    ``unavailable`` (reason).
    Private names and IPython internals are skipped.
    """
    started = time.monotonic()
    descriptions: list[Description] = []
    for name, value in list(namespace.items()):
        if not _is_user_name(name):
            continue
        if len(descriptions) >= MAX_VARIABLES:
            break
        if time.monotonic() - started > total_time_cap_s:
            reason = "the time budget for describing variables was spent"
            descriptions.append(_unavailable(name, value, reason))
            continue
        left = total_time_cap_s - (time.monotonic() - started)
        described = _describe_within_cap(name, value, max_columns, time_cap_s, left)
        if described is not None:
            descriptions.append(described)
    return descriptions


def describe_variables_as_json(namespace: Mapping[str, object]) -> str:
    """The descriptions as one JSON text: what the kernel sends back to the server."""
    return json.dumps(describe_variables(namespace), allow_nan=False)


def _is_user_name(name: object) -> bool:
    return isinstance(name, str) and not name.startswith("_") and name not in HIDDEN_NAMES


def _is_ipython_helper(name: str, value: object) -> bool:
    # IPython puts helpers into the user namespace, such as its own ``open``, which wraps the
    # builtin of the same name; a user's own function named like a builtin is still described.
    if not inspect.isroutine(value):
        return False
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and module.split(".")[0] in ("IPython", "ipykernel"):
        return True
    builtin = getattr(builtins, name, None)
    return builtin is not None and (
        value is builtin or getattr(value, "__wrapped__", None) is builtin
    )


def _describe_within_cap(
    name: str, value: object, max_columns: int, cap: float, budget_left: float
) -> Description | None:
    """The description of one variable, None for an IPython helper; every look at the value
    (even ``isinstance``, which may run a ``__class__`` property) happens under the cap."""
    try:
        work = functools.partial(_describe_user_value, name, value, max_columns)
        described = run_with_cap(work, max(min(cap, budget_left), 1e-3))
    except DescribeTimeout:
        if budget_left < cap:
            return _unavailable(name, value, "the time budget for describing variables was spent")
        return _unavailable(name, value, f"describing it took longer than {cap:g} s")
    except (Exception, SystemExit, GeneratorExit) as exc:  # user objects may raise anything
        return _unavailable(name, value, f"describing it raised {type(exc).__name__}")
    return None if described is None else {"name": name, **described}


def _describe_user_value(name: str, value: object, max_columns: int) -> Description | None:
    return None if _is_ipython_helper(name, value) else _describe_value(value, max_columns)


def _unavailable(name: str, value: object, reason: str) -> Description:
    return {"name": name, "kind": "unavailable", "type": _type_name(value), "reason": reason}


# --- dispatch by kind -----------------------------------------------------------------------


def _describe_value(value: object, max_columns: int) -> Description:
    pd = sys.modules.get("pandas")
    np = sys.modules.get("numpy")
    if pd is not None:
        if isinstance(value, pd.DataFrame):
            return _describe_frame(value, max_columns)
        if isinstance(value, (pd.Series, pd.Index)):
            return _describe_series(value, "series" if isinstance(value, pd.Series) else "index")
    if np is not None and isinstance(value, np.ndarray):
        return _describe_array(value)
    if isinstance(value, str):
        return {"kind": "string", "type": "str", "length": len(value), "head": _cut(value)}
    if isinstance(value, (bytes, bytearray)):
        return {
            "kind": "bytes",
            "type": _type_name(value),
            "length": len(value),
            "head": _short(value),
        }
    if _is_scalar(value):
        return {"kind": "scalar", "type": _type_name(value), "value": _safe_value(value)}
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return _describe_collection(value)
    return _describe_other(value)


def _describe_other(value: object) -> Description:
    if inspect.ismodule(value):
        return {"kind": "module", "type": "module", "module": value.__name__}
    if inspect.isclass(value):
        return {"kind": "class", "type": "type", "signature": _signature(value)}
    if inspect.isroutine(value) or isinstance(value, functools.partial):
        return {"kind": "function", "type": _type_name(value), "signature": _signature(value)}
    return {"kind": "object", "type": _type_name(value), "repr": _cut(repr(value))}


def _describe_frame(frame: Any, max_columns: int) -> Description:
    rows, total_columns = frame.shape
    shown = min(total_columns, max_columns)
    head = frame.iloc[:FIRST_ROWS, :shown]
    first_values = head.to_numpy(dtype=object)
    columns = []
    # By position: labels may repeat, and ``zip(strict=...)`` is not in Python 3.9.
    labels, dtypes = list(head.columns), list(head.dtypes)
    for position in range(shown):
        label, dtype = labels[position], dtypes[position]
        examples = _examples(_column_chunks(frame, position, first_values[:, position]))
        columns.append({"name": _label(label), "dtype": str(dtype), "examples": examples})
    return {
        "kind": "dataframe",
        "type": _type_name(frame),
        "shape": [rows, total_columns],
        "columns": columns,
        "columns_omitted": total_columns - shown,
        "index": type(frame.index).__name__,
    }


def _column_chunks(frame: Any, position: int, first: Any) -> Iterator[Any]:
    yield first
    if frame.shape[0] > FIRST_ROWS:
        # Reached only for columns with nulls in their first rows: scan a longer prefix.
        yield frame.iloc[FIRST_ROWS:SCANNED_ROWS, position].to_numpy(dtype=object)


def _describe_series(series: Any, kind: str) -> Description:
    # By position, whatever the index: ``series[:8]`` is a label slice on a float index.
    positions = series.iloc if hasattr(series, "iloc") else series  # an Index is positional

    def chunks() -> Iterator[Any]:
        yield positions[:FIRST_ROWS].to_numpy(dtype=object)
        if len(series) > FIRST_ROWS:
            yield positions[FIRST_ROWS:SCANNED_ROWS].to_numpy(dtype=object)

    description: Description = {
        "kind": kind,
        "type": _type_name(series),
        "length": len(series),
        "dtype": str(series.dtype),
        "label": None if series.name is None else _label(series.name),
        "examples": _examples(chunks()),
    }
    if kind == "series":
        description["index"] = type(series.index).__name__
    return description


def _describe_array(array: Any) -> Description:
    return {
        "kind": "array",
        "type": _type_name(array),
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "examples": [_item(v) for v in itertools.islice(array.flat, MAX_ITEMS)],
    }


def _describe_collection(value: Any) -> Description:
    if isinstance(value, dict):
        items: list[Any] = [
            {"key": _item(k), "value": _item(v)}
            for k, v in itertools.islice(value.items(), MAX_ITEMS)
        ]
    else:
        items = [_item(v) for v in itertools.islice(value, MAX_ITEMS)]
    kind = next(name for name, kind in _COLLECTIONS if isinstance(value, kind))
    return {"kind": kind, "type": _type_name(value), "length": len(value), "items": items}


_COLLECTIONS: tuple[tuple[str, type], ...] = (
    ("dict", dict),
    ("list", list),
    ("tuple", tuple),
    ("frozenset", frozenset),
    ("set", set),
)


# --- values made safe for JSON --------------------------------------------------------------


def _examples(chunks: Iterator[Any]) -> list[Any]:
    """The first non-null values of a column, reading prefix chunks only while needed.

    Strings are cut at ``MAX_TEXT`` characters without a marker, as ARCADE shows them."""
    found: list[Any] = []
    for chunk in chunks:
        for value in chunk:
            if not _is_missing(value):
                found.append(value[:MAX_TEXT] if isinstance(value, str) else _item(value))
                if len(found) == EXAMPLES_PER_COLUMN:
                    return found
    return found


def _is_missing(value: object) -> bool:
    if type(value) in _NEVER_MISSING:  # the common case, checked first: columns are hot loops
        return False
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, (np.floating, np.datetime64, np.timedelta64)):
        return bool(np.isnan(value) if isinstance(value, np.floating) else np.isnat(value))
    return False


def _is_scalar(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, float, complex)):
        return True
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic):
        return True
    return type(value).__name__ in _TEMPORAL_TYPES or _is_missing(value)


_NEVER_MISSING = frozenset({int, bool, str})
_TEMPORAL_TYPES = frozenset(
    {"datetime", "date", "time", "timedelta", "Timestamp", "Timedelta", "Period", "NaTType"}
)


def _safe_value(value: object) -> Any:
    """A JSON-safe form of a scalar: numbers and booleans stay, the rest becomes short text."""
    if value is None or isinstance(value, (bool, str)):
        return _cut(value) if isinstance(value, str) else value
    if isinstance(value, int):
        return value if value.bit_length() <= 64 else f"<int of {value.bit_length()} bits>"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, (np.bool_, np.integer, np.floating)):
        return _safe_value(value.item())
    return _cut(str(value))


def _item(value: object) -> Any:
    """A value shown inside a collection or column: JSON scalars stay, others are summarized."""
    if type(value) is bool or (type(value) is int and value.bit_length() <= 64):
        return value  # the common case first: columns are hot loops
    if isinstance(value, str) or _is_scalar(value):
        return _safe_value(value)
    return _short(value)


def _short(value: object, depth: int = 1) -> str:
    """A bounded one-line summary; never the repr of a whole big container."""
    pd = sys.modules.get("pandas")
    np = sys.modules.get("numpy")
    if pd is not None and isinstance(value, pd.DataFrame):
        return f"{type(value).__name__}(shape={value.shape})"
    if np is not None and isinstance(value, np.ndarray) and value.ndim == 0:
        return _short(value[()], depth)
    arrays = (pd.Series, pd.Index, pd.api.extensions.ExtensionArray) if pd is not None else ()
    if (np is not None and isinstance(value, np.ndarray)) or isinstance(value, arrays):
        return _short_array(value, depth + 1)
    if isinstance(value, (bytes, bytearray)):
        return _cut(repr(value[: MAX_TEXT // 2]) + ("..." if len(value) > MAX_TEXT // 2 else ""))
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return _short_collection(value, depth)
    if isinstance(value, str) or _is_scalar(value):
        return _cut(repr(_safe_value(value)))
    return _cut(repr(value))


def _short_array(value: Any, depth: int) -> str:
    """An array in a cell (``groupby(...).unique()`` gives them) by its first elements, as a
    list: ``['x', 'y']``, ``[1, 2, 3, ...] (length 40)``; rows of a 2-D array likewise."""
    length = len(value)
    if depth <= 0:
        return f"[...] (length {length})"
    pd = sys.modules.get("pandas")
    head = value.iloc[:MAX_ITEMS] if pd is not None and isinstance(value, pd.Series) else value
    np = sys.modules.get("numpy")
    items = [
        v.item() if np is not None and isinstance(v, np.generic) else v for v in head[:MAX_ITEMS]
    ]
    parts = [_short(v, depth - 1) for v in items]
    more = f", ...] (length {length})" if length > MAX_ITEMS else "]"
    return _cut(f"[{', '.join(parts)}{more}")


def _short_collection(value: Any, depth: int) -> str:
    name = type(value).__name__
    if depth <= 0:
        return f"{name}(length={len(value)})"
    pairs = value.items() if isinstance(value, dict) else None
    if pairs is not None:
        parts = [f"{_short(k, 0)}: {_short(v, 0)}" for k, v in itertools.islice(pairs, MAX_ITEMS)]
    else:
        parts = [_short(v, depth - 1) for v in itertools.islice(value, MAX_ITEMS)]
    more = ", ..." if len(value) > MAX_ITEMS else ""
    return _cut(f"{name}[{', '.join(parts)}{more}] (length {len(value)})")


def _signature(value: Any) -> str:
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or "?"
    try:
        signature = str(inspect.signature(value))
    except (TypeError, ValueError):  # builtins and some C types have no introspectable signature
        signature = "(...)"
    return _cut(f"{name}{signature}", 2 * MAX_TEXT)


def _label(label: object) -> str:
    return label if isinstance(label, str) else _cut(str(label))


def _type_name(value: object) -> str:
    kind = type(value)
    package = (kind.__module__ or "").split(".")[0]
    if package in ("builtins", "__main__", ""):
        return kind.__qualname__
    return f"{package}.{kind.__qualname__}"


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
