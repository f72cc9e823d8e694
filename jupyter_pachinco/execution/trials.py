"""Trial runs of code cells on a namespace, each in a fork of the current process.

Works on any namespace dict: the globals of an evaluation worker, or a live kernel's user
namespace. The namespace itself is never changed; each cell runs on a copy-on-write snapshot
of it, with ARCADE's output capture, and reports its output, the values of its other
top-level expressions and the variables it created or changed (pickled, so they can be
compared in the parent).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import numbers
import pickle
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .capture import OUTPUT_NAME, VALUES_NAME, compile_with_capture
from .forks import STRICT, Limits, describe_exception, run_in_forks
from .sandbox import SandboxPolicy

MAX_STDOUT_CHARS = 10_000

# Kernel bookkeeping that is never a user's answer.
_NOT_USER_VARIABLES = frozenset({"In", "Out", "get_ipython", "exit", "quit"})

# Values that can be an answer. Modules, functions, classes, groupby objects, figures and the
# like are left out: comparing them says nothing about correctness.
COMPARABLE_TYPES: tuple[type, ...] = (
    numbers.Number,
    str,
    bytes,
    type(None),
    list,
    tuple,
    set,
    frozenset,
    dict,
    np.ndarray,
    np.generic,
    pd.DataFrame,
    pd.Series,
    pd.Index,
    pd.Categorical,
    pd.Timestamp,
    pd.Timedelta,
    pd.Period,
    pd.Interval,
    datetime.date,
    datetime.time,
    datetime.timedelta,
)


@dataclass(frozen=True, eq=False)
class Unpicklable:
    """Stands for a value that could not be sent back; it never matches anything."""

    type_name: str
    preview: str


@dataclass(frozen=True)
class TrialResult:
    """What running one cell produced."""

    output: Any = None
    values: list[Any] = field(default_factory=list)
    changed: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    error: str | None = None
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def produced_values(self) -> list[Any]:
        """Every value the cell produced: expression values, then changed variables."""
        return [*self.values, *self.changed.values()]


def is_user_variable(name: str, value: Any) -> bool:
    return (
        not name.startswith("_")
        and name not in _NOT_USER_VARIABLES
        and isinstance(value, COMPARABLE_TYPES)
    )


def fingerprint_namespace(namespace: Mapping[str, Any]) -> dict[str, bytes]:
    """A digest of every user variable, to tell later which ones a cell changed in place."""
    return {
        name: fingerprint(value)
        for name, value in namespace.items()
        if is_user_variable(name, value)
    }


def fingerprint(value: Any) -> bytes:
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # unpicklable values can only be told apart by identity
        return f"id:{id(value)}".encode()
    return hashlib.blake2b(data, digest_size=16).digest()


def changed_variables(namespace: Mapping[str, Any], before: Mapping[str, bytes]) -> dict[str, Any]:
    """User variables that are new or whose value differs from the fingerprint taken before."""
    return {
        name: value
        for name, value in namespace.items()
        if is_user_variable(name, value)
        and (name not in before or fingerprint(value) != before[name])
    }


def run_trials(
    namespace: dict[str, Any],
    codes: Sequence[str],
    limits: Limits,
    max_parallel: int | None = None,
    keep_names: Collection[str] = (),
    before: Mapping[str, bytes] | None = None,
    policy: SandboxPolicy = STRICT,
) -> list[TrialResult]:
    """Run each code cell in its own fork of ``namespace``; results in the order of ``codes``.

    ``keep_names`` are variables to send back whether or not the cell changed them.
    ``before`` is ``fingerprint_namespace(namespace)`` when the caller already has it.
    ``policy`` is the children's sandbox (``eval mine`` lets them write in its work folder).

    Values come back pickled and are loaded here: this is for ``eval mine``, whose cells are
    the user's own notebooks, never for model-written code (ranking uses ``kernel_trials``,
    the harness ``evaluation.arcade_run``, which never load a child's values in the parent).
    """
    snapshot = fingerprint_namespace(namespace) if before is None else before
    jobs = [
        _CellJob(namespace=namespace, code=code, before=snapshot, keep_names=tuple(keep_names))
        for code in codes
    ]
    outcomes = run_in_forks(jobs, limits, max_parallel, policy=policy)
    results: list[TrialResult] = []
    for outcome in outcomes:
        if outcome.ok:
            results.append(_unpack(outcome.value))
        else:
            results.append(TrialResult(error=outcome.error, timed_out=outcome.timed_out))
    return results


@dataclass(frozen=True)
class _CellJob:
    namespace: dict[str, Any]
    code: str
    before: Mapping[str, bytes]
    keep_names: tuple[str, ...]

    def __call__(self) -> dict[str, Any]:
        """Runs in the child: execute, then pack what the parent needs."""
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
        error: str | None = None
        try:
            code = compile(compile_with_capture(self.code), "<cell>", "exec")
            exec(code, self.namespace)
        except BaseException as exc:  # user code may raise anything, SystemExit included
            error = describe_exception(exc)
        stdout = captured.getvalue()[:MAX_STDOUT_CHARS]
        if error is not None:
            return {"error": error, "stdout": stdout}
        namespace = self.namespace
        return {
            "error": None,
            "stdout": stdout,
            "output": _pack(namespace.get(OUTPUT_NAME)),
            "values": [_pack(value) for value in namespace.get(VALUES_NAME, [])],
            "changed": {k: _pack(v) for k, v in changed_variables(namespace, self.before).items()},
            "kept": {k: _pack(namespace[k]) for k in self.keep_names if k in namespace},
        }


def _pack(value: Any) -> bytes:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # any value may refuse to pickle; it is then marked, not lost silently
        preview = _safe_repr(value)
        return pickle.dumps(Unpicklable(type(value).__name__, preview))


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:200]
    except Exception as exc:  # a broken __repr__ must not lose the whole result
        return f"<repr failed: {describe_exception(exc)}>"


def _unpack(packed: dict[str, Any]) -> TrialResult:
    if packed["error"] is not None:
        return TrialResult(error=packed["error"], stdout=packed["stdout"])
    return TrialResult(
        output=pickle.loads(packed["output"]),
        values=[pickle.loads(value) for value in packed["values"]],
        changed={name: pickle.loads(value) for name, value in packed["changed"].items()},
        kept={name: pickle.loads(value) for name, value in packed["kept"].items()},
        stdout=packed["stdout"],
    )
