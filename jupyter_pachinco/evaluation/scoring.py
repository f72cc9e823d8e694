"""Scoring ARCADE predictions by execution, with the official evaluator's verdicts.

Each turn is one problem. A worker (a fork of this process) copies the episode's ``work_dir``
once, runs the turn's notebook context there once, deep-copies its variables, and then serves
as the turn's warm fork server: the reference and each *distinct* hypothesis run in forks of
it (``arcade_run``), one after another, so files written by one run are seen by the next, as in
the official evaluator. Each fork judges its hypothesis itself under both rule sets and sends
back two booleans and its output (for maj@1). Turns run in parallel up to the core count.

``mode`` picks which rule set gives ``correct`` and the metrics: ``official`` (FORMAT.md
E1-E9) or ``strict`` (ours, see ``judging``); both verdicts are always recorded, so
``eval report`` can show where they disagree. Odd corners of the official run kept here:

- E1: the hypothesis is cut to its first code cell; the reference is not cut.
- E3: the context and programs run as plain Python in a namespace without ``__name__``: a
  ``%magic`` line is a syntax error (context: the turn is invalid; hypothesis: incorrect).
- E3: with a timeout the official evaluator runs a hypothesis twice (a timing fork, then for
  real), so its file writes happen twice. We run once and run again only when the first run
  changed files in the work folder (official mode only); the second run gives the verdict.
- E7: identical hypothesis strings in a turn share one verdict (the official cache): each
  distinct string runs once.
"""

from __future__ import annotations

import ast
import builtins
import gc
import importlib
import importlib.util
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..execution import ForkOutcome, Limits, available_cores, run_in_forks
from ..execution.capture import rewrite_for_arcade
from ..execution.figures import draws_a_figure, is_figure_turn
from ..execution.forks import describe_exception
from ..execution.matching import normalize_value
from ..execution.official_matching import as_pandas14
from ..execution.wire import Malformed
from ..output_paths import Exclusions
from .arcade_run import (
    REFERENCE_VALUE_PREFIX,
    HypothesisJob,
    ReferenceJob,
    TurnState,
    deep_copy_namespace,
)
from .dataset import DatasetTurn, PredictedEpisode
from .judging import Targets, cluster_sizes, converted
from .options import Mode, ScoringOptions
from .postprocess import extract_first_cell
from .sandboxed import (
    checked_run,
    checked_turn_score,
    clusters_in_child,
    copy_work_folder,
    run_policy,
    worker_policy,
)
from .summary import build_report

ProgressCallback = Callable[[int, int], None]
#: The maj@1 vote's child (it compares every distinct output with the others).
VOTE_LIMITS = Limits(wall_time_s=120.0, cpu_time_s=None, memory_bytes=None)


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

    warm_imports([job.turn for job in jobs])
    gc.collect()
    gc.freeze()  # forks then share these pages instead of copying them when gc touches them
    workers = max(1, options.workers or available_cores())
    scratch = tempfile.mkdtemp(prefix="pachinco-eval-")
    jobs = [replace(job, scratch_root=scratch) for job in jobs]
    try:
        outcomes = run_in_forks(
            jobs, _worker_limits(jobs, options), min(workers, total), count, worker_policy(scratch)
        )
    finally:
        gc.unfreeze()
        shutil.rmtree(scratch, ignore_errors=True)
    turn_scores = [_turn_score(job, outcome) for job, outcome in zip(jobs, outcomes, strict=True)]
    return build_report(predictions, [job.hypotheses for job in jobs], turn_scores, options)


@dataclass(frozen=True)
class TurnJob:
    """Scores one turn; called inside a forked worker."""

    work_dir: Path
    turn: DatasetTurn
    hypotheses: tuple[str, ...]
    limits: Limits
    mode: Mode
    #: The folder this worker may write beneath (its sandbox allows nothing else).
    scratch_root: str | None = None
    written: Exclusions = field(default_factory=lambda: Exclusions(()))

    def __call__(self) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="turn-", dir=self.scratch_root) as scratch:
            # A copy, so that hypotheses writing files cannot change the benchmark's data.
            run_dir = Path(scratch) / "work"
            if self.work_dir.is_dir():  # less the run's own output, should it be in there
                copy_work_folder(self.work_dir, run_dir, self.written.ignore())
            else:
                run_dir.mkdir()
            os.chdir(run_dir)
            sys.path.insert(0, str(run_dir))
            return score_turn_here(self.turn, self.hypotheses, self.limits, self.mode)


def score_turn_here(
    turn: DatasetTurn, hypotheses: Sequence[str], limits: Limits, mode: Mode = "official"
) -> dict[str, Any]:
    """Run the context here, then the reference and each distinct hypothesis in forks."""
    started = time.perf_counter()
    namespace: dict[str, Any] = {"__builtins__": builtins}
    try:
        exec(compile(turn.code_context, "<context>", "exec"), namespace)
    except Exception as exc:  # notebook code may raise anything
        return excluded_turn(f"the notebook context failed: {describe_exception(exc)}", hypotheses)
    context_s = time.perf_counter() - started
    state = TurnState(
        before=namespace,
        running=deep_copy_namespace(namespace),
        official_figure=is_figure_turn(turn.reference),
        strict_draws=draws_a_figure(turn.reference),
    )
    gc.collect()
    gc.freeze()  # each fork then shares the context's pages instead of copying them
    copy_s = time.perf_counter() - started - context_s
    try:
        reference = _run_reference(state, turn)
        if isinstance(reference, str):
            return excluded_turn(reference, hypotheses)
        official, strict, strict_figure = reference
        reference_s = time.perf_counter() - started - context_s - copy_s
        runs = {
            code: _run_hypothesis(state, code, official, strict, strict_figure, limits)
            for code in dict.fromkeys(hypotheses)
        }
    finally:
        gc.unfreeze()
    entries = [_hypothesis_entry(runs[code], mode) for code in hypotheses]
    voting = time.perf_counter()
    majority = {mode: majority_vote(hypotheses, runs, mode)}
    seconds = _turn_seconds(runs, context_s, copy_s, reference_s, voting - started)
    seconds["majority_vote"] = time.perf_counter() - voting
    return {
        "reference_error": None,
        "target_rule": official.rule if mode == "official" else strict.rule,
        "target_rules": {"official": official.rule, "strict": strict.rule},
        "hypotheses": entries,
        "majority": majority[mode],
        "seconds": seconds,
    }


def _turn_seconds(
    runs: dict[str, dict[str, Any]],
    context_s: float,
    copy_s: float,
    reference_s: float,
    total: float,
) -> dict[str, float]:
    """Where a turn's time went: context, deep copy, reference, and the hypotheses' phases.

    ``fork`` is the hypotheses' wall time outside the children's own phases (fork, exit,
    pipe, pickling of the small answer); ``hypotheses`` counts the distinct ones run.
    """
    phases: dict[str, float] = {"context": context_s, "deep_copy": copy_s, "reference": reference_s}
    for run in runs.values():
        for phase, seconds in run.get("seconds", {}).items():
            phases[phase] = phases.get(phase, 0.0) + seconds
    inside = sum(phases.values())
    phases["fork"] = max(0.0, total - inside)
    phases["hypotheses"] = float(len(runs))
    return phases


def _run_reference(state: TurnState, turn: DatasetTurn) -> tuple[Targets, Targets, bool] | str:
    """The reference's targets under both rule sets, or why the turn is invalid."""
    try:
        tree = rewrite_for_arcade(turn.reference, True, REFERENCE_VALUE_PREFIX)
        program = compile(tree, "<reference>", "exec")
    except SyntaxError as exc:
        return f"the reference does not parse: {describe_exception(exc)}"
    job = ReferenceJob(state, program, tuple(turn.output_variables), _output_is_a_value(tree))
    # The reference has no time limit in the official evaluator; ours is generous.
    limits = Limits(wall_time_s=600.0, memory_bytes=None)
    [outcome] = run_in_forks([job], limits, 1, policy=run_policy())
    if not outcome.ok:
        return f"the reference solution failed: {outcome.error}"
    if not isinstance(outcome.value, bytes):
        return "the reference solution sent back something that is not its targets"
    # The benchmark's own reference, as trusted as the context run here (see `sandboxed`).
    message = pickle.loads(outcome.value)
    # Converted once here instead of in every hypothesis run (E9 reading, string columns).
    official = converted(message["official"], as_pandas14)
    strict = converted(message["strict"], normalize_value)
    return official, strict, message["strict_figure"]


def _output_is_a_value(tree: ast.Module) -> bool:
    """Strict: a reference ending in ``df['c'] = s`` or ``obj.x = v`` shows no output."""
    if not tree.body or not isinstance(tree.body[-1], ast.Assign):
        return True
    return all(_names_only(target) for target in tree.body[-1].targets[1:])


def _names_only(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_names_only(element) for element in target.elts)
    return False


def _run_hypothesis(
    state: TurnState,
    code: str,
    official: Targets,
    strict: Targets,
    strict_figure: bool,
    limits: Limits,
) -> dict[str, Any]:
    try:
        program = compile(rewrite_for_arcade(code, True), "<hypothesis>", "exec")
    except SyntaxError as exc:  # E2: a hypothesis that does not parse is incorrect
        return {"error": f"Parse Error: {describe_exception(exc)}", "timed_out": False}
    job = HypothesisJob(state, program, official, strict, strict_figure)
    result = _fork_once(job, limits)
    if result.get("files_changed") and limits.wall_time_s > 0:
        # E3: the official timing run already wrote these files; its real run sees them.
        again = _fork_once(job, limits)
        result = {**result, **{k: again.get(k) for k in ("official", "official_error")}}
        if again.get("error") is not None:
            result["official"], result["official_error"] = False, again["error"]
    return result


def _fork_once(job: HypothesisJob, limits: Limits) -> dict[str, Any]:
    [outcome] = run_in_forks([job], limits, 1, policy=run_policy())
    if not outcome.ok:
        return {"error": outcome.error, "timed_out": outcome.timed_out}
    try:
        value = checked_run(outcome.value)
    except Malformed as exc:
        return {"error": f"the hypothesis run {exc}", "timed_out": False}
    return {**value, "timed_out": False}


def majority_vote(
    hypotheses: Sequence[str], runs: dict[str, dict[str, Any]], mode: str
) -> dict[str, Any]:
    """maj@1: the verdict of the first answer in the largest cluster of matching outputs."""
    distinct = list(runs)
    weights = [hypotheses.count(code) for code in distinct]
    convert = as_pandas14 if mode == "official" else normalize_value

    def cluster(values: list[Any]) -> list[list[int]]:  # runs in a sandboxed child
        outputs = [convert(value) for value in values]
        return cluster_sizes(outputs, weights, official=mode == "official")

    packed = [_packed_output(runs[code], mode) for code in distinct]
    clusters = clusters_in_child(packed, cluster, VOTE_LIMITS) if any(packed) else []
    if not clusters:
        return {"correct": False, "cluster_size": 0, "chosen": None}
    chosen_code = distinct[clusters[0][0]]
    return {
        "correct": bool(runs[chosen_code].get(mode)),
        "cluster_size": sum(weights[m] for m in clusters[0]),
        "chosen": hypotheses.index(chosen_code),
    }


def _packed_output(run: dict[str, Any], mode: str) -> bytes | None:
    """The run's output as its child pickled it: opaque bytes here, loaded only in the vote's
    sandboxed child."""
    packed = run.get(f"{mode}_output")
    if run.get("error") is not None or not isinstance(packed, bytes):
        return None
    return packed


def excluded_turn(reason: str, hypotheses: Sequence[str]) -> dict[str, Any]:
    empty = {"correct": False, "cluster_size": 0, "chosen": None}
    failed = {"error": "not run (the turn is invalid)", "timed_out": False}
    return {
        "reference_error": reason,
        "target_rule": None,
        "target_rules": {"official": None, "strict": None},
        "hypotheses": [_hypothesis_entry(failed, "official") for _ in hypotheses],
        "majority": empty,
    }


def _hypothesis_entry(run: dict[str, Any], mode: Mode) -> dict[str, Any]:
    official = bool(run.get("official")) and run.get("error") is None
    strict = bool(run.get("strict")) and run.get("error") is None
    return {
        "correct": official if mode == "official" else strict,
        "official": official,
        "strict": strict,
        "error": run.get("error") or run.get("official_error"),
        "timed_out": bool(run.get("timed_out")),
    }


def _turn_jobs(
    predictions: Sequence[PredictedEpisode], artifacts: Path, options: ScoringOptions
) -> list[TurnJob]:
    jobs: list[TurnJob] = []
    for predicted in predictions:
        work_dir = artifacts / predicted.episode.work_dir
        if not work_dir.is_dir():
            # E3: the official evaluator runs such an episode in an empty folder.
            print(
                f"warning: {predicted.episode.notebook_name}: work_dir {str(work_dir)!r} does"
                " not exist; running in an empty folder (check --artifacts)",
                file=sys.stderr,
            )
        for turn, hypotheses in zip(predicted.episode.turns, predicted.predictions, strict=False):
            codes = tuple(_prepare(code, options) for code in hypotheses)
            written = Exclusions.of(options.written)
            jobs.append(
                TurnJob(work_dir, turn, codes, options.limits, options.mode, written=written)
            )
    return jobs


def warm_imports(turns: Sequence[DatasetTurn]) -> list[str]:
    """Import, once in this process, the modules the turns' workers will need.

    Every worker and every run is a fork of this process, so a module imported here is already
    loaded in each of them instead of being imported again per turn or per hypothesis: the
    modules the notebook contexts import, cloudpickle (E4's pickle check) and, when a turn
    draws, pyplot and Pillow. Returns the modules it imported; one that cannot be imported is
    left for the worker to report as a context failure.
    """
    wanted = {name for turn in turns for name in imported_modules(turn.code_context)}
    wanted.add("cloudpickle")
    if any(is_figure_turn(t.reference) or draws_a_figure(t.reference) for t in turns):
        wanted.update({"matplotlib.pyplot", "PIL.PngImagePlugin"})
    imported: list[str] = []
    for name in sorted(wanted):
        if name in sys.modules:
            continue
        if name.startswith("matplotlib"):
            os.environ.setdefault("MPLBACKEND", "agg")
        try:
            if importlib.util.find_spec(name.partition(".")[0]) is None:
                continue
            importlib.import_module(name)
        except Exception:  # it fails again, with its message, in the worker
            continue
        imported.append(name)
    return imported


def imported_modules(code: str) -> set[str]:
    """Absolute module names in a notebook's ``import`` statements (none if it does not parse)."""
    try:
        tree = ast.parse(code)
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
    most = max((len(set(job.hypotheses)) + 1 for job in jobs), default=1)
    # Each distinct hypothesis may run twice (official mode, files written).
    wall = options.context_time_s + 2 * most * options.limits.wall_time_s + 630.0
    return Limits(wall_time_s=wall, cpu_time_s=None, memory_bytes=None)


def _turn_score(job: TurnJob, outcome: ForkOutcome) -> dict[str, Any]:
    if not outcome.ok:
        return excluded_turn(f"scoring this turn failed: {outcome.error}", job.hypotheses)
    try:
        return checked_turn_score(outcome.value, len(job.hypotheses))
    except Malformed as exc:
        return excluded_turn(f"scoring this turn failed: its worker {exc}", job.hypotheses)
