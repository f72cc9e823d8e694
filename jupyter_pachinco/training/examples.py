"""Training examples: JSON lines in TRL's prompt-completion format.

One example a line (written by ``eval mine --examples``)::

    {"prompt": ..., "completion": ..., "episode": ..., "turn": ..., "form": "completion"|"chat"}

Form ``completion``: prompt and completion are strings. Form ``chat``: the prompt is a list of
``{"role", "content"}`` messages and the completion ``[{"role": "assistant", "content": ...}]``.
TRL computes the loss on the completion only for both forms (``completion_only_loss``).
A file that mixes both forms is trained as text: chat examples are rendered with the model's
chat template first (`render_as_text`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import TrainingError

Form = Literal["completion", "chat"]
Message = dict[str, str]


@dataclass(frozen=True)
class Example:
    """One prompt-completion pair; `prompt`/`completion` are strings or message lists."""

    prompt: str | list[Message]
    completion: str | list[Message]
    form: Form
    episode: str = ""

    def record(self) -> dict[str, Any]:
        """The row TRL trains on: ``{"prompt", "completion"}``."""
        return {"prompt": self.prompt, "completion": self.completion}


def _messages(value: Any, where: str, field: str) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise TrainingError(f"{where}: chat {field} must be a non-empty list of messages")
    for message in value:
        if (
            not isinstance(message, dict)
            or not isinstance(message.get("role"), str)
            or not isinstance(message.get("content"), str)
        ):
            raise TrainingError(f"{where}: each chat message needs string 'role' and 'content'")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def parse_example(row: Any, where: str) -> Example:
    """Check one decoded JSON line; raises `TrainingError` naming `where` when malformed."""
    if not isinstance(row, dict):
        raise TrainingError(f"{where}: an example is a JSON object")
    form = row.get("form") or ("chat" if isinstance(row.get("prompt"), list) else "completion")
    episode = str(row.get("episode", ""))
    if form == "completion":
        prompt, completion = row.get("prompt"), row.get("completion")
        if not isinstance(prompt, str) or not isinstance(completion, str) or not completion:
            raise TrainingError(f"{where}: completion form needs string prompt and completion")
        return Example(prompt, completion, "completion", episode)
    if form == "chat":
        chat_completion = _messages(row.get("completion"), where, "completion")
        if [m["role"] for m in chat_completion] != ["assistant"]:
            raise TrainingError(f"{where}: chat completion must be one assistant message")
        return Example(
            _messages(row.get("prompt"), where, "prompt"), chat_completion, "chat", episode
        )
    raise TrainingError(f"{where}: unknown form {form!r} (expected 'completion' or 'chat')")


def load_examples(path: Path) -> list[Example]:
    """All examples of a JSON-lines file (blank lines skipped). Raises `TrainingError`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TrainingError(f"cannot read examples {str(path)!r}: {exc.strerror}") from exc
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        examples.append(parse_example(row, f"{path}:{number}"))
    if not examples:
        raise TrainingError(f"{path}: no training examples")
    return examples


def split_examples(
    examples: Sequence[Example], validation_fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """(train, validation), split by episode so no notebook is on both sides.

    At least one example stays in each side when there are two episodes or more; with one
    episode (or a fraction of 0) the validation side is empty.
    """
    episodes = sorted({e.episode for e in examples})
    random.Random(seed).shuffle(episodes)
    count = round(len(episodes) * validation_fraction) if validation_fraction > 0 else 0
    if validation_fraction > 0 and len(episodes) > 1:
        count = min(max(count, 1), len(episodes) - 1)
    held_out = set(episodes[:count])
    train = [e for e in examples if e.episode not in held_out]
    validation = [e for e in examples if e.episode in held_out]
    return train, validation


def render_as_text(example: Example, tokenizer: Any) -> Example:
    """A chat example as completion-form text through `tokenizer`'s chat template."""
    if example.form == "completion":
        return example
    assert isinstance(example.prompt, list)
    assert isinstance(example.completion, list)
    prompt = tokenizer.apply_chat_template(
        example.prompt, tokenize=False, add_generation_prompt=True
    )
    full = tokenizer.apply_chat_template(example.prompt + example.completion, tokenize=False)
    if not isinstance(prompt, str) or not isinstance(full, str) or not full.startswith(prompt):
        raise TrainingError("the chat template does not extend the prompt with the answer")
    return Example(prompt, full[len(prompt) :], "completion", example.episode)


def training_rows(examples: Sequence[Example], tokenizer: Any) -> list[dict[str, Any]]:
    """Rows for `datasets.Dataset.from_list`: one form throughout (mixed files become text)."""
    forms = {e.form for e in examples}
    if len(forms) > 1:
        examples = [render_as_text(e, tokenizer) for e in examples]
    return [e.record() for e in examples]
