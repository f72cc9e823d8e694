"""``jupyter-pachinco eval generate``: the command line of `generate_predictions`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from ..agent import AgentOptions
from .generate import PROMPT_FORMS


def add_generate_command(commands: Any) -> None:
    generate = commands.add_parser(
        "generate", help="Sample predictions for a dataset with our prompts and backends."
    )
    generate.add_argument("--dataset", type=Path, required=True, help="ARCADE dataset JSON.")
    generate.add_argument("--output", type=Path, required=True, help="Predictions JSON to write.")
    generate.add_argument("--style", default="explained", help="Prompt style (default: explained).")
    generate.add_argument("--form", choices=PROMPT_FORMS, default="completion", help="Prompt form.")
    generate.add_argument("-n", type=int, default=1, help="Samples per turn.")
    generate.add_argument("--max-new-tokens", type=int, default=256)
    generate.add_argument("--temperature", type=float, default=0.8)
    generate.add_argument("--top-p", type=float, default=0.95)
    generate.add_argument("--seed", type=int, default=None)
    generate.add_argument(
        "--budget", type=int, default=2100, help="Prompt tokens (the paper: 2100 with exemplars)."
    )
    generate.add_argument(
        "--backend", default=None, help="transformers, llamacpp, openai, or a plugin."
    )
    generate.add_argument(
        "--model", default=None, help="Model id, local folder, .gguf file or served name."
    )
    generate.add_argument("--base-url", default=None, help="OpenAI-compatible server URL.")
    generate.add_argument(
        "--tokenizer",
        type=Path,
        default=None,
        help="Local tokenizer folder to count the budget with (default: the local model's, "
        "else about four characters a token).",
    )
    generate.add_argument("--quiet", action="store_true", help="No progress bar.")
    agent = generate.add_argument_group(
        "agent", "--agent: solve each turn with the agent loop on a scratch of its context"
    )
    agent.add_argument(
        "--agent",
        action="store_true",
        help="One prediction per turn from the agent (plan, steps tried on a scratch copy, "
        "repairs); -n is then the candidates per step.",
    )
    agent.add_argument(
        "--artifacts", type=Path, default=None, help="Folder of each episode's work_dir."
    )
    agent.add_argument("--max-steps", type=int, default=AgentOptions.max_steps)
    agent.add_argument("--max-repairs", type=int, default=AgentOptions.max_repairs)
    agent.add_argument("--plan-tokens", type=int, default=AgentOptions.plan_tokens)
    agent.add_argument("--observation-tokens", type=int, default=AgentOptions.observation_tokens)
    generate.set_defaults(run=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    from traitlets.config import Config

    from ..backends import build_backend
    from ..output_paths import check_apart
    from .dataset import read_json
    from .errors import DatasetError, EvaluationError
    from .generate import PredictionOptions, check_style, generate_predictions
    from .progress import ProgressBar

    check_style(args.style)
    check_apart({"--output": args.output}, {"--dataset": args.dataset}, EvaluationError)
    dataset = read_json(args.dataset)
    if not isinstance(dataset, list):
        raise DatasetError(f"{args.dataset}: a dataset is a JSON list of episodes")
    config = Config()
    for trait in ("backend", "model", "base_url"):
        value = getattr(args, trait)
        if value is not None:
            config.BackendSettings[trait] = value
    backend = build_backend(config)
    options = PredictionOptions(
        style=args.style,
        form=args.form,
        n=args.n,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        seed=args.seed,
        budget=_fitting_budget(args.budget, args.max_new_tokens, backend.context_length),
    )
    progress = None if args.quiet else ProgressBar(sys.stderr)
    counter = _token_counter(args.tokenizer or _local_folder(args.model))
    if counter is None:  # a GGUF model counts with its own tokenizer
        counter = backend.token_counter()

    async def generate() -> tuple[int, int]:
        try:
            if args.agent:
                return await _generate_with_agent(
                    args, dataset, backend, options, counter, progress
                )
            summary = await generate_predictions(
                dataset, backend, args.output, options, counter, progress
            )
            return summary.generated, summary.kept
        finally:
            await backend.aclose()

    generated, kept = asyncio.run(generate())
    print(f"generated {generated} turns, kept {kept} finished turns: {args.output}")
    return 0


async def _generate_with_agent(
    args: argparse.Namespace,
    dataset: Any,
    backend: Any,
    options: Any,
    counter: Any,
    progress: Any,
) -> tuple[int, int]:
    from .agent_generate import generate_with_agent
    from .errors import EvaluationError

    if args.artifacts is None:
        raise EvaluationError("--agent needs --artifacts: each turn's context runs in its folder")
    if options.form == "dataset":
        raise EvaluationError("--agent builds its own prompts: choose --form chat or completion")
    agent_options = AgentOptions(
        n=options.n,
        max_steps=args.max_steps,
        max_repairs=args.max_repairs,
        max_new_tokens=options.max_new_tokens,
        plan_tokens=args.plan_tokens,
        temperature=options.temperature,
        top_p=options.top_p,
        seed=options.seed,
        observation_tokens=args.observation_tokens,
        style=options.style,
        form=options.form,
    )
    return await generate_with_agent(
        dataset, backend, args.output, options, agent_options, args.artifacts, counter, progress
    )


def _fitting_budget(budget: int, max_new_tokens: int, context_length: int | None) -> int:
    """The prompt budget, lowered so that prompt plus answer fit the model's context."""
    if context_length is None:
        return budget
    return max(1, min(budget, context_length - max_new_tokens))


def _local_folder(model: str | None) -> Path | None:
    return Path(model) if model and Path(model).is_dir() else None


def _token_counter(folder: Path | None) -> Any:
    from ..context import HuggingFaceTokenCounter

    return None if folder is None else HuggingFaceTokenCounter.from_path(folder)
