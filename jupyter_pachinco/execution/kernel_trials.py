"""Trial runs of candidate cells inside the user's kernel, one fork per candidate.

This module runs in the kernel process (the server calls ``trial_run_as_json`` through a
silent execute). ``os.fork`` gives every candidate a copy-on-write snapshot of the whole live
state at no copying cost; whatever the candidate does to it dies with the child. A child:

- enters the sandbox of ``run_in_forks`` (see ``sandbox``): its limits (CPU time, wall time,
  address space) hard, every inherited descriptor closed (the kernel's ZeroMQ sockets, the
  user's open files and database connections), shared memory made private, and where Linux
  offers them Landlock (no file writes, no TCP, no signals out) and seccomp (no processes,
  no ptrace); quiet standard streams and a non-interactive plotting backend;
- never writes to the kernel's sockets: message sending is disabled before user code runs, so
  a ``display()`` or a stray publish goes nowhere instead of into the user's notebook;
- refuses, at run time, to write or delete files, start processes or open connections (an
  audit hook), for code that hides those from the static check in ``side_effects``;
- lives in a process group the kernel made for it, killed afterwards with anything in it;
- sends back plain data (``wire``): type, shape, a small preview, a digest, and the value
  itself pickled, as opaque bytes, when it is small enough to be compared under ARCADE's fuzzy
  rules. The kernel checks every field and never loads those bytes: the vote runs in one more
  sandboxed child (``vote``), which sends back group numbers only.

Candidates with visible side effects are not run at all; they are reported as ``not_run``.
"""

from __future__ import annotations

import ast
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .audit import refuse_side_effects, silence_kernel_messages
from .capture import OUTPUT_NAME, compile_with_capture
from .forks import ForkOutcome, Limits, describe_exception, run_in_forks
from .ranking import CandidateRun, Fingerprinted, group_matching_outputs
from .sandbox import current_report
from .side_effects import find_side_effects
from .summaries import PREVIEW_CHARS, describe_answer
from .vote import Ballot, group_in_child
from .wire import Malformed, checked

DEFAULT_LIMITS = Limits(wall_time_s=10.0, cpu_time_s=10.0, memory_bytes=2 * 1024**3)
MAX_STDOUT_CHARS = 2_000
FORK_UNAVAILABLE = "Ranking by trial runs is off: this system cannot fork processes (e.g. Windows)."

MAX_ERROR_CHARS = 4_000
#: The most an observation (``observations.run_observed``) a trial child sends may hold, as
#: JSON text: its texts are bounded there, its figures' PNGs by ``figure_capture``.
MAX_OBSERVATION_CHARS = 4 * 1024 * 1024

#: Runs one candidate in its trial child and reports it (``describe_answer``'s keys, plus
#: ``stdout``, ``seconds`` and ``error``); ``observations.observed_candidate`` adds an observation.
RunCandidate = Callable[[dict[str, Any], str], dict[str, Any]]


def fork_available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def trial_run(
    namespace: dict[str, Any],
    codes: Sequence[str],
    limits: Limits = DEFAULT_LIMITS,
    max_parallel: int | None = None,
    run_candidate: RunCandidate | None = None,
) -> list[CandidateRun]:
    """Run each candidate in its own fork of ``namespace``; one ``CandidateRun`` per code, with
    group numbers shared by candidates whose answers match fuzzily. ``run_candidate`` replaces
    how a child runs and reports its candidate (the guards around it, and the parent's checks
    of what it sends back, stay)."""
    if not fork_available():
        raise RuntimeError(FORK_UNAVAILABLE)
    effects = [find_side_effects(code) for code in codes]
    runnable = [i for i, found in enumerate(effects) if not found]
    jobs = [_TrialJob(namespace, codes[i], run_candidate) for i in runnable]
    outcomes = run_in_forks(jobs, limits, max_parallel)
    by_index = dict(zip(runnable, outcomes, strict=True))
    answers: dict[int, bytes | None] = {}
    runs = [
        _run_from(i, code, by_index.get(i), effects[i], answers) for i, code in enumerate(codes)
    ]
    return _with_groups(runs, answers, limits)


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
    run_candidate: RunCandidate | None = None

    def __call__(self) -> dict[str, Any]:
        """Runs in the sandboxed child: guard, execute, describe the answer."""
        _guard()
        if self.run_candidate is not None:
            return self.run_candidate(self.namespace, self.code)
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
        started = time.perf_counter()
        try:
            exec(compile(compile_with_capture(self.code), "<candidate>", "exec"), self.namespace)
        except BaseException as exc:  # user code may raise anything, SystemExit included
            return {"error": describe_exception(exc), "stdout": captured.getvalue()[:10_000]}
        seconds = time.perf_counter() - started
        answer = answer_of(self.namespace, written_names(self.code))
        described = describe_answer(answer)
        described.update(stdout=captured.getvalue()[:10_000], seconds=seconds, error=None)
        return described


def _guard() -> None:
    """In a trial or vote child: the audit hook (strict where the kernel layers are missing)
    and no message to the kernel's sockets."""
    report = current_report()
    refuse_side_effects(strict=report is None or bool(report.missing_kernel_layers))
    silence_kernel_messages()


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


def _run_from(
    index: int,
    code: str,
    outcome: ForkOutcome | None,
    effects: list[str],
    answers: dict[int, bytes | None],
) -> CandidateRun:
    """The run, from what the child sent back: every field checked, nothing loaded. The
    pickled answer (opaque bytes for the vote child) goes into ``answers``."""
    if outcome is None:
        return CandidateRun(index=index, code=code, status="not_run", side_effects=effects)
    if not outcome.ok:
        return CandidateRun(index=index, code=code, status="error", error=outcome.error)
    try:
        found = checked(outcome.value, _ANSWER_FIELDS, int_lists=("shape",))
    except Malformed as exc:
        return CandidateRun(index=index, code=code, status="error", error=f"the trial {exc}")
    stdout = found["stdout"][:MAX_STDOUT_CHARS]
    observation = _bounded_observation(found.get("observation"))
    if found["error"] is not None:
        return CandidateRun(
            index=index,
            code=code,
            status="error",
            error=found["error"],
            stdout=stdout,
            observation=observation,
        )
    if found.get("type_name") is None or found.get("preview") is None:
        return CandidateRun(index=index, code=code, status="error",
                            error="the trial sent back no description of its answer")  # fmt: skip
    answers[index] = found.get("answer")
    return CandidateRun(
        index=index,
        code=code,
        status="ok",
        type_name=found["type_name"],
        shape=found.get("shape"),
        preview=found["preview"],
        fingerprint=found.get("fingerprint"),
        stdout=stdout,
        seconds=found.get("seconds"),
        observation=observation,
    )


def _bounded_observation(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """The observation a child sent, when it is JSON text (no blobs) within
    ``MAX_OBSERVATION_CHARS``; None otherwise. It is plain data already (``wire``)."""
    if found is None:
        return None
    try:
        size = len(json.dumps(found))
    except (TypeError, ValueError):  # bytes, or a structure JSON cannot hold
        return None
    return found if size <= MAX_OBSERVATION_CHARS else None


#: What a trial child may send back: field -> (types, longest text or list, required).
_ANSWER_FIELDS = {
    "error": ((str, type(None)), MAX_ERROR_CHARS, True),
    "stdout": ((str,), 10_000, True),
    "type_name": ((str,), 200, False),
    "shape": ((list, type(None)), 32, False),
    "preview": ((str,), PREVIEW_CHARS, False),
    "fingerprint": ((str, type(None)), 64, False),
    "seconds": ((float, int), None, False),
    "answer": ((bytes, type(None)), None, False),
    # What the agent's scratch asks of its children (``observations.observed_candidate``).
    "observation": ((dict, type(None)), None, False),
}


def _with_groups(
    runs: list[CandidateRun], answers: Mapping[int, bytes | None], limits: Limits
) -> list[CandidateRun]:
    succeeded = [run for run in runs if run.status == "ok"]
    ballots: list[Ballot] = [(answers.get(run.index), run.fingerprint) for run in succeeded]
    numbers, _notice = group_in_child(
        ballots, limits, group_matching_outputs, Fingerprinted, _guard
    )
    groups = dict(zip((run.index for run in succeeded), numbers, strict=True))
    return [
        CandidateRun(**{**asdict(run), "group": groups[run.index]}) if run.index in groups else run
        for run in runs
    ]
