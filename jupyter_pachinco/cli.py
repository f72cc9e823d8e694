"""The ``jupyter-pachinco`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .evaluation.cli import add_eval_commands, run_eval_command
from .mcp.cli import add_mcp_command, run_mcp_command
from .training.cli import add_train_commands, run_train_command
from .version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter-pachinco",
        description="jupyter_pachinco: an AI pair programmer for pandas notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_eval_commands(subparsers)
    add_train_commands(subparsers)
    add_mcp_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "eval":
        return run_eval_command(args)
    if args.command == "train":
        return run_train_command(args)
    if args.command == "mcp":
        return run_mcp_command(args)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
