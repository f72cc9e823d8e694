"""Text that reaches a prompt is made safe in one place (issue 14, kind 3): valid Unicode (a
lone surrogate no longer stops the request), and in ``#`` comment lines no character ends the
comment. Both prompt forms, and both backends: the OpenAI-compatible one against the scripted
server, the transformers one with the tiny model (plumbing only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from traitlets.config import Config

from jupyter_pachinco import Assistant
from jupyter_pachinco.assistant import Done, PromptForm
from jupyter_pachinco.context import describe_variables, make_turn
from jupyter_pachinco.context.safe_text import LINE_BREAKS, comment_lines, safe_text
from tests.support.fake_openai import Behaviour, serving_in_thread

# Each input pairs a piece of hostile text with where it enters the prompt.
HOSTILE = {
    "lone-high-surrogate-in-a-value": "great day \ud83d",
    "lone-low-surrogate-in-a-label": "price \udc00 usd",
    "pair-spelled-as-two-surrogates": "smile \ud83d\ude00 ok",
    "line-separator": "first\u2028df.drop(columns='x', inplace=True)",
    "next-line-and-form-feed": "a\x85import os\x0cos.remove('f')",
    "carriage-return-and-group-separators": "x\rdel df\x1cy\x1dz\x1ew",
    "paragraph-separator-and-vertical-tab": "p\u2029q\x0br",
}

LINE_BREAK_CHARS = sorted(set(LINE_BREAKS))


def test_every_character_splitlines_splits_on_is_handled() -> None:
    for char in map(chr, range(0x3000)):
        if len(f"a{char}b".splitlines()) > 1:
            assert char in LINE_BREAKS, repr(char)


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_safe_text_is_valid_unicode_and_one_line_in_a_comment(text: str) -> None:
    for where in ("text", "comment"):
        made = safe_text(text, where)  # type: ignore[arg-type]
        made.encode("utf-8")
    assert len(("# " + safe_text(text, "comment")).splitlines()) == 1
    assert all(line.startswith("# ") for line in comment_lines(text).splitlines())


def test_surrogates_become_the_character_or_a_replacement() -> None:
    assert safe_text("smile \ud83d\ude00") == "smile \U0001f600"
    assert safe_text("great day \ud83d") == "great day \ufffd"
    assert safe_text("plain text") == "plain text"


def hostile_context(text: str) -> dict[str, Any]:
    # object dtype: scraped text as pandas 2 holds it (pyarrow-backed strings refuse surrogates)
    frame = pd.DataFrame({0: pd.Series([text, "ok"], dtype=object), 1: [1, 2]})
    frame.columns = pd.Index([f"label {text}", "n"], dtype=object)
    return {
        "cells": [
            {"cell_type": "markdown", "source": f"Notes: {text}", "metadata": {}},
            {
                "cell_type": "code",
                "source": f"s = {text!r}\nprint(s)",
                "metadata": {},
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
            },
        ],
        "namespace_schemas": describe_variables(
            {"reviews": frame, "note": text, "items": [text], "obj": Reprs(text)}
        ),
        "history": [make_turn(f"earlier {text}", "len(reviews)", f"Count {text}.")],
    }


class Reprs:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Reprs({self.text})"


def comment_lines_of(prompt_text: str) -> list[str]:
    return [line for line in prompt_text.splitlines() if line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def scripted() -> Any:
    words = ("Count the rows.\n", "```python\n", "len(reviews)\n", "```\n")
    with serving_in_thread([Behaviour(words=words)]) as server:
        yield server


def scripted_assistant(base_url: str, form: PromptForm) -> Assistant:
    config = Config()
    config.BackendSettings.backend = "openai"
    config.BackendSettings.base_url = base_url
    config.BackendSettings.model = "scripted"
    return Assistant.from_config(config, form=form, budget=4000)


@pytest.mark.parametrize("form", ["chat", "completion"])
@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_a_request_is_sent_through_the_openai_backend(
    scripted: Any, form: PromptForm, text: str
) -> None:
    assistant = scripted_assistant(scripted.base_url, form)
    seen = len(scripted.requests)
    try:
        events = [
            event
            async for event in assistant.generate(
                f"count {text} rows", include_outputs=True, **hostile_context(text)
            )
        ]
    finally:
        await assistant.backend.aclose()
    last = events[-1]
    assert isinstance(last, Done)
    assert len(scripted.requests) == seen + 1
    body = scripted.requests[-1].body
    sent = (
        body["prompt"]
        if form == "completion"
        else "\n".join(m["content"] for m in body["messages"])
    )
    sent.encode("utf-8")
    assert "reviews" in sent
    # Notebook text (all of a completion prompt, the fenced blocks of a chat prompt) is code
    # and comments: a hostile value stays inside its comment line, never starts code.
    for line in notebook_lines(sent, fenced_only=form == "chat"):
        if any(marker in line for marker in MARKERS):
            assert line.startswith(("#", "s = ")), line


MARKERS = ("df.drop", "os.remove", "del df", "q\x0br", "z\x1ew")


def notebook_lines(text: str, *, fenced_only: bool) -> list[str]:
    lines, inside = [], not fenced_only
    for line in text.splitlines():
        if fenced_only and line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


@pytest.mark.parametrize("form", ["chat", "completion"])
async def test_the_transformers_backend_takes_the_same_text(
    tiny_model_dir: Path, form: PromptForm
) -> None:
    config = Config()
    config.BackendSettings.backend = "transformers"
    config.BackendSettings.model = str(tiny_model_dir)
    assistant = Assistant.from_config(config, form=form, budget=512)
    text = HOSTILE["lone-high-surrogate-in-a-value"]
    try:
        events = [
            event
            async for event in assistant.generate(
                f"count {text}", max_new_tokens=4, **hostile_context(text)
            )
        ]
    finally:
        await assistant.backend.aclose()
    assert isinstance(events[-1], Done)
    prompt = assistant.build_prompt(f"count {text}", form=form, **hostile_context(text))
    texts = [prompt] if isinstance(prompt, str) else [m.content for m in prompt]
    for sent in texts:
        sent.encode("utf-8")
