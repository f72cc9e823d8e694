"""Scoring speed: our fork-based scorer against replaying the notebook per hypothesis.

Data: the real IS362 notebook from ``../shared/arcade/real_is362`` (11 turns), with its mixed
predictions repeated to 10 hypotheses per turn. Both sides do the same work and must reach
the same verdicts:

- ours: ``jupyter_pachinco.evaluation.scoring`` (each turn's context runs once, the reference
  and the hypotheses run in forks of that state, turns in parallel up to the core count);
- baseline, the official approach: for the reference and for every hypothesis, a fresh
  ``python`` process replays the notebook context and then runs the code (as many processes
  in parallel as there are cores).

Prints a table, then one JSON line:
``{"benchmark": "eval_scoring", "figures": {"problems_per_s", "baseline_problems_per_s",
"speedup", ...}}``.
"""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jupyter_pachinco.evaluation.dataset import PredictedEpisode, Turn, parse_predictions
from jupyter_pachinco.evaluation.judging import (
    ReferenceFailure,
    hypothesis_is_correct,
    reference_targets,
)
from jupyter_pachinco.evaluation.scoring import ScoringOptions, score_predictions
from jupyter_pachinco.execution import Limits, TrialResult, available_cores

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "arcade" / "real_is362"
HYPOTHESES_PER_TURN = 10
TIMEOUT_S = 30.0

# Runs in a fresh interpreter: replay the context, run one cell with ARCADE's capture, send
# back what the judge needs. Same capture and change detection as the fork-based executor.
_REPLAY = """
import io, pickle, sys
from jupyter_pachinco.execution.capture import (
    OUTPUT_NAME, VALUES_NAME, compile_plain, compile_with_capture)
from jupyter_pachinco.execution.trials import changed_variables, fingerprint_namespace
job = pickle.load(sys.stdin.buffer)
answer = sys.stdout.buffer
sys.stdout = io.StringIO()
ns = {"__name__": "__main__"}
exec(compile(compile_plain(job["context"], "<context>"), "<context>", "exec"), ns)
before = fingerprint_namespace(ns)
result = {"error": None}
try:
    exec(compile(compile_with_capture(job["code"]), "<cell>", "exec"), ns)
    result.update(
        output=ns.get(OUTPUT_NAME), values=ns.get(VALUES_NAME, []),
        changed=changed_variables(ns, before),
        kept={k: ns[k] for k in job["keep"] if k in ns})
except BaseException as exc:
    result["error"] = f"{type(exc).__name__}: {exc}"
answer.write(pickle.dumps(result))
"""


def build_predictions() -> list[PredictedEpisode]:
    data = json.loads((DATA / "predictions_mixed.json").read_text())
    for episode in data:
        for turn in episode["turns"]:
            hypotheses = turn["predictions"]
            repeats = -(-HYPOTHESES_PER_TURN // len(hypotheses))
            turn["predictions"] = (hypotheses * repeats)[:HYPOTHESES_PER_TURN]
    return parse_predictions(data)


def score_with_forks(predictions: list[PredictedEpisode]) -> tuple[float, list[list[bool]]]:
    options = ScoringOptions(limits=Limits(wall_time_s=TIMEOUT_S, cpu_time_s=TIMEOUT_S))
    started = time.perf_counter()
    report = score_predictions(predictions, DATA / "artifacts", options)
    elapsed = time.perf_counter() - started
    verdicts = [
        [hypothesis["correct"] for hypothesis in turn["hypotheses"]]
        for episode in report["episodes"]
        for turn in episode["turns"]
    ]
    return elapsed, verdicts


def replay_in_fresh_process(work_dir: Path, turn: Turn, code: str) -> TrialResult:
    job = pickle.dumps({"context": turn.code_context, "code": code, "keep": turn.output_variables})
    completed = subprocess.run(
        [sys.executable, "-c", _REPLAY],
        input=job,
        cwd=work_dir,
        capture_output=True,
        timeout=TIMEOUT_S + 60,
        check=False,
    )
    if completed.returncode != 0:
        return TrialResult(error=completed.stderr.decode(errors="replace")[-300:])
    result: dict[str, Any] = pickle.loads(completed.stdout)
    return TrialResult(**result)


def score_with_replays(predictions: list[PredictedEpisode]) -> tuple[float, list[list[bool]]]:
    started = time.perf_counter()
    verdicts: list[list[bool]] = []
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(available_cores()) as pool:
        for predicted in predictions:
            work_dir = Path(scratch) / "work"
            shutil.copytree(DATA / "artifacts" / predicted.episode.work_dir, work_dir)
            for turn, hypotheses in zip(
                predicted.episode.turns, predicted.predictions, strict=True
            ):
                codes = [turn.reference, *hypotheses]
                runs = [pool.submit(replay_in_fresh_process, work_dir, turn, c) for c in codes]
                results = [run.result() for run in runs]
                verdicts.append(judge(turn, results[0], results[1:]))
            shutil.rmtree(work_dir)
    return time.perf_counter() - started, verdicts


def judge(turn: Turn, reference: TrialResult, hypotheses: list[TrialResult]) -> list[bool]:
    try:
        targets = reference_targets(turn.output_variables, reference)
    except ReferenceFailure:
        return [False] * len(hypotheses)
    return [hypothesis_is_correct(targets, hypothesis) for hypothesis in hypotheses]


def main() -> int:
    predictions = build_predictions()
    problems = sum(len(p.predictions) for p in predictions)
    hypotheses = sum(len(h) for p in predictions for h in p.predictions)
    ours_s, ours = score_with_forks(predictions)
    baseline_s, baseline = score_with_replays(predictions)
    if ours != baseline:
        print("verdicts differ between the scorer and the baseline", file=sys.stderr)
        return 1
    figures = {
        "problems_per_s": round(problems / ours_s, 3),
        "baseline_problems_per_s": round(problems / baseline_s, 3),
        "speedup": round(baseline_s / ours_s, 2),
        "problems": problems,
        "hypotheses": hypotheses,
        "cores": available_cores(),
        "seconds": round(ours_s, 2),
        "baseline_seconds": round(baseline_s, 2),
    }
    print(f"{'':28}{'seconds':>10}{'problems/s':>13}")
    print(f"{'forks (jupyter_pachinco)':28}{ours_s:>10.2f}{problems / ours_s:>13.2f}")
    print(f"{'fresh process per hypothesis':28}{baseline_s:>10.2f}{problems / baseline_s:>13.2f}")
    print(f"{problems} problems, {hypotheses} hypotheses (+ references), same verdicts;")
    print(f"speedup {figures['speedup']}x on {figures['cores']} cores")
    print(json.dumps({"benchmark": "eval_scoring", "figures": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
