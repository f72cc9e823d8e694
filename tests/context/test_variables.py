"""describe_variables on every kind of value, pandas edge cases and hostile objects."""

from __future__ import annotations

import datetime as dt
import functools
import json
import signal
import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from jupyter_pachinco.context import describe_variables


def describe_one(value: object, **options: Any) -> dict[str, Any]:
    (description,) = describe_variables({"value": value}, **options)
    assert description["name"] == "value"
    json.dumps(description, allow_nan=False)  # every description must be strict JSON
    return description


def test_dataframe_shape_columns_examples_and_index() -> None:
    frame = pd.DataFrame(
        {"city": [None, "Oslo", "Rome", "Lima", "Kyiv"], "people": [1.5, np.nan, 2, 3, 4]},
        index=pd.Index([10, 11, 12, 13, 14]),
    )

    assert describe_one(frame) == {
        "name": "value",
        "kind": "dataframe",
        "type": "pandas.DataFrame",
        "shape": [5, 2],
        "columns": [
            {"name": "city", "dtype": "str", "examples": ["Oslo", "Rome", "Lima"]},
            {"name": "people", "dtype": "float64", "examples": [1.5, 2.0, 3.0]},
        ],
        "columns_omitted": 0,
        "index": "Index",
    }


def test_first_non_null_values_are_searched_in_a_bounded_prefix() -> None:
    late = [None] * 150 + ["found"] + [None] * 1000
    too_late = [None] * 1000 + ["never read"]
    frame = pd.DataFrame({"late": late[:1001], "too_late": too_late[:1001]})

    columns = describe_one(frame)["columns"]

    assert columns[0]["examples"] == ["found"]
    assert columns[1]["examples"] == []


def test_only_a_prefix_of_rows_is_read() -> None:
    reads = []

    class Tracked:
        def __repr__(self) -> str:
            reads.append(self)
            return "tracked"

    frame = pd.DataFrame({"item": [Tracked() for _ in range(10_000)]})

    assert describe_one(frame)["columns"][0]["examples"] == ["tracked"] * 3
    assert len(reads) == 3


def test_pandas_edge_cases() -> None:
    columns = pd.MultiIndex.from_tuples([("sales", "q1"), ("sales", "q2")])
    multi = pd.DataFrame([[1, 2]], columns=columns)
    kinds = pd.DataFrame(
        {
            "grade": pd.Categorical(["b", "a"]),
            "when": pd.date_range("2024-03-01", periods=2, tz="Europe/Oslo"),
            "mixed": [{"k": 1}, b"raw"],
            "gaps": pd.array([pd.NA, 7], dtype="Int64"),
        }
    )

    assert [c["name"] for c in describe_one(multi)["columns"]] == [
        "('sales', 'q1')",
        "('sales', 'q2')",
    ]
    assert describe_one(kinds)["columns"] == [
        {"name": "grade", "dtype": "category", "examples": ["b", "a"]},
        {
            "name": "when",
            "dtype": "datetime64[us, Europe/Oslo]",
            "examples": ["2024-03-01 00:00:00+01:00", "2024-03-02 00:00:00+01:00"],
        },
        {"name": "mixed", "dtype": "object", "examples": ["dict['k': 1] (length 1)", "b'raw'"]},
        {"name": "gaps", "dtype": "Int64", "examples": [7]},
    ]


def test_empty_and_very_wide_frames() -> None:
    empty = describe_one(pd.DataFrame())
    no_rows = describe_one(pd.DataFrame({"a": pd.Series([], dtype="int64")}))
    wide = describe_one(pd.DataFrame(np.zeros((2, 10_000))))

    assert (empty["shape"], empty["columns"], empty["columns_omitted"]) == ([0, 0], [], 0)
    assert no_rows["columns"] == [{"name": "a", "dtype": "int64", "examples": []}]
    assert wide["shape"] == [2, 10_000]
    assert [c["name"] for c in wide["columns"]] == [str(i) for i in range(20)]
    assert wide["columns_omitted"] == 9_980


def test_series_index_and_arrays() -> None:
    series = pd.Series([np.nan, 1, 2, 3, 4], name="score")

    assert describe_one(series) == {
        "name": "value",
        "kind": "series",
        "type": "pandas.Series",
        "length": 5,
        "dtype": "float64",
        "label": "score",
        "examples": [1.0, 2.0, 3.0],
        "index": "RangeIndex",
    }
    assert describe_one(pd.date_range("2020", periods=400))["examples"][0] == "2020-01-01 00:00:00"
    assert describe_one(np.arange(12).reshape(3, 4)) == {
        "name": "value",
        "kind": "array",
        "type": "numpy.ndarray",
        "shape": [3, 4],
        "dtype": "int64",
        "examples": [0, 1, 2],
    }
    assert describe_one(np.array(np.nan))["examples"] == ["nan"]
    assert describe_one(np.array([None, "a"], dtype=object))["examples"] == [None, "a"]


def test_scalars_are_made_json_safe() -> None:
    values = [
        (1, 1),
        (2.5, 2.5),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (True, True),
        (None, None),
        (1 + 2j, "(1+2j)"),
        (np.int32(7), 7),
        (np.float64("nan"), "nan"),
        (10**100, "<int of 333 bits>"),
        (pd.Timestamp("2024-01-02 03:04", tz="UTC"), "2024-01-02 03:04:00+00:00"),
        (pd.NaT, "NaT"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (pd.Timedelta("1D"), "1 days 00:00:00"),
    ]
    for value, expected in values:
        assert describe_one(value)["value"] == expected, value
    assert describe_one(np.int32(7))["type"] == "numpy.int32"


def test_strings_bytes_and_collections_show_lengths_and_a_few_items() -> None:
    text = describe_one("abc" * 1_000_000)
    assert (text["kind"], text["length"], len(text["head"])) == ("string", 3_000_000, 80)
    assert describe_one(b"\x00\x01" * 1000)["length"] == 2000
    assert describe_one(list(range(10**6)))["items"] == [0, 1, 2]
    assert describe_one(["y" * 10**6, 2**80])["items"] == ["y" * 77 + "...", "<int of 81 bits>"]
    assert describe_one((1, "two", [3, [4, 5]], 6))["items"] == [
        1,
        "two",
        "list[3, list(length=2)] (length 2)",
    ]
    assert describe_one({3, 1, 2})["length"] == 3
    assert describe_one(frozenset())["kind"] == "frozenset"
    assert describe_one({"frame": pd.DataFrame({"a": range(5)}), "n": float("nan")}) == {
        "name": "value",
        "kind": "dict",
        "type": "dict",
        "length": 2,
        "items": [
            {"key": "frame", "value": "DataFrame(shape=(5, 1))"},
            {"key": "n", "value": "nan"},
        ],
    }


def test_iterables_are_read_through_a_bounded_prefix() -> None:
    pulled = []

    class Counting(list[int]):
        def __iter__(self) -> Any:
            for item in super().__iter__():
                pulled.append(item)
                yield item

    assert describe_one(Counting(range(100_000)))["items"] == [0, 1, 2]
    assert len(pulled) == 3


def test_modules_functions_classes_and_other_objects() -> None:
    def scale(frame: pd.DataFrame, factor: float = 2.0) -> pd.DataFrame:
        return frame * factor

    class Model:
        def __init__(self, depth: int) -> None:
            self.depth = depth

        def __repr__(self) -> str:
            return "Model(depth=3)" + "!" * 500

    described = describe_variables(
        {"np": np, "scale": scale, "Model": Model, "model": Model(3), "largest": max}
    )

    assert described[0] == {"name": "np", "kind": "module", "type": "module", "module": "numpy"}
    assert described[1]["kind"] == "function"
    assert described[1]["signature"].startswith("test_modules_functions_classes_and_other")
    assert described[1]["signature"].endswith(
        "scale(frame: 'pd.DataFrame', factor: 'float' = 2.0) -> 'pd.DataFrame'"
    )
    assert described[2]["kind"] == "class"
    assert described[2]["signature"].endswith("Model(depth: 'int') -> 'None'")
    assert described[3]["kind"] == "object"
    assert described[3]["type"].endswith("<locals>.Model")
    assert described[3]["repr"].startswith("Model(depth=3)!!!")
    assert len(described[3]["repr"]) == 80
    assert described[4] == {
        "name": "largest",
        "kind": "function",
        "type": "builtin_function_or_method",
        "signature": "max(...)",
    }


def test_private_names_and_ipython_internals_are_skipped() -> None:
    namespace = {
        "_": 1,
        "_i3": "x = 1",
        "__builtins__": {},
        "In": [""],
        "Out": {},
        "exit": object(),
        "quit": object(),
        "get_ipython": lambda: None,
        "open": functools.wraps(open)(lambda *args: None),  # like IPython's own open
        "kept": 5,
    }

    assert [d["name"] for d in describe_variables(namespace)] == ["kept"]


def test_a_users_own_function_named_like_a_builtin_is_described() -> None:
    def sum(values: list[int]) -> int:
        return 0

    assert [d["kind"] for d in describe_variables({"sum": sum, "max": max})] == ["function"]


class RaisingRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class HangingRepr:
    def __init__(self, release: threading.Event | None = None) -> None:
        self.release = release

    def __repr__(self) -> str:
        if self.release is not None:
            self.release.wait(30)
        else:
            time.sleep(30)
        return "finally"


def test_repr_that_raises_gives_a_placeholder() -> None:
    assert describe_one(RaisingRepr()) == {
        "name": "value",
        "kind": "unavailable",
        "type": "tests.RaisingRepr",
        "reason": "describing it raised RuntimeError",
    }


def test_repr_that_hangs_is_cut_off_and_outer_alarms_survive() -> None:
    handler_before = signal.getsignal(signal.SIGALRM)
    timer_before = signal.setitimer(signal.ITIMER_REAL, 50.0)  # stands for anyone's alarm
    try:
        described = describe_variables({"slow": HangingRepr(), "after": 1}, time_cap_s=0.05)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert signal.getsignal(signal.SIGALRM) is handler_before
    finally:
        signal.setitimer(signal.ITIMER_REAL, *timer_before)  # give pytest-timeout its alarm back
    assert 0 < left <= 50.0
    assert described == [
        {
            "name": "slow",
            "kind": "unavailable",
            "type": "tests.HangingRepr",
            "reason": "describing it took longer than 0.05 s",
        },
        {"name": "after", "kind": "scalar", "type": "int", "value": 1},
    ]


def test_repr_that_hangs_outside_the_main_thread_is_cut_off_too() -> None:
    release = threading.Event()
    results: list[list[dict[str, Any]]] = []
    worker = threading.Thread(
        target=lambda: results.append(
            describe_variables({"slow": HangingRepr(release), "n": 2}, time_cap_s=0.05)
        )
    )
    worker.start()
    worker.join(30)
    release.set()

    assert [d["kind"] for d in results[0]] == ["unavailable", "scalar"]
    assert results[0][0]["reason"] == "describing it took longer than 0.05 s"


def test_a_total_time_budget_bounds_many_slow_variables() -> None:
    namespace = {f"slow{i}": HangingRepr() for i in range(6)}

    described = describe_variables(namespace, time_cap_s=0.05, total_time_cap_s=0.1)

    reasons = [d["reason"] for d in described]
    assert len(reasons) == 6
    assert reasons[0] == "describing it took longer than 0.05 s"
    assert reasons[-1] == "the time budget for describing variables was spent"
