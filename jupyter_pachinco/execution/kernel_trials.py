"""Trial runs of candidate cells inside the user's kernel, one fork per candidate.

This module runs in the kernel process (the server calls ``trial_run_as_json`` through a
silent execute). ``os.fork`` gives every candidate a copy-on-write snapshot of the whole live
state at no copying cost; whatever the candidate does to it dies with the child. A child:

- runs with ``run_in_forks``' limits (CPU time, wall time, address space), quiet standard
  streams and a non-interactive plotting backend;
- never writes to the kernel's sockets: message sending is disabled before user code runs, so
  a ``display()`` or a stray publish goes nowhere instead of into the user's notebook;
- refuses, at run time, to write or delete files, start processes or open connections (an
  audit hook), for code that hides those from the static check in ``side_effects``;
- lives in its own process group, which is killed afterwards with anything it started;
- sends back a summary of its answer: type, shape, a small preview, a digest, and the value
  itself when it is small enough to be compared under ARCADE's fuzzy rules here.

Candidates with visible side effects are not run at all; they are reported as ``not_run``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import mmap
import os
import pickle
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .capture import OUTPUT_NAME, compile_with_capture
from .forks import ForkOutcome, Limits, describe_exception, run_in_forks
from .ranking import CandidateRun, Fingerprinted, group_matching_outputs
from .side_effects import find_side_effects, refuse_side_effects, silence_kernel_messages
from .summaries import describe_answer

DEFAULT_LIMITS = Limits(wall_time_s=10.0, cpu_time_s=10.0, memory_bytes=2 * 1024**3)
MAX_STDOUT_CHARS = 2_000
FORK_UNAVAILABLE = "Ranking by trial runs is off: this system cannot fork processes (e.g. Windows)."

_PID_SLOT = struct.Struct("q")


def fork_available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


#: Runs one candidate in its trial child and reports it (``describe_answer``'s keys, plus
#: ``stdout``, ``seconds`` and ``error``); ``observations.observed_candidate`` adds an observation.
RunCandidate = Callable[[dict[str, Any], str], dict[str, Any]]


def trial_run(
    namespace: dict[str, Any],
    codes: Sequence[str],
    limits: Limits = DEFAULT_LIMITS,
    max_parallel: int | None = None,
    run_candidate: RunCandidate | None = None,
) -> list[CandidateRun]:
    """Run each candidate in its own fork of ``namespace``; one ``CandidateRun`` per code, with
    group numbers shared by candidates whose answers match fuzzily. ``run_candidate`` replaces
    how a child runs and reports its candidate (the guards around it stay)."""
    if not fork_available():
        raise RuntimeError(FORK_UNAVAILABLE)
    effects = [find_side_effects(code) for code in codes]
    runnable = [i for i, found in enumerate(effects) if not found]
    slots = mmap.mmap(-1, max(1, len(runnable)) * _PID_SLOT.size)
    jobs = [
        _TrialJob(namespace, codes[i], slot, slots, run_candidate)
        for slot, i in enumerate(runnable)
    ]
    try:
        outcomes = run_in_forks(jobs, limits, max_parallel)
    finally:
        _kill_leftovers(slots, len(runnable))
        slots.close()
    by_index = dict(zip(runnable, outcomes, strict=True))
    runs = [_run_from(i, code, by_index.get(i), effects[i]) for i, code in enumerate(codes)]
    return _with_groups(runs, by_index)


def trial_run_as_json(namespace: dict[str, Any], request: str) -> str:
    """The kernel-side entry point: ``request`` is JSON ``{"codes": [...], "wall_time_s": ..,
    "cpu_time_s": .., "memory_bytes": .., "max_parallel": ..}``; the answer is JSON
    ``{"available": bool, "notice": str | None, "runs": [CandidateRun as dict, ...]}``."""
    asked = json.loads(request)
    if not fork_available():
        return json.dumps({"available": False, "notice": FORK_UNAVAILABLE, "runs": []})
    limits = Limits(
        wall_time_s=float(asked.get("wall_time_s", DEFAULT_LIMITS.wall_time_s)),
        cpu_time_s=asked.get("cpu_time_s", DEFAULT_LIMITS.cpu_time_s),
        memory_bytes=asked.get("memory_bytes", DEFAULT_LIMITS.memory_bytes),
    )
    runs = trial_run(namespace, asked["codes"], limits, asked.get("max_parallel"))
    return json.dumps({"available": True, "notice": None, "runs": [asdict(r) for r in runs]})


def written_names(code: str) -> list[str]:
    """Top-level variables a cell assigns or changes in place (``df['x'] = ..``,
    ``df.drop(.., inplace=True)``): its answer when it ends without an expression."""
    try:
        module = compile_with_capture(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for statement in module.body:
        for node in ast.walk(statement):
            target = _written_target(node)
            if target is not None and not target.startswith("__pachinco") and target not in names:
                names.append(target)
    return names


def _written_target(node: ast.AST) -> str | None:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            root = _root_name(target)
            if root is not None:
                return root
    if isinstance(node, ast.Call) and any(
        k.arg == "inplace" and not (isinstance(k.value, ast.Constant) and not k.value.value)
        for k in node.keywords
    ):
        return _root_name(node.func)
    return None


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


@dataclass(frozen=True)
class _TrialJob:
    namespace: dict[str, Any]
    code: str
    slot: int
    slots: mmap.mmap
    run_candidate: RunCandidate | None = None

    def __call__(self) -> dict[str, Any]:
        """Runs in the child: guard, execute, describe the answer."""
        os.setpgid(0, 0)
        _PID_SLOT.pack_into(self.slots, self.slot * _PID_SLOT.size, os.getpid())
        refuse_side_effects()
        silence_kernel_messages()
        if self.run_candidate is not None:
            return self.run_candidate(self.namespace, self.code)
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
        started = time.perf_counter()
        try:
            exec(compile(compile_with_capture(self.code), "<candidate>", "exec"), self.namespace)
        except BaseException as exc:  # user code may raise anything, SystemExit included
            return {"error": describe_exception(exc), "stdout": captured.getvalue()}
        seconds = time.perf_counter() - started
        answer = answer_of(self.namespace, written_names(self.code))
        described = describe_answer(answer)
        described.update(stdout=captured.getvalue(), seconds=seconds, error=None)
        return described


def answer_of(namespace: Mapping[str, Any], written: Iterable[str]) -> Any:
    """A cell's answer: its last expression's value, else the one variable it wrote (several:
    a dict of them), else None."""
    output = namespace.get(OUTPUT_NAME)
    if output is not None:
        return output
    values = {name: namespace[name] for name in written if name in namespace}
    if len(values) == 1:
        return next(iter(values.values()))
    return values or None


def _kill_leftovers(slots: mmap.mmap, count: int) -> None:
    """Kill whatever a child started in its process group (a fork bomb's offspring)."""
    for slot in range(count):
        (pid,) = _PID_SLOT.unpack_from(slots, slot * _PID_SLOT.size)
        if pid > 0:
            # A group that is already gone left nothing behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def _run_from(
    index: int, code: str, outcome: ForkOutcome | None, effects: list[str]
) -> CandidateRun:
    if outcome is None:
        return CandidateRun(index=index, code=code, status="not_run", side_effects=effects)
    if not outcome.ok:
        return CandidateRun(index=index, code=code, status="error", error=outcome.error)
    found: dict[str, Any] = outcome.value
    stdout = str(found.get("stdout", ""))[:MAX_STDOUT_CHARS]
    observation = found.get("observation")
    if found.get("error") is not None:
        return CandidateRun(
            index=index,
            code=code,
            status="error",
            error=found["error"],
            stdout=stdout,
            observation=observation,
        )
    return CandidateRun(
        index=index,
        code=code,
        status="ok",
        type_name=found["type_name"],
        shape=found["shape"],
        preview=found["preview"],
        fingerprint=found["fingerprint"],
        stdout=stdout,
        seconds=found["seconds"],
        observation=observation,
    )


def _with_groups(
    runs: list[CandidateRun], outcomes: Mapping[int, ForkOutcome]
) -> list[CandidateRun]:
    succeeded = [run for run in runs if run.status == "ok"]
    answers = [_comparable_answer(outcomes[run.index].value, run) for run in succeeded]
    groups = dict(
        zip((run.index for run in succeeded), group_matching_outputs(answers), strict=True)
    )
    return [
        CandidateRun(**{**asdict(run), "group": groups[run.index]}) if run.index in groups else run
        for run in runs
    ]


def _comparable_answer(found: dict[str, Any], run: CandidateRun) -> Any:
    packed = found.get("answer")
    if packed is not None:
        try:
            return pickle.loads(packed)
        except Exception:  # a value that pickles but does not unpickle: compare by digest
            pass
    return Fingerprinted(run.fingerprint or f"unmatchable:{run.index}")
