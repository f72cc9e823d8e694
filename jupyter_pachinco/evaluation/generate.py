"""``eval generate``: sample answers for every turn of an ARCADE dataset with our pipeline.

Prompts come from the product's own prompting module (ARCADE completion form, or chat form),
built from each turn's notebook cells (``metadata.context_cells``) and intent; ``dataset`` form
reuses the turn's recorded ``input`` verbatim, to reproduce the paper's prompts. Samples come
from the product's backends. The output is an ARCADE predictions file, written after every
turn, so an interrupted run resumes where it stopped: turns that already hold ``n``
predictions are kept as they are.

Completion answers are stored as the model wrote them (the scorer extracts the first code cell,
as ARCADE does); chat answers are stored as the code the answer parser finds in them.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..assistant import Assistant, Prompt, request_for
from ..backends import Backend
from ..context import TokenCounter
from ..options import GenerateOptions
from ..prompting import UnknownStyleError, get_style, parse_answer
from .dataset import read_json
from .errors import DatasetError, EvaluationError

TurnPromptForm = Literal["completion", "chat", "dataset"]
PROMPT_FORMS: tuple[TurnPromptForm, ...] = ("completion", "chat", "dataset")


@dataclass(frozen=True)
class PredictionOptions:
    """How to prompt and sample (the paper: n=50, top-p 0.95, temperature 0.8)."""

    style: str = "explained"
    form: TurnPromptForm = "completion"
    n: int = 1
    max_new_tokens: int = 256
    temperature: float = 0.8
    top_p: float = 0.95
    seed: int | None = None
    budget: int = 2100


@dataclass(frozen=True)
class GenerateSummary:
    """What one run did: turns sampled now, and turns kept from an earlier run."""

    generated: int
    kept: int


def check_style(name: str) -> None:
    """`EvaluationError` (naming the known styles) when ``name`` is no prompt style."""
    try:
        get_style(name)
    except UnknownStyleError as exc:
        raise EvaluationError(str(exc)) from exc


def turn_prompt(example: Mapping[str, Any], assistant: Assistant, form: TurnPromptForm) -> Prompt:
    """The prompt for one turn (``example`` is ARCADE's turn example): text or messages."""
    if form == "dataset":
        return str(example.get("input", ""))
    intent = str(example.get("turn", {}).get("intent", {}).get("value", ""))
    metadata = example.get("metadata", {})
    cells = metadata.get("context_cells", [])
    # Mined datasets (``eval mine``) record the live variables before each turn.
    schemas = metadata.get("variable_descriptions") or []
    return assistant.build_prompt(intent, cells, schemas, form=form)


def hypotheses_from(texts: Sequence[str], options: PredictionOptions) -> list[str]:
    if options.form == "chat":
        return [parse_answer(text).code for text in texts]
    return list(texts)


def empty_predictions(dataset: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An ARCADE predictions skeleton: each episode's metadata, each turn's example."""
    predictions = []
    for episode in dataset:
        metadata = {key: value for key, value in episode.items() if key != "turns"}
        turns = [
            {"metadata": {"example": copy.deepcopy(example)}, "predictions": []}
            for example in episode.get("turns", [])
        ]
        predictions.append({"metadata": metadata, "turns": turns})
    return predictions


def resume_predictions(
    dataset: Sequence[Mapping[str, Any]], output: Path, n: int
) -> list[dict[str, Any]]:
    """The skeleton, with the finished turns of an earlier run at ``output`` filled in."""
    predictions = empty_predictions(dataset)
    if not output.exists():
        return predictions
    earlier = read_json(output)
    if not isinstance(earlier, list) or len(earlier) != len(predictions):
        raise DatasetError(
            f"{output} holds predictions for another dataset; choose another --output "
            "or delete it to start again."
        )
    for episode, old_episode in zip(predictions, earlier, strict=True):
        old_turns = old_episode.get("turns", []) if isinstance(old_episode, dict) else []
        for turn, old_turn in zip(episode["turns"], old_turns, strict=False):
            old = old_turn.get("predictions") if isinstance(old_turn, dict) else None
            if isinstance(old, list) and len(old) >= n:
                turn["predictions"] = [str(code) for code in old[:n]]
    return predictions


def write_predictions(predictions: Sequence[Mapping[str, Any]], output: Path) -> None:
    """Write atomically, so an interruption never leaves a half-written file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(json.dumps(predictions, indent=1), encoding="utf-8")
    os.replace(partial, output)


async def generate_predictions(
    dataset: Sequence[Mapping[str, Any]],
    backend: Backend,
    output: Path,
    options: PredictionOptions,
    count_tokens: TokenCounter | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> GenerateSummary:
    """Sample ``options.n`` answers for each unfinished turn, saving after every turn."""
    form = "completion" if options.form == "dataset" else options.form
    assistant = Assistant(backend, budget=options.budget, style=options.style, form=form)
    if count_tokens is not None:
        assistant.count_tokens = count_tokens
    request_options = GenerateOptions(
        n=options.n,
        max_new_tokens=options.max_new_tokens,
        temperature=options.temperature,
        top_p=options.top_p,
        seed=options.seed,
    )
    predictions = resume_predictions(dataset, output, options.n)
    turns = [turn for episode in predictions for turn in episode["turns"]]
    kept = sum(1 for turn in turns if turn["predictions"])
    generated = 0
    for done, turn in enumerate(turns, start=1):
        if not turn["predictions"]:
            prompt = turn_prompt(turn["metadata"]["example"], assistant, options.form)
            completion = await backend.generate(request_for(prompt, request_options)).collect()
            turn["predictions"] = hypotheses_from(completion.texts, options)
            write_predictions(predictions, output)
            generated += 1
        if on_progress is not None:
            on_progress(done, len(turns))
    write_predictions(predictions, output)
    return GenerateSummary(generated=generated, kept=kept)
