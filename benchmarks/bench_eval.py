"""Scoring speed on the file issue 13 names, against the official ARCADE evaluator.

The file: ``../shared/arcade/real_is362`` with ``predictions_mixed.json``, each turn's five
hypotheses repeated to 50 (11 turns, 550 hypotheses). We score it with
``jupyter_pachinco.evaluation.scoring`` (official mode, ``--timeout 30``) and print
``ms_per_hypothesis`` and ``problems_per_s``.

The baseline is the official evaluator on the same file, in the same run, when
``--official-command`` is given: a shell command with ``{predictions}`` and ``{artifacts}``
placeholders that runs ``arcade_nl2code.evaluation.execution_evaluation_main`` with the README
flags (``--split_episode --noreuse_state --timeout 30 --num_workers 2``) on a copy of the file.
The official evaluator is not part of this project (and never installed by it); without that
command the baseline is issue 13's measurement, 44 ms per hypothesis on the 2-core machine,
and is labelled so (``official_source``). If the official run writes its verdicts into the
predictions copy, they are compared with ours.

Secondary, clearly labelled: our old replay baseline (a fresh ``python`` process per
hypothesis that replays the context), on the original five hypotheses per turn only.

``--profile`` adds where our time went per phase (context, deep copy, reference, run, delta,
pickle check, matching, serialization, fork). Prints a table, then one JSON line:
``{"benchmark": "eval_scoring", "figures": {"ms_per_hypothesis", "problems_per_s", ...}}``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jupyter_pachinco.evaluation.dataset import parse_predictions
from jupyter_pachinco.evaluation.options import ScoringOptions
from jupyter_pachinco.evaluation.scoring import score_predictions
from jupyter_pachinco.execution import Limits, available_cores

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "arcade" / "real_is362"
HYPOTHESES_PER_TURN = 50
TIMEOUT_S = 30.0
#: Issue 13's side-by-side measurement of the official evaluator on this file and machine.
OFFICIAL_ANCHOR_MS = 44.0

# Runs in a fresh interpreter: replay the context and score one hypothesis there.
_REPLAY = """
import pickle, sys
from jupyter_pachinco.evaluation.scoring import score_turn_here
from jupyter_pachinco.execution import Limits
job = pickle.load(sys.stdin.buffer)
result = score_turn_here(job["turn"], [job["code"]], Limits(wall_time_s=job["timeout"]))
sys.stdout.buffer.write(pickle.dumps([h["official"] for h in result["hypotheses"]]))
"""


def build_file(per_turn: int) -> list[dict[str, Any]]:
    """The mixed predictions, each turn's hypotheses repeated to ``per_turn``."""
    data: list[dict[str, Any]] = json.loads((DATA / "predictions_mixed.json").read_text())
    for episode in data:
        for turn in episode["turns"]:
            hypotheses = turn["predictions"]
            repeats = -(-per_turn // len(hypotheses))
            turn["predictions"] = (hypotheses * repeats)[:per_turn]
    return data


def score_ours(data: list[dict[str, Any]]) -> tuple[float, list[bool], dict[str, float]]:
    options = ScoringOptions(limits=Limits(wall_time_s=TIMEOUT_S, cpu_time_s=None))
    started = time.perf_counter()
    report = score_predictions(parse_predictions(data), DATA / "artifacts", options)
    elapsed = time.perf_counter() - started
    turns = [turn for episode in report["episodes"] for turn in episode["turns"]]
    phases: dict[str, float] = {}
    for turn in turns:
        for phase, seconds in (turn.get("seconds") or {}).items():
            phases[phase] = phases.get(phase, 0.0) + seconds
    verdicts = [hypothesis["official"] for turn in turns for hypothesis in turn["hypotheses"]]
    return elapsed, verdicts, phases


def score_official(data: list[dict[str, Any]], command: str) -> tuple[float, list[bool] | None]:
    """Time the official evaluator's command on a copy of the file; its verdicts if written."""
    with tempfile.TemporaryDirectory(prefix="bench-official-") as scratch:
        copy = Path(scratch) / "predictions.json"
        # The official loader wants a JSON list whose first line is "[".
        copy.write_text(json.dumps(data, indent=1))
        line = command.format(
            predictions=shlex.quote(str(copy)), artifacts=shlex.quote(str(DATA / "artifacts"))
        )
        started = time.perf_counter()
        done = subprocess.run(line, shell=True, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(
                f"the official command failed: {done.stdout[-800:]}{done.stderr[-800:]}"
            )
        return elapsed, _official_verdicts(copy)


def _official_verdicts(copy: Path) -> list[bool] | None:
    written = json.loads(copy.read_text())
    try:
        return [
            bool(result.get("accuracy"))
            for episode in written
            for turn in episode["turns"]
            for result in turn["eval_results"]
        ]
    except (KeyError, TypeError):
        return None


def replay_in_fresh_processes(data: list[dict[str, Any]]) -> tuple[float, int]:
    """Secondary baseline: a fresh interpreter per hypothesis replays the context."""
    import pickle

    predictions = parse_predictions(data)
    jobs = [
        (predicted.episode.work_dir, turn, code)
        for predicted in predictions
        for turn, codes in zip(predicted.episode.turns, predicted.predictions, strict=True)
        for code in codes
    ]

    def run(job: tuple[str, Any, str]) -> None:
        work_dir, turn, code = job
        payload = pickle.dumps({"turn": turn, "code": code, "timeout": TIMEOUT_S})
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "work"
            shutil.copytree(DATA / "artifacts" / work_dir, folder)
            subprocess.run(
                [sys.executable, "-c", _REPLAY],
                input=payload,
                cwd=folder,
                capture_output=True,
                check=True,
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(available_cores()) as pool:
        list(pool.map(run, jobs))
    return time.perf_counter() - started, len(jobs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--official-command", help="Runs the official evaluator (see above).")
    parser.add_argument("--no-replay", action="store_true", help="Skip the secondary baseline.")
    parser.add_argument("--profile", action="store_true", help="Print where our time went.")
    args = parser.parse_args()

    data = build_file(HYPOTHESES_PER_TURN)
    problems = sum(len(episode["turns"]) for episode in data)
    hypotheses = sum(len(turn["predictions"]) for episode in data for turn in episode["turns"])
    ours_s, ours, phases = score_ours(data)
    ours_ms = 1000 * ours_s / hypotheses
    figures: dict[str, Any] = {
        "ms_per_hypothesis": round(ours_ms, 2),
        "problems_per_s": round(problems / ours_s, 3),
        "seconds": round(ours_s, 2),
        "problems": problems,
        "hypotheses": hypotheses,
        "cores": available_cores(),
    }
    if args.official_command:
        official_s, official = score_official(data, args.official_command)
        figures["official_ms_per_hypothesis"] = round(1000 * official_s / hypotheses, 2)
        figures["official_source"] = "measured in this run"
        if official is not None:
            agree = sum(a == b for a, b in zip(ours, official, strict=True))
            figures["verdicts_agreeing_with_official"] = f"{agree}/{len(official)}"
    else:
        figures["official_ms_per_hypothesis"] = OFFICIAL_ANCHOR_MS
        figures["official_source"] = "issue 13 anchor (not measured in this run)"
    figures["speedup_vs_official"] = round(figures["official_ms_per_hypothesis"] / ours_ms, 2)
    if not args.no_replay:
        replay_s, replayed = replay_in_fresh_processes(build_file(5))
        figures["secondary_replay_ms_per_hypothesis"] = round(1000 * replay_s / replayed, 2)
    print_table(figures, phases if args.profile else None)
    print(json.dumps({"benchmark": "eval_scoring", "figures": figures}))
    return 0


def print_table(figures: dict[str, Any], phases: dict[str, float] | None) -> None:
    print(f"{'':44}{'ms/hypothesis':>14}")
    print(f"{'ours (forks, official mode)':44}{figures['ms_per_hypothesis']:>14.2f}")
    print(
        f"{'official evaluator: ' + figures['official_source']:44}"
        f"{figures['official_ms_per_hypothesis']:>14.2f}"
    )
    if "secondary_replay_ms_per_hypothesis" in figures:
        print(
            f"{'(secondary) fresh process per hypothesis':44}"
            f"{figures['secondary_replay_ms_per_hypothesis']:>14.2f}"
        )
    print(
        f"{figures['hypotheses']} hypotheses in {figures['problems']} problems; "
        f"{figures['speedup_vs_official']}x the official evaluator's speed"
    )
    if phases:
        distinct = phases.pop("hypotheses", 0.0)
        total = sum(phases.values())
        print(f"profile (seconds summed over workers; {distinct:.0f} distinct hypotheses run):")
        for phase, seconds in sorted(phases.items(), key=lambda item: -item[1]):
            print(f"  {phase:16}{seconds:8.3f}  {100 * seconds / total:5.1f}%")


if __name__ == "__main__":
    sys.exit(main())
