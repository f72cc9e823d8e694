"""Golden prompts: for the fixed coffee-shop notebook, namespace, earlier turn and intent
(``conftest.py``), each style's completion prompt and chat messages match checked-in texts
byte for byte.

The golden files were written once and read by eye against ARCADE's prompt format
(``shared/arcade/FORMAT.md``). After an intended change of the prompts, regenerate them with

    PACHINCO_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/prompting/test_golden.py

then read the diff (``git diff tests/prompting/golden``) before committing. Off by default.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_pachinco.context import PackedContext
from jupyter_pachinco.prompting import (
    PromptMessage,
    build_chat_messages,
    build_completion_prompt,
    style_names,
)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PACHINCO_UPDATE_GOLDEN") == "1"


def render_messages(messages: list[PromptMessage]) -> str:
    """Chat messages as a text that reads well in a diff."""
    return "".join(f"===== {m['role']} =====\n{m['content']}\n" for m in messages)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="")
    # Bytes, not text: reading text would turn a stray CR into a newline and hide it.
    assert path.read_bytes().decode("utf-8") == actual


@pytest.mark.parametrize("style", ["vanilla", "stepwise", "stepwise-preamble", "explained"])
def test_completion_prompt_matches_golden_text(coffee_packed: PackedContext, style: str) -> None:
    check_golden(f"completion_{style}.txt", build_completion_prompt(coffee_packed, style))


@pytest.mark.parametrize("style", ["vanilla", "stepwise", "stepwise-preamble", "explained"])
def test_chat_messages_match_golden_text(coffee_packed: PackedContext, style: str) -> None:
    check_golden(f"chat_{style}.txt", render_messages(build_chat_messages(coffee_packed, style)))


def test_every_style_has_golden_files() -> None:
    for style in style_names():
        assert (GOLDEN / f"completion_{style}.txt").is_file()
        assert (GOLDEN / f"chat_{style}.txt").is_file()


def test_default_style_is_the_explained_one(coffee_packed: PackedContext) -> None:
    assert build_completion_prompt(coffee_packed) == build_completion_prompt(
        coffee_packed, "explained"
    )
    assert build_chat_messages(coffee_packed) == build_chat_messages(coffee_packed, "explained")
