"""``jupyter-pachinco eval generate|score|report``: thin shells around the harness."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import EvaluationError
from .generate_cli import add_generate_command
from .mining.cli import add_mine_command

# The harness (pandas, numpy, the executor) is imported inside the commands, so that the
# command line answers `--help` and `--version` without loading it.


def add_eval_commands(subparsers: Any) -> None:
    """Register ``eval generate``, ``score`` and ``report`` on the top-level parser."""
    eval_parser = subparsers.add_parser("eval", help="Evaluate on ARCADE-format datasets.")
    commands = eval_parser.add_subparsers(dest="eval_command", metavar="EVAL_COMMAND")
    commands.required = True
    add_generate_command(commands)
    add_mine_command(commands)
    score = commands.add_parser("score", help="Score a predictions file by execution.")
    score.add_argument("--dataset", type=Path, required=True, help="ARCADE dataset JSON.")
    score.add_argument(
        "--artifacts", type=Path, required=True, help="Folder holding each episode's work_dir."
    )
    score.add_argument("--predictions", type=Path, required=True, help="Predictions JSON.")
    score.add_argument("--output", type=Path, required=True, help="Where to write R.json.")
    score.add_argument("--timeout", type=float, default=30.0, help="Seconds per hypothesis.")
    score.add_argument(
        "--memory-mb", type=int, default=4096, help="Extra memory per hypothesis (MiB)."
    )
    score.add_argument("--workers", type=int, default=None, help="Parallel workers (cores).")
    score.add_argument(
        "--no-extract-first-cell",
        action="store_true",
        help="Run predictions whole instead of only their first code cell.",
    )
    score.add_argument(
        "--mode",
        choices=("official", "strict"),
        default="official",
        help="Rules that give the verdicts and metrics: 'official' (the ARCADE evaluator's,"
        " quirks included; default) or 'strict' (ours; see the README). Both verdicts are"
        " recorded per hypothesis.",
    )
    score.add_argument("--quiet", action="store_true", help="No progress bar.")
    score.set_defaults(run=run_score)
    report = commands.add_parser(
        "report", help="Summarize a scoring result on the console (and as an HTML page)."
    )
    report.add_argument("result", type=Path, help="R.json written by 'eval score'.")
    report.add_argument(
        "--html", type=Path, default=None, help="Also write an HTML page with plots, here."
    )
    report.add_argument(
        "--dataset", type=Path, default=None, help="The dataset: adds results by notebook and kind."
    )
    report.set_defaults(run=run_report)


def run_eval_command(args: argparse.Namespace) -> int:
    from ..backends import BackendError

    try:
        status: int = args.run(args)
    except (EvaluationError, BackendError) as exc:
        print(f"jupyter-pachinco eval: {exc}", file=sys.stderr)
        return 1
    return status


def run_score(args: argparse.Namespace) -> int:
    from ..execution import Limits
    from ..output_paths import check_apart
    from .dataset import check_predictions_match_dataset, load_dataset, load_predictions
    from .options import ScoringOptions
    from .progress import ProgressBar
    from .scoring import score_predictions

    inputs = {"--dataset": args.dataset, "--predictions": args.predictions}
    check_apart(
        {"--output": args.output}, {**inputs, "--artifacts": args.artifacts}, EvaluationError
    )
    dataset = load_dataset(args.dataset)
    predictions = load_predictions(args.predictions)
    check_predictions_match_dataset(dataset, predictions)
    if not args.artifacts.is_dir():
        raise EvaluationError(f"--artifacts {str(args.artifacts)!r} is not a folder")
    options = ScoringOptions(
        limits=Limits(
            wall_time_s=args.timeout,
            # Wall time only, as the official evaluator: a CPU limit would stop code that
            # uses several threads sooner than the timeout says.
            cpu_time_s=None,
            memory_bytes=args.memory_mb * 1024 * 1024,
        ),
        workers=args.workers,
        extract_first_cell=not args.no_extract_first_cell,
        mode=args.mode,
        written=(args.output,),
    )
    progress = None if args.quiet else ProgressBar(sys.stderr)
    report = score_predictions(predictions, args.artifacts, options, progress)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report["metrics"], indent=1))
    return 0


def run_report(args: argparse.Namespace) -> int:
    from ..output_paths import check_apart
    from .console_report import console_summary
    from .dataset import read_json
    from .report import mode_disagreements, render_html_report

    inputs = {"RESULT": args.result, "--dataset": args.dataset}
    check_apart({"--html": args.html}, inputs, EvaluationError)

    result = read_json(args.result)
    if not isinstance(result, dict) or "metrics" not in result or "episodes" not in result:
        raise EvaluationError(f"{args.result}: not a result written by 'eval score'")
    print(console_summary(result))
    extra: list[str] = []
    if args.dataset is not None:
        from .breakdown import breakdown, breakdown_html

        table = breakdown(result, read_json(args.dataset))
        extra = breakdown_html(table)
        print(json.dumps(table["kind"], indent=1))
    for problem in mode_disagreements(result["episodes"]):
        differing = ", ".join(
            f"#{h['index']} official={'correct' if h['official'] else 'wrong'}"
            f" strict={'correct' if h['strict'] else 'wrong'}"
            for h in problem["hypotheses"]
        )
        print(
            f"modes disagree: {problem['notebook_name']} turn {problem['turn_index']}: {differing}"
        )
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_html_report(result, extra=extra), encoding="utf-8")
        print(f"wrote {args.html}")
    return 0
