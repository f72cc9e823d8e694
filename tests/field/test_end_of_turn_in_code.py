"""Kind 2 (#27): end-of-turn text inside an answer's code is data.

Only a real end of generation ends an answer: the backend's finish, or a marker outside code.
``"</s>"`` in a string (an HTML strike-through in scraped text), ``<|im_end|>`` in a comment,
``<|endoftext|>`` in a triple-quoted string, ``<|eot_id|>`` in inline code are kept, by the
whole-text parser and the streaming one alike (the answer and every ``steps`` line of the
server's stream), by the magic, by ``eval generate``, and in ghost text. A marker in prose
after the code still ends a runaway answer. The scripted server says exactly these answers.
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

CODE_WITH_MARKERS = [
    # the example: an HTML strike-through in scraped text
    'import re\ntext = re.sub("</s>", "", html)\ntext',
    "clean = notes.str.replace('<|im_end|>', '', regex=False)  # chat logs\nclean.head()",
    "# the tokenizer appends <|endoftext|> to each document\ndocs = corpus.split('\\n')\nlen(docs)",
    'template = """<start_of_turn>user\n{q}<end_of_turn>\n"""\ntemplate.format(q="hi")',
    "marks = ['<|eot_id|>', '</s>', '<|end|>']\nsum(t.count(m) for m in marks)",
]


def pieces(text: str, size: int) -> tuple[str, ...]:
    return tuple(text[i : i + size] for i in range(0, len(text), size))


def fenced_answer(code: str) -> tuple[str, ...]:
    """A chat answer streamed in pieces that split the markers across deltas."""
    text = f"Strip the `<|eot_id|>` and `</s>` markers first:\n\n```python\n{code}\n```\nDone."
    return pieces(text, 7)


def steps_code(lines: list[dict[str, Any]]) -> list[str]:
    return [
        "\n".join(s["code"] for s in line["steps"]) for line in lines if line["type"] == "steps"
    ]


@pytest.mark.parametrize("code", CODE_WITH_MARKERS)
async def test_the_server_keeps_marker_text_inside_code(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer, code: str
) -> None:
    fake_openai.script[:] = [Behaviour(words=fenced_answer(code))]
    lines = await generate(jp_fetch, generate_body())
    [answer] = [line for line in lines if line["type"] == "answer"]
    assert answer["candidate"]["code"] == code
    assert "Done." in answer["candidate"]["prose"]
    # The streaming parser never cut the code either: the last steps seen are the answer's.
    final_steps = "\n".join(step["code"] for step in answer["candidate"]["steps"])
    assert steps_code(lines)[-1] == final_steps
    assert code.split("\n")[-1] in final_steps
    assert lines[-1]["type"] == "done"


async def test_an_unfenced_answer_keeps_marker_text_in_its_strings(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    code = "html.str.replace('</s>', '').str.replace('<|im_end|>', '')"
    fake_openai.script[:] = [
        Behaviour(words=tuple(code[i : i + 3] for i in range(0, len(code), 3)))
    ]
    lines = await generate(jp_fetch, generate_body())
    [answer] = [line for line in lines if line["type"] == "answer"]
    assert answer["candidate"]["code"] == code


async def test_an_end_of_turn_marker_in_prose_still_ends_a_runaway_answer(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    runaway = (
        "```python\nfares['fare'].mean()\n```\n<|im_end|>\n<|im_start|>user\nAnd the max?",
        "<|im_end|>\n<|im_start|>assistant\n```python\nfares['fare'].max()\n```\n",
    )
    fake_openai.script[:] = [Behaviour(words=runaway)]
    lines = await generate(jp_fetch, generate_body())
    [answer] = [line for line in lines if line["type"] == "answer"]
    assert answer["candidate"]["code"] == "fares['fare'].mean()"


GHOST = [
    ("text = html.replace('", "</s>', '')", "</s>', '')"),
    ("x = ", "'<|endoftext|> marks the end'", "'<|endoftext|> marks the end'"),
    ("tags = [", '"<|im_end|>", "</s>"]', '"<|im_end|>", "</s>"]'),
    ("total = ", "sales.sum()<|endoftext|>garbage()", "sales.sum()"),
    ("y = 1  # ", "strip </s> here", "strip </s> here"),
]


@pytest.mark.parametrize(("prefix", "said", "shown"), GHOST)
async def test_ghost_text_keeps_marker_text_inside_strings_and_comments(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer, prefix: str, said: str, shown: str
) -> None:
    fake_openai.script[:] = [
        Behaviour(words=tuple(said[i : i + 4] for i in range(0, len(said), 4)))
    ]
    body = {"request_id": "g", "prefix": prefix, "suffix": "", "cells": []}
    response = await post_json(jp_fetch, "pachinco", "complete", body=body)
    assert response.code == 200, response.body
    done = read_lines(response)[-1]
    assert done["type"] == "done"
    assert done["text"] == shown


def test_the_magic_keeps_marker_text_inside_code(magic_kernel: Any) -> None:
    from tests.magic.conftest import scripted_options
    from tests.magic.kernel_session import run_cell

    code = CODE_WITH_MARKERS[0]
    with serving_in_thread([Behaviour(words=fenced_answer(code))]) as server:
        asked = run_cell(magic_kernel, f"%%pachinco {scripted_options(server)}\nclean the html")
    assert asked.ok, asked.stream("stderr")
    assert asked.next_input is not None
    assert code in asked.next_input


def test_eval_generate_keeps_marker_text_inside_code(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": "html = '<b>a</b><s>b</s>'", "outputs": []}]
    dataset = write_dataset(tmp_path, cells, "remove the strike-through tags", "html")
    output = tmp_path / "predictions.json"
    answers = [Behaviour(words=fenced_answer(code)) for code in CODE_WITH_MARKERS]
    with serving_in_thread(answers) as server:
        for code in CODE_WITH_MARKERS:
            output.unlink(missing_ok=True)
            assert main(scripted_argv(server.base_url, dataset, output)) == 0
            predictions = json.loads(output.read_text())[0]["turns"][0]["predictions"]
            assert predictions == [code]
