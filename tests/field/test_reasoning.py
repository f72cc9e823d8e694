"""Kind 3 (#27): a reasoning model's thinking is never read as the answer.

Thinking comes as a ``<think>`` pair, a closing tag only (the template opened it in the
generation prompt), an opening tag never closed, or a server's own reasoning field
(``reasoning_content``, ``reasoning``). It holds draft code that must never become the
candidate. It is streamed apart (``reasoning`` lines) and kept on the candidate for display.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.cli import main
from tests.server.conftest import Fetch, generate, generate_body, post_json, read_lines
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, serving_in_thread

from .conftest import scripted_argv, write_dataset

DRAFT = "draft = fares.head()"
REAL = "fares['fare'].mean()"
REASONING = (
    "The user wants the mean fare. Let me try:\n",
    f"```python\n{DRAFT}\n```\n",
    "No, that shows rows. Use the mean.",
)
ANSWER = ("Average the fares.\n", "```python\n", f"{REAL}\n", "```\n")
THINK_PAIR = ("<thi", "nk>\n", *REASONING, "\n</th", "ink>\n\n", *ANSWER)
CLOSING_ONLY = (*REASONING, "\n</think>\n\n", *ANSWER)
NEVER_CLOSED = ("<think>\n", *REASONING, "\nStill thinking")

SCRIPTS = {
    "pair": Behaviour(words=THINK_PAIR),
    "closing tag only": Behaviour(words=CLOSING_ONLY),
    "reasoning_content field": Behaviour(words=ANSWER, reasoning=REASONING),
    "reasoning field": Behaviour(words=ANSWER, reasoning=REASONING, reasoning_field="reasoning"),
    "field and a pair": Behaviour(words=THINK_PAIR, reasoning=("Planning first.",)),
}
# The backend knows these are thinking as they stream (a tag at the start, or a field).
STREAMED_APART = {"pair", "reasoning_content field", "reasoning field", "field and a pair"}


def of_type(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == kind]


@pytest.mark.parametrize("form", list(SCRIPTS))
async def test_the_draft_in_the_thinking_never_becomes_the_answer(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer, form: str
) -> None:
    fake_openai.script[:] = [SCRIPTS[form]]
    lines = await generate(jp_fetch, generate_body())
    [answer] = of_type(lines, "answer")
    candidate = answer["candidate"]
    assert candidate["code"] == REAL
    assert DRAFT not in json.dumps(answer["cells"])
    assert DRAFT in candidate["reasoning"]  # kept, to be shown apart
    assert "<think>" not in candidate["prose"]
    assert "</think>" not in candidate["prose"]
    if form in STREAMED_APART:
        reasoning = "".join(line["text"] for line in of_type(lines, "reasoning"))
        assert DRAFT in reasoning
        assert all(DRAFT not in json.dumps(line) for line in of_type(lines, "steps"))
        assert all(DRAFT not in line["text"] for line in of_type(lines, "delta"))


async def test_thinking_never_closed_leaves_no_code(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script[:] = [Behaviour(words=NEVER_CLOSED)]
    lines = await generate(jp_fetch, generate_body())
    [answer] = of_type(lines, "answer")
    assert answer["candidate"]["code"] == ""
    assert answer["cells"] == []
    assert all(not line["steps"] for line in of_type(lines, "steps"))
    assert DRAFT in "".join(line["text"] for line in of_type(lines, "reasoning"))


async def test_a_think_tag_inside_code_is_the_answers_own_text(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    code = "clean = text.replace('<think>', '').replace('</think>', '')\nclean"
    fake_openai.script[:] = [Behaviour(words=("Strip the tags.\n```python\n", code, "\n```\n"))]
    lines = await generate(jp_fetch, generate_body())
    [answer] = of_type(lines, "answer")
    assert answer["candidate"]["code"] == code
    assert of_type(lines, "reasoning") == []


async def test_ghost_text_leaves_the_thinking_out(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script[:] = [Behaviour(words=("<think>", "sum it", "</think>", "sales.sum()"))]
    body = {"request_id": "g", "prefix": "total = ", "suffix": "", "cells": []}
    response = await post_json(jp_fetch, "pachinco", "complete", body=body)
    lines = read_lines(response)
    assert lines[-1]["text"] == "sales.sum()", lines
    assert all("sum it" not in line.get("text", "") for line in lines)


def test_the_magic_shows_the_thinking_apart_and_inserts_the_answer(magic_kernel: Any) -> None:
    from tests.magic.conftest import scripted_options
    from tests.magic.kernel_session import run_cell

    with serving_in_thread([SCRIPTS["reasoning_content field"]]) as server:
        asked = run_cell(magic_kernel, f"%%pachinco {scripted_options(server)}\nmean fare")
    assert asked.ok, asked.stream("stderr")
    assert asked.next_input is not None
    assert REAL in asked.next_input
    assert DRAFT not in asked.next_input
    shown = "\n".join(str(text) for text in asked.shown("update_display_data"))
    assert "(thinking)" in shown
    assert DRAFT in shown


def test_eval_generate_predicts_the_answer_not_the_draft(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": "fares = load()", "outputs": []}]
    dataset = write_dataset(tmp_path, cells, "mean fare", REAL)
    output = tmp_path / "predictions.json"
    with serving_in_thread(list(SCRIPTS.values())) as server:
        for _ in SCRIPTS:
            output.unlink(missing_ok=True)
            assert main(scripted_argv(server.base_url, dataset, output)) == 0
            predictions = json.loads(output.read_text())[0]["turns"][0]["predictions"]
            assert predictions == [REAL]
