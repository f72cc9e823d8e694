"""Scoring ARCADE predictions by execution.

Each turn is one problem. A worker (a fork of this process) copies the episode's ``work_dir``,
runs the turn's notebook context there once, then runs the reference and every hypothesis in
forks of that state (``jupyter_pachinco.execution``). Turns run in parallel up to the core
count. A reference that fails is reported and its problem excluded from the metrics, as ARCADE
does; a hypothesis that fails in any way is incorrect.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..execution import (
    ForkOutcome,
    Limits,
    TrialResult,
    available_cores,
    cluster_matching_outputs,
    compile_plain,
    run_in_forks,
    run_trials,
)
from ..execution.forks import describe_exception
from .dataset import PredictedEpisode, Turn
from .errors import EvaluationError
from .judging import ReferenceFailure, hypothesis_is_correct, reference_targets
from .postprocess import extract_first_cell
from .summary import build_report

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ScoringOptions:
    """How hypotheses run: per-hypothesis limits, parallel workers, answer extraction."""

    limits: Limits = field(default_factory=Limits)
    workers: int | None = None
    context_time_s: float = 120.0
    extract_first_cell: bool = True


def score_predictions(
    predictions: Sequence[PredictedEpisode],
    artifacts: Path,
    options: ScoringOptions,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Score every hypothesis; return the report (metrics and per-hypothesis verdicts)."""
    jobs = _turn_jobs(predictions, artifacts, options)
    total = len(jobs)
    done = 0

    def count(_index: int, _outcome: ForkOutcome) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    warm_imports(job.turn.code_context for job in jobs)
    workers = max(1, options.workers or available_cores())
    outcomes = run_in_forks(jobs, _worker_limits(jobs, options), min(workers, total), count)
    turn_scores = [_turn_score(job, outcome) for job, outcome in zip(jobs, outcomes, strict=True)]
    return build_report(predictions, [job.hypotheses for job in jobs], turn_scores, options)


@dataclass(frozen=True)
class TurnJob:
    """Scores one turn; called inside a forked worker."""

    work_dir: Path
    turn: Turn
    hypotheses: tuple[str, ...]
    limits: Limits
    parallel: int

    def __call__(self) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="pachinco-eval-") as scratch:
            # A copy, so that hypotheses writing files cannot change the benchmark's data.
            run_dir = Path(scratch) / "work"
            shutil.copytree(self.work_dir, run_dir)
            os.chdir(run_dir)
            sys.path.insert(0, str(run_dir))
            return score_turn_here(self.turn, self.hypotheses, self.limits, self.parallel)


def score_turn_here(
    turn: Turn, hypotheses: Sequence[str], limits: Limits, parallel: int
) -> dict[str, Any]:
    """Run the context in this process, then the reference and hypotheses in forks of it."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    try:
        context = compile(compile_plain(turn.code_context, "<context>"), "<context>", "exec")
        exec(context, namespace)
    except BaseException as exc:  # notebook code may raise anything
        reason = f"the notebook context failed: {describe_exception(exc)}"
        return excluded_turn(reason, [TrialResult(error="not run") for _ in hypotheses])
    codes = [turn.reference, *hypotheses]
    results = run_trials(namespace, codes, limits, parallel, keep_names=turn.output_variables)
    reference, tried = results[0], results[1:]
    try:
        targets = reference_targets(turn.output_variables, reference)
    except ReferenceFailure as exc:
        return excluded_turn(str(exc), tried)
    verdicts = [hypothesis_is_correct(targets, result) for result in tried]
    return {
        "reference_error": None,
        "target_rule": targets.rule,
        "hypotheses": [_hypothesis_entry(r, ok) for r, ok in zip(tried, verdicts, strict=True)],
        "majority": majority_vote(tried, verdicts),
    }


def majority_vote(results: Sequence[TrialResult], verdicts: Sequence[bool]) -> dict[str, Any]:
    """maj@1: the verdict of one answer from the largest cluster of matching outputs."""
    ran = [i for i, result in enumerate(results) if result.ok]
    if not ran:
        return {"correct": False, "cluster_size": 0, "chosen": None}
    clusters = cluster_matching_outputs([results[i].output for i in ran])
    chosen = ran[clusters[0][0]]
    return {"correct": verdicts[chosen], "cluster_size": len(clusters[0]), "chosen": chosen}


def excluded_turn(reason: str, tried: Sequence[TrialResult]) -> dict[str, Any]:
    return {
        "reference_error": reason,
        "target_rule": None,
        "hypotheses": [_hypothesis_entry(result, False) for result in tried],
        "majority": {"correct": False, "cluster_size": 0, "chosen": None},
    }


def _hypothesis_entry(result: TrialResult, correct: bool) -> dict[str, Any]:
    return {"correct": correct, "error": result.error, "timed_out": result.timed_out}


def _turn_jobs(
    predictions: Sequence[PredictedEpisode], artifacts: Path, options: ScoringOptions
) -> list[TurnJob]:
    turn_count = sum(len(predicted.predictions) for predicted in predictions)
    workers = max(1, options.workers or available_cores())
    # Cores left over when there are fewer turns than workers go to hypotheses of a turn.
    parallel = max(1, workers // max(1, min(workers, turn_count)))
    jobs: list[TurnJob] = []
    for predicted in predictions:
        work_dir = artifacts / predicted.episode.work_dir
        if not work_dir.is_dir():
            raise EvaluationError(
                f"{predicted.episode.notebook_name}: work_dir {str(work_dir)!r} does not exist"
                " (check --artifacts)"
            )
        for turn, hypotheses in zip(predicted.episode.turns, predicted.predictions, strict=False):
            codes = tuple(_prepare(code, options) for code in hypotheses)
            jobs.append(TurnJob(work_dir, turn, codes, options.limits, parallel))
    return jobs


def warm_imports(contexts: Iterable[str]) -> list[str]:
    """Import, once in this process, the installed modules that notebook contexts import.

    Every worker is a fork of this process, so a module imported here (pandas, matplotlib)
    is already loaded in each of them instead of being imported again for every turn.
    Returns the modules it imported; any that cannot be imported is left for the worker to
    report as a context failure.
    """
    imported: list[str] = []
    for name in sorted({name for code in contexts for name in imported_modules(code)}):
        if name in sys.modules:
            continue
        try:
            if importlib.util.find_spec(name.partition(".")[0]) is None:
                continue
            importlib.import_module(name)
        except Exception:  # a module failing here fails again, with its message, in the worker
            continue
        imported.append(name)
    return imported


def imported_modules(code: str) -> set[str]:
    """Absolute module names in a notebook's ``import`` statements (none if it does not parse)."""
    try:
        tree = compile_plain(code, "<context>")
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _prepare(hypothesis: str, options: ScoringOptions) -> str:
    return extract_first_cell(hypothesis) if options.extract_first_cell else hypothesis


def _worker_limits(jobs: Sequence[TurnJob], options: ScoringOptions) -> Limits:
    most = max((len(job.hypotheses) + 1 for job in jobs), default=1)
    parallel = jobs[0].parallel if jobs else 1
    rounds = math.ceil(most / parallel)
    wall = options.context_time_s + rounds * options.limits.wall_time_s + 30.0
    return Limits(wall_time_s=wall, cpu_time_s=None, memory_bytes=None)


def _turn_score(job: TurnJob, outcome: ForkOutcome) -> dict[str, Any]:
    if outcome.ok:
        score: dict[str, Any] = outcome.value
        return score
    reason = f"scoring this turn failed: {outcome.error}"
    return excluded_turn(reason, [TrialResult(error="not run") for _ in job.hypotheses])
