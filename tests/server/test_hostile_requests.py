"""Hostile request bodies never reach a 500: deep nesting, overlong integers, lone surrogates,
oversized history turns, and no error body names a path on the server's disk.

Each kind is tried on every endpoint that reads a body, in several forms (more will be tried),
and the answer must be a 4xx JSON error with a message, or a normal answer.
"""

from __future__ import annotations

import json
import site
import sys
from pathlib import Path
from typing import Any

import pytest

import jupyter_pachinco
from jupyter_pachinco.server.json_input import clean_text

from .conftest import CELLS, Fetch, generate_body, post_json

BODY_ENDPOINTS = [
    ("pachinco", "generate"),
    ("pachinco", "prompt"),
    ("pachinco", "complete"),
    ("pachinco", "history"),
    ("pachinco", "generate", "cancel"),
    ("pachinco", "complete", "cancel"),
]

DEEP = 200_000
HOSTILE_BODIES = {
    "nested lists": "[" * DEEP + "]" * DEEP,
    "nested objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "nested in a field": json.dumps(generate_body())[:-1]
    + ', "x": '
    + "[" * DEEP
    + "]" * DEEP
    + "}",
    "a 5000-digit integer": '{"request_id": "r", "intent": "x", "options": {"n": '
    + "9" * 5000
    + "}}",
    "a 5000-digit float": '{"request_id": "r", "intent": "x", "options": {"temperature": 1'
    + "0" * 5000
    + ".5}}",
    "NaN": '{"request_id": "r", "intent": "x", "options": {"temperature": NaN}}',
    "an integer id": '{"request_id": 1' + "0" * 4400 + "}",
    "not UTF-8": b'{"request_id": "\xff\xfe"}',
    "a lone surrogate id": '{"request_id": "\\ud800"}',
}


def _complete_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"request_id": "c1", "prefix": "df.", "suffix": "", "cells": CELLS}
    body.update(fields)
    return body


def _paths_of_this_machine() -> list[str]:
    places = [str(Path(jupyter_pachinco.__file__).resolve().parent.parent), sys.prefix]
    places += site.getsitepackages()
    return [place for place in places if len(place) > 4]


def assert_clean_refusal_or_answer(response: Any) -> None:
    assert response.code < 500, response.body[:500]
    text = response.body.decode("utf-8", "replace")
    for place in _paths_of_this_machine():
        assert place not in text, (place, text[:500])
    if response.code >= 400:
        assert response.headers["Content-Type"].startswith("application/json")
        assert json.loads(response.body)["message"]


@pytest.mark.parametrize("path", BODY_ENDPOINTS, ids="/".join)
@pytest.mark.parametrize("kind", list(HOSTILE_BODIES))
async def test_hostile_json_is_refused_with_a_4xx(
    jp_fetch: Fetch, path: tuple[str, ...], kind: str
) -> None:
    response = await post_json(jp_fetch, *path, body=HOSTILE_BODIES[kind])
    assert_clean_refusal_or_answer(response)
    if kind != "a lone surrogate id":  # that one is a valid id once cleaned (cancel: 200)
        assert response.code in (400, 413)


SURROGATES = ["\ud800", "x\udfffy", "\udc80" * 50, "df['\ud83d']"]


@pytest.mark.parametrize("text", SURROGATES)
async def test_lone_surrogates_in_a_completion_prefix_never_fail(
    jp_fetch: Fetch, text: str
) -> None:
    for body in (
        _complete_body(prefix=text),
        _complete_body(suffix=text),
        _complete_body(cells=[{"cell_type": "code", "source": text, "outputs": []}]),
    ):
        response = await post_json(jp_fetch, "pachinco", "complete", body=body)
        assert_clean_refusal_or_answer(response)


@pytest.mark.parametrize("text", SURROGATES)
async def test_lone_surrogates_in_a_prompt_never_fail(jp_fetch: Fetch, text: str) -> None:
    for body in (
        generate_body(intent=text),
        generate_body(
            cells=[{"cell_type": "code", "source": text, "outputs": []}], active_cell_index=0
        ),
    ):
        response = await post_json(jp_fetch, "pachinco", "prompt", body=body)
        assert_clean_refusal_or_answer(response)
        assert response.code == 200


@pytest.mark.parametrize("text", SURROGATES)
async def test_lone_surrogates_in_a_posted_turn_never_fail(
    jp_fetch: Fetch, notebook_file: str, jp_root_dir: Path, text: str
) -> None:
    for turn in (
        {"intent": text, "code": "x", "explanation": ""},
        {"intent": "i", "code": text, "explanation": text},
    ):
        body = {"path": notebook_file, "turn": turn}
        response = await post_json(jp_fetch, "pachinco", "history", body=body)
        assert_clean_refusal_or_answer(response)
        assert response.code == 200
    # Both turns were kept, each lone surrogate as U+FFFD, and the notebook still reads.
    saved = json.loads((jp_root_dir / notebook_file).read_text(encoding="utf-8"))
    turns = saved["metadata"]["pachinco"]["turns"]
    assert [turn["intent"] for turn in turns] == [clean_text(text), "i"]
    assert "\ufffd" in turns[0]["intent"]


async def test_history_turns_are_bounded(jp_fetch: Fetch, notebook_file: str) -> None:
    huge = {"intent": "i", "code": "x = 1\n" * 200_000, "explanation": "e" * 200_000}
    response = await post_json(
        jp_fetch, "pachinco", "history", body={"path": notebook_file, "turn": huge}
    )
    assert_clean_refusal_or_answer(response)
    assert response.code == 413


async def test_an_unreadable_notebook_is_named_by_its_relative_path(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "broken.ipynb").write_text("{not json", encoding="utf-8")
    read = await jp_fetch(
        "pachinco", "history", params={"path": "broken.ipynb"}, method="GET", raise_error=False
    )
    assert_clean_refusal_or_answer(read)
    assert read.code == 400
    message = json.loads(read.body)["message"]
    assert "broken.ipynb" in message
    assert str(jp_root_dir) not in message


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../../outside.ipynb", "missing/none.ipynb", "a\x00b.ipynb", "\ud800.ipynb"],
)
async def test_history_errors_name_no_server_path(jp_fetch: Fetch, path: str) -> None:
    if path.isascii() or path.encode("utf-8", "surrogatepass") == path.encode("utf-8", "replace"):
        read = await jp_fetch(
            "pachinco", "history", params={"path": path}, method="GET", raise_error=False
        )
        assert_clean_refusal_or_answer(read)
    body = {"path": path, "turn": {"intent": "i", "code": "x", "explanation": ""}}
    written = await post_json(jp_fetch, "pachinco", "history", body=body)
    assert_clean_refusal_or_answer(written)
