"""The process that runs one notebook for ``eval mine``: ``python -m ... JOB RESULTS``.

``JOB`` is JSON: ``{"cells": [{"index", "code", "turn"}], "timeout_s", "seed_code"}``. Every
cell runs in one namespace, in order, in the current folder, after ``seed_code`` (so random
data is the same on every run), under a per-cell time limit. Turn cells run with ARCADE's
output capture and are judged the way the scorer judges a reference (``judging``): a turn is
usable when it ran, and has an output or changed a variable, and that value survives pickling
and matches itself. Before each turn the live variables are described for the prompts.

One JSON line per cell is appended to ``RESULTS`` as soon as the cell is done, so a run that
is killed still tells how far it got.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import hashlib
import io
import json
import os
import pickle
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from .exclusions import Reason, unusable

SCHEMA_KINDS_LEFT_OUT = frozenset({"module", "function", "class"})


class CellTimeout(BaseException):
    """The cell ran past its time limit (a BaseException, so ``except Exception`` in notebook
    code cannot swallow it)."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise CellTimeout()


def run_job(job: Mapping[str, Any], results: Path) -> None:
    """Run every cell of ``job`` and append one result line per cell to ``results``."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    signal.signal(signal.SIGALRM, _alarm)
    with results.open("a", encoding="utf-8") as out:
        for cell in job["cells"]:
            record = run_cell(namespace, cell, float(job["timeout_s"]), str(job["seed_code"]))
            out.write(json.dumps(record, default=str) + "\n")
            out.flush()


def run_cell(
    namespace: dict[str, Any], cell: Mapping[str, Any], timeout: float, seed_code: str
) -> dict[str, Any]:
    """Run one cell in ``namespace``; a turn is first tried in a fork, as the scorer runs it.

    A cell that fails leaves ``namespace`` as it was before it.
    """
    from ...context import describe_variables
    from ...execution import Limits, compile_plain, compile_with_capture, run_trials
    from ...execution.forks import describe_exception
    from ...execution.sandbox import SandboxPolicy
    from ...execution.trials import fingerprint_namespace

    record: dict[str, Any] = {"index": cell["index"], "error": None, "timed_out": False}
    turn = bool(cell["turn"])
    saved = None
    try:
        exec(compile(seed_code, "<seed>", "exec"), namespace)
        if turn:
            schemas = describe_variables(namespace)
            record["schemas"] = [d for d in schemas if d.get("kind") not in SCHEMA_KINDS_LEFT_OUT]
            before = fingerprint_namespace(namespace)
            limits = Limits(wall_time_s=timeout, cpu_time_s=None, memory_bytes=None)
            # The trial may write in the work folder, as the cell itself then does.
            policy = SandboxPolicy(writable=(os.getcwd(),))
            [trial] = run_trials(namespace, [cell["code"]], limits, 1, before=before, policy=policy)
            if trial.timed_out:
                raise CellTimeout()
        tree = compile_with_capture(cell["code"]) if turn else compile_plain(cell["code"], "")
        code = compile(tree, f"<cell {cell['index']}>", "exec")
        saved = _snapshot(namespace)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            with _quiet():
                exec(code, namespace)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except CellTimeout:
        record.update(error=f"timed out after {timeout:g} s", timed_out=True)
    except BaseException as exc:  # notebook code may raise anything
        record["error"] = describe_exception(exc)
    if record["error"] is not None and saved is not None:
        _restore(namespace, saved)
    if turn and record["error"] is None:
        record.update(_judge(namespace, before, trial))
    return record


def _snapshot(namespace: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bindings, and deep copies of the user's data, to undo a cell that fails half-way.

    The scorer leaves a failed cell out of the context entirely, so its partial effects (an
    import before the failing line, a column added in place) must not stay here either.
    """
    from ...execution.trials import is_user_variable

    data = {name: value for name, value in namespace.items() if is_user_variable(name, value)}
    try:
        copies = copy.deepcopy(data)
    except Exception:  # some value refuses to be copied; then only bindings are restored
        copies = {}
    return dict(namespace), copies


def _restore(namespace: dict[str, Any], saved: tuple[dict[str, Any], dict[str, Any]]) -> None:
    bindings, copies = saved
    namespace.clear()
    namespace.update(bindings)
    namespace.update(copies)


@contextlib.contextmanager
def _quiet() -> Any:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


def _judge(namespace: Mapping[str, Any], before: Mapping[str, bytes], trial: Any) -> dict[str, Any]:
    """What the scorer would take as this reference's targets, and whether they are usable:
    each must survive pickling and match the same reference run in a fork (where, as in the
    scorer, Python's ``random`` is reseeded)."""
    from ...execution import outputs_match
    from ...execution.capture import OUTPUT_NAME
    from ...execution.trials import changed_variables

    output = namespace.get(OUTPUT_NAME)
    changed = changed_variables(namespace, before)
    if output is not None:
        targets = [(output, trial.output)]
    else:
        targets = [(value, trial.changed.get(name)) for name, value in changed.items()]
    verdict: dict[str, Any] = {"has_output": output is not None, "changed": sorted(changed),
                               "unusable": None, "digest": None}  # fmt: skip
    if not targets:
        verdict.update(unusable=unusable(Reason.NO_EFFECT))
        return verdict
    digest = hashlib.blake2b(digest_size=16)
    for value, forked in targets:
        name = type(value).__name__
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            same = outputs_match(forked, pickle.loads(data))
        except Exception:  # the scorer sends values back pickled; this one cannot be
            detail = f"its {name} value cannot be pickled or compared"
            verdict.update(unusable=unusable(Reason.NOT_COMPARABLE, detail))
            return verdict
        if not same:
            detail = f"its {name} value does not match the same code run again"
            verdict.update(unusable=unusable(Reason.NOT_REPEATABLE, detail))
            return verdict
        digest.update(data)
    verdict["digest"] = digest.hexdigest()
    return verdict


def main(argv: list[str]) -> int:
    job_path, results_path = Path(argv[0]), Path(argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    sys.path.insert(0, ".")
    run_job(job, results_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
