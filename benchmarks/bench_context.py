"""How long ``describe_variables`` takes, beside a smaller namespace and a naive inspector.

One run builds a namespace of 20 DataFrames of 1,000,000 rows x 20 columns plus large lists,
dicts, arrays and strings, and the same namespace at 10,000 rows. It times ``describe_variables``
on both, and a naive inspector (``repr`` of every value, ``head(5)`` of every column) on the
large one. Goals: at most 30 ms on the large namespace, a large/small ratio of at most 1.3, and
at least 5x faster than the naive inspector.

Run: ``.venv/bin/python benchmarks/bench_context.py``. The last line is one JSON object
``{"benchmark": "context", "figures": {...}}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from jupyter_pachinco.context import describe_variables

FRAMES = 20
COLUMNS = 20
REPEATS = 7


def build_namespace(rows: int) -> dict[str, object]:
    """Frames with numeric, string, categorical and tz-aware datetime columns, and big
    containers whose size follows ``rows``."""
    generator = np.random.default_rng(0)
    frame = pd.DataFrame(
        generator.random((rows, COLUMNS - 4)), columns=[f"x{i}" for i in range(COLUMNS - 4)]
    )
    frame["city"] = pd.array(generator.choice(["Oslo", "Rome", "Lima"], rows), dtype="str")
    frame["grade"] = pd.Categorical(generator.choice(["a", "b", "c"], rows))
    frame["when"] = pd.date_range("2020-01-01", periods=rows, freq="s", tz="UTC")
    frame["count"] = np.arange(rows)
    # Shallow copies: 20 distinct frames without 20 copies of the data in memory.
    namespace: dict[str, object] = {f"df{i}": frame.copy(deep=False) for i in range(FRAMES)}
    namespace.update(
        big_list=list(range(rows)),
        big_dict={i: str(i) for i in range(rows)},
        big_array=generator.random((rows, 10)),
        big_text="pandas " * rows,
        big_set=set(range(rows)),
    )
    return namespace


def naive_inspect(namespace: Mapping[str, object]) -> list[dict[str, Any]]:
    """What a simple inspector does: the repr of every value and head(5) of every column."""
    described = []
    for name, value in namespace.items():
        entry: dict[str, Any] = {"name": name, "repr": repr(value)}
        if isinstance(value, pd.DataFrame):
            entry["columns"] = {str(c): value[c].head(5).tolist() for c in value.columns}
        described.append(entry)
    return described


def best_ms(work: Callable[[], object], repeats: int = REPEATS) -> float:
    work()  # warm caches and lazy imports
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def main() -> None:
    large = build_namespace(1_000_000)
    small = build_namespace(10_000)
    large_ms = best_ms(lambda: describe_variables(large))
    small_ms = best_ms(lambda: describe_variables(small))
    naive_ms = best_ms(lambda: naive_inspect(large), repeats=3)
    figures = {
        "large_ms": round(large_ms, 2),
        "small_ms": round(small_ms, 2),
        "ratio_large_small": round(large_ms / small_ms, 3),
        "naive_ms": round(naive_ms, 2),
        "speedup_vs_naive": round(naive_ms / large_ms, 1),
    }
    print(f"describe_variables, 20 frames x 1,000,000 rows + big containers: {large_ms:8.2f} ms")
    print(f"describe_variables, same namespace at 10,000 rows (baseline):   {small_ms:8.2f} ms")
    print(f"naive inspector (repr + head(5) per column), 1,000,000 rows:    {naive_ms:8.2f} ms")
    print(
        f"goals: large <= 30 ms: {large_ms <= 30}; ratio <= 1.3: "
        f"{large_ms / small_ms <= 1.3}; speedup >= 5x: {naive_ms / large_ms >= 5}"
    )
    print(json.dumps({"benchmark": "context", "figures": figures}))


if __name__ == "__main__":
    main()
