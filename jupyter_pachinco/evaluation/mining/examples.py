"""Training examples from mined turns (``eval mine --examples train.jsonl``), for fine-tuning.

Format: JSON lines, one per turn of the TRAIN split, in TRL's prompt-completion form::

    {"prompt": ..., "completion": ..., "episode": "<notebook_name>", "turn": <index in episode>,
     "form": "completion" | "chat"}

- ``form == "completion"``: ``prompt`` is a string, exactly the completion prompt
  ``eval generate --form completion`` sends for that turn (our exemplars, the notebook context
  packed into the budget, schema cells of the live DataFrames, ``Problem: <intent>``, and the
  open answer cell ending with the style's solution header and a line break); ``completion``
  is a string, the rest of that cell: the reference solution in the style's format, ending with
  one line break (the trainer adds the end-of-text token).
- ``form == "chat"``: ``prompt`` is the list of ``{"role", "content"}`` messages
  ``eval generate --form chat`` sends; ``completion`` is one message,
  ``[{"role": "assistant", "content": "```python\\n<solution>\\n```"}]``.

The prompt is built by ``generate.turn_prompt`` through the ``Assistant`` (the same code path
as ``eval generate``), never another way. The solution is written by the prompt style itself
(``PromptStyle.solution`` / ``chat_answer``, default ``explained``): ``# Step k: <explanation>``
before each step, where the explanations are the reference's own comments when it has any;
otherwise each top-level statement is a step, explained by what it computes or imports, and
the last expression by the intent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ...assistant import Assistant
from ...backends import Backend
from ...prompting import Exemplar, ExemplarStep, get_style
from ...prompting.chat import fenced
from ..generate import TurnPromptForm, turn_prompt
from .notebooks import explained_steps


def prompt_assistant(
    style: str = "explained", budget: int = 2100, form: str = "completion"
) -> Assistant:
    """An Assistant that only builds prompts (it never calls its backend), with the same
    defaults as ``eval generate``."""
    # Building a prompt never touches the backend; None stands in for it.
    chosen: Any = form
    return Assistant(cast(Backend, None), budget=budget, style=style, form=chosen)


def solution_exemplar(example: Mapping[str, Any]) -> Exemplar:
    """A turn's reference as an exemplar, so the prompt style writes it as it writes its own."""
    turn = example["turn"]
    intent = str(turn["intent"]["value"])
    code = str(turn["code"]["value"])
    steps = explained_steps(code, intent)
    return Exemplar(
        title="",
        setup="",
        schema="",
        problem=intent,
        vanilla=code.strip(),
        steps=tuple(ExemplarStep(step.explanation, step.code) for step in steps),
    )


def training_example(
    episode: Mapping[str, Any], index: int, assistant: Assistant, form: TurnPromptForm
) -> dict[str, Any]:
    """One JSON-lines record (see the module docstring)."""
    example = episode["turns"][index]
    style = get_style(assistant.style)
    exemplar = solution_exemplar(example)
    prompt = turn_prompt(example, assistant, form)
    record: dict[str, Any]
    if form == "chat":
        assert not isinstance(prompt, str)  # the chat form is a sequence of messages
        messages = [{"role": m.role, "content": m.content} for m in prompt]
        answer = fenced(style.chat_answer(exemplar))
        record = {"prompt": messages, "completion": [{"role": "assistant", "content": answer}]}
    else:
        record = {"prompt": str(prompt), "completion": style.solution(exemplar) + "\n"}
    record.update(episode=episode["notebook_name"], turn=index, form=form)
    return record


def training_examples(
    episodes: Sequence[Mapping[str, Any]], assistant: Assistant, form: TurnPromptForm
) -> Iterator[dict[str, Any]]:
    for episode in episodes:
        for index in range(len(episode["turns"])):
            yield training_example(episode, index, assistant, form)


def write_examples(
    episodes: Sequence[Mapping[str, Any]], path: Path, assistant: Assistant, form: TurnPromptForm
) -> int:
    """Write the examples of ``episodes`` as JSON lines; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in training_examples(episodes, assistant, form):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
