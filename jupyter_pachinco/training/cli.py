"""``jupyter-pachinco train`` and ``jupyter-pachinco train export``: thin shells.

The training libraries (the ``[train]`` extra) are imported inside the commands, so the
command line answers ``--help`` without them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import TrainingError


def _add_train_options(train: argparse.ArgumentParser) -> None:
    train.add_argument("--base", help="Base model: Hugging Face folder or id, or a .gguf file.")
    train.add_argument("--examples", type=Path, help="Training examples (JSON lines).")
    train.add_argument("--output", type=Path, help="Folder for checkpoints and the adapter.")
    train.add_argument("--full", action="store_true", help="Full fine-tuning instead of LoRA.")
    train.add_argument("--epochs", type=float, default=1.0)
    train.add_argument(
        "--max-steps", type=int, default=-1, help="Stop after N steps (overrides epochs)."
    )
    train.add_argument("--batch-size", type=int, default=4, help="Examples per device and step.")
    train.add_argument("--gradient-accumulation", type=int, default=1)
    train.add_argument("--learning-rate", type=float, default=2e-4)
    train.add_argument("--lora-rank", type=int, default=8)
    train.add_argument("--lora-alpha", type=int, default=16)
    train.add_argument(
        "--max-length", type=int, default=1024, help="Tokens; longer examples are dropped."
    )
    train.add_argument("--validation-fraction", type=float, default=0.1, help="Episodes held out.")
    train.add_argument("--save-steps", type=int, default=50, help="Checkpoint every N steps.")
    train.add_argument("--eval-steps", type=int, default=50, help="Eval loss every N steps.")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--resume", default=None, help="Resume from this checkpoint folder.")
    train.add_argument(
        "--restart", action="store_true", help="Ignore checkpoints already in --output."
    )
    train.add_argument(
        "--cache-dir", type=Path, default=None, help="Where GGUF bases are unpacked."
    )


def add_train_commands(subparsers: Any) -> None:
    """Register ``train`` (with its ``export`` sub-command) on the top-level parser."""
    train = subparsers.add_parser(
        "train",
        help="Fine-tune a code LM on mined notebook examples (LoRA by default).",
        description="Fine-tune with TRL's SFTTrainer; resumes from the last checkpoint in "
        "--output. 'train export' writes the result as GGUF.",
    )
    _add_train_options(train)
    train.set_defaults(run=run_train)
    commands = train.add_subparsers(dest="train_command", metavar="{export}")
    export = commands.add_parser("export", help="Merge an adapter and write a GGUF file.")
    export.add_argument("--adapter", type=Path, required=True, help="A 'train' output folder.")
    export.add_argument("--output", type=Path, required=True, help="The .gguf file to write.")
    export.add_argument("--dtype", choices=("f32", "f16"), default="f16", help="Weight type.")
    export.set_defaults(run=run_export)


def run_train_command(args: argparse.Namespace) -> int:
    try:
        status: int = args.run(args)
    except TrainingError as exc:
        print(f"jupyter-pachinco train: {exc}", file=sys.stderr)
        return 1
    return status


def run_train(args: argparse.Namespace) -> int:
    missing = [
        f"--{name}" for name in ("base", "examples", "output") if getattr(args, name) is None
    ]
    if missing:
        raise TrainingError(f"missing {', '.join(missing)}")
    from ..output_paths import check_apart

    base = Path(args.base).expanduser()  # a local folder or file; a hub id is no path here
    inputs = {"--base": base if base.exists() else None, "--examples": args.examples}
    check_apart({"--output": args.output}, inputs, TrainingError)
    from dataclasses import asdict

    from .trainer import TrainOptions, run_training

    options = TrainOptions(
        base=args.base,
        examples=args.examples,
        output=args.output,
        full=args.full,
        epochs=args.epochs,
        max_steps=args.max_steps,
        batch_size=args.batch_size,
        gradient_accumulation=args.gradient_accumulation,
        learning_rate=args.learning_rate,
        lora_rank=args.lora_rank,
        lora_alpha=args.lora_alpha,
        max_length=args.max_length,
        validation_fraction=args.validation_fraction,
        save_steps=args.save_steps,
        eval_steps=args.eval_steps,
        seed=args.seed,
        resume=args.resume,
        restart=args.restart,
        cache_dir=args.cache_dir,
    )
    result = run_training(options)
    print(json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()}))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from ..output_paths import check_apart
    from .gguf_export import export_gguf

    check_apart({"--output": args.output}, {"--adapter": args.adapter}, TrainingError)
    print(f"wrote {export_gguf(args.adapter, args.output, args.dtype)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m jupyter_pachinco.training ...`` (what ``accelerate launch -m`` runs)."""
    parser = argparse.ArgumentParser(prog="jupyter-pachinco")
    add_train_commands(parser.add_subparsers(dest="command"))
    return run_train_command(
        parser.parse_args(["train", *(sys.argv[1:] if argv is None else argv)])
    )
