"""Ranking and repair in the generate stream, with a real kernel started by the real server.

The scripted model server answers each request with the next behaviour of its script; with
``honour_n=False`` it gives one choice per request, as llama.cpp does, so the backend asks for
the other candidates one by one and each gets its own scripted answer.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.support.user_kernel import evaluate, user_kernel

from .conftest import Fetch, generate, generate_body, post_json, until

SETUP = ["import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3], 'fare': [71, 7]})"]
TOTAL = ("Add up the fares.\n", "```python\n", "fares['fare'].sum()\n", "```\n")
TOTAL_AGAIN = ("Sum the fare column.\n", "```python\n", "int(fares.fare.sum())\n", "```\n")
LARGEST = ("Take the largest fare.\n", "```python\n", "fares['fare'].max()\n", "```\n")
DELETE = ("Clean up first.\n", "```python\n", "import os\nos.remove('keep.csv')\n", "```\n")


def one_choice(words: tuple[str, ...]) -> Behaviour:
    return Behaviour(words=words, honour_n=False)


def lines_of(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == kind]


def ranking_of(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The one ranking line, checked to come after every answer and right before ``done``."""
    kinds = [line["type"] for line in lines]
    assert kinds[-3:] == ["ranking_started", "ranking", "done"], kinds
    assert kinds.count("ranking") == 1
    last_answer = max(i for i, kind in enumerate(kinds) if kind == "answer")
    assert last_answer < kinds.index("ranking_started")
    ranking = lines[-2]
    assert ranking["order"] == [c["index"] for c in ranking["candidates"]]
    return ranking


def codes_by_index(lines: list[dict[str, Any]]) -> dict[int, str]:
    return {line["index"]: line["candidate"]["code"].strip() for line in lines_of(lines, "answer")}


@pytest.mark.parametrize(
    "script", [[one_choice(TOTAL), one_choice(TOTAL_AGAIN), one_choice(LARGEST)]]
)
async def test_the_answer_two_of_three_candidates_agree_on_comes_first(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, client):
        body = generate_body(kernel_id=kernel_id, options={"n": 3, "max_new_tokens": 64})
        lines = await generate(jp_fetch, body)
        namespace_after = await evaluate(client, "fares.to_dict('list')")

    codes = codes_by_index(lines)
    assert sorted(codes.values()) == sorted(
        ["fares['fare'].sum()", "int(fares.fare.sum())", "fares['fare'].max()"]
    )
    ranking = ranking_of(lines)
    assert lines_of(lines, "ranking_started") == [{"type": "ranking_started", "candidates": 3}]
    agreeing = {i for i, code in codes.items() if "sum" in code}
    chosen, second, third = ranking["candidates"]
    assert ranking["order"][0] in agreeing
    assert (chosen["status"], chosen["votes"]) == ("ok", 2)
    assert "78" in chosen["preview"]
    assert second["index"] in agreeing
    assert second["votes"] == 2
    assert second["group"] == chosen["group"]
    assert (third["status"], third["votes"]) == ("ok", 1)
    assert "71" in third["preview"]
    assert ranking["notice"] is None
    assert "2 of 3 give the same output" in ranking["summary"]
    assert namespace_after == {"pclass": [1, 3], "fare": [71, 7]}  # trial runs left no trace


@pytest.mark.parametrize("script", [[Behaviour(words=TOTAL)]])
async def test_a_fix_is_asked_for_with_the_error_and_trial_run(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    failing = "fares['fair'].sum()"
    error = "KeyError                Traceback\n----> 1 fares['fair'].sum()\nKeyError: 'fair'"
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, _client):
        body = generate_body(
            intent="", kernel_id=kernel_id, fix={"code": failing, "error": error}, options={}
        )
        lines = await generate(jp_fetch, body)

    sent = str(fake_openai.requests[-1].body["messages"])
    assert "KeyError: 'fair'" in sent
    assert failing in sent
    ranking = ranking_of(lines)
    (fixed,) = ranking["candidates"]
    assert (fixed["index"], fixed["status"], fixed["error"]) == (0, "ok", None)
    assert "78" in fixed["preview"]
    assert ranking["summary"] == "1 answer: it ran."


@pytest.mark.parametrize("script", [[one_choice(DELETE), one_choice(TOTAL)]])
async def test_a_candidate_that_deletes_a_file_is_not_run(
    jp_fetch: Fetch, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    kept = jp_root_dir / "keep.csv"
    kept.write_text("a,b\n1,2\n", encoding="utf-8")
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, _client):
        body = generate_body(kernel_id=kernel_id, options={"n": 2, "max_new_tokens": 64})
        lines = await generate(jp_fetch, body)

    codes = codes_by_index(lines)
    deleting = next(i for i, code in codes.items() if "os.remove" in code)
    ranking = ranking_of(lines)
    assert ranking["order"][-1] == deleting
    unrun = ranking["candidates"][-1]
    assert unrun["status"] == "not_run"
    assert unrun["votes"] == 0
    assert any("os.remove" in effect for effect in unrun["side_effects"])
    assert ranking["candidates"][0]["status"] == "ok"
    assert "not run (side effects)" in ranking["summary"]
    assert kept.read_text(encoding="utf-8") == "a,b\n1,2\n"


@pytest.mark.parametrize("script", [[one_choice(TOTAL), one_choice(LARGEST)]])
async def test_a_busy_kernel_gives_a_notice_and_the_sample_order(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    manager = jp_serverapp.kernel_manager
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, client):
        kernel = manager.get_kernel(kernel_id)
        client.execute("import time\ntime.sleep(60)")
        await until(lambda: kernel.execution_state == "busy")
        body = generate_body(kernel_id=kernel_id, options={"n": 2, "max_new_tokens": 64})
        lines = await generate(jp_fetch, body)
        still_busy = kernel.execution_state
        await manager.interrupt_kernel(kernel_id)

    assert still_busy == "busy"
    ranking = ranking_of(lines)
    assert "busy" in ranking["notice"]
    assert ranking["order"] == [0, 1]
    assert {c["status"] for c in ranking["candidates"]} == {"not_run"}
    assert ranking["summary"] == ranking["notice"]


async def test_ranking_can_be_turned_off_and_on(jp_fetch: Fetch) -> None:
    many = await generate(jp_fetch, generate_body(options={"n": 2, "rank": False}))
    assert not lines_of(many, "ranking")
    one = await generate(jp_fetch, generate_body(options={"n": 1, "rank": True}))
    ranking = ranking_of(one)
    assert ranking["notice"] == "No running kernel, so candidates were not trial-run."
    assert [c["status"] for c in ranking["candidates"]] == ["not_run"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"options": {"rank": "yes"}}, "`options.rank` must be true, false or null."),
        ({"fix": "broken"}, "`fix` must be an object"),
        ({"fix": {"code": "x"}}, "`fix.error` is required"),
        ({"fix": {"code": "  ", "error": "E"}}, "`fix.code` is empty"),
        ({"fix": {"code": "x", "error": "E", "cells": []}}, "Unknown field(s) `fix.cells`"),
        ({"intent": ""}, "`intent` must have 1 to"),
    ],
)
async def test_bad_rank_and_fix_fields_are_refused(
    jp_fetch: Fetch, fields: dict[str, Any], message: str
) -> None:
    response = await post_json(jp_fetch, "pachinco", "generate", body=generate_body(**fields))
    assert response.code == 400
    assert message in response.body.decode()


STALLING = Behaviour(kind="stall_mid", words=("Wait.\n", "```python\n", "fares\n", "```\n"))


@pytest.mark.parametrize("script", [[STALLING]])
async def test_a_stopped_generation_is_not_trial_run(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    sessions = jp_serverapp.web_app.settings["pachinco"].generation.sessions
    body = generate_body(options={"rank": True, "max_new_tokens": 64})
    streaming = asyncio.ensure_future(generate(jp_fetch, body))
    await until(lambda: len(fake_openai.requests) >= 1 and len(sessions) >= 1)
    cancel = {"request_id": body["request_id"]}
    await post_json(jp_fetch, "pachinco", "generate", "cancel", body=cancel)
    lines = await streaming
    assert [line["type"] for line in lines[-2:]] == ["ranking", "done"]
    assert not lines_of(lines, "ranking_started")
    assert lines[-2]["notice"] == "The generation was stopped, so candidates were not trial-run."
    assert lines[-1]["finish_reasons"] == ["cancelled"]


async def test_the_prompt_of_a_fix_holds_the_code_the_error_and_the_note(
    jp_fetch: Fetch,
) -> None:
    fix = {"code": "fares['fair'].sum()", "error": "\x1b[31mKeyError\x1b[0m: 'fair'"}
    body = generate_body(intent="keep it short", fix=fix)
    response = await post_json(jp_fetch, "pachinco", "prompt", body=body)
    assert response.code == 200, response.body
    prompt = str(json.loads(response.body)["prompt"])
    assert "fares['fair'].sum()" in prompt
    assert "KeyError: 'fair'" in prompt
    assert "keep it short" in prompt


async def test_openapi_describes_rank_fix_and_the_ranking_line(jp_fetch: Fetch) -> None:
    spec = json.loads((await jp_fetch("pachinco", "openapi.json")).body)
    schemas = spec["components"]["schemas"]
    assert "rank" in schemas["GenerateOptions"]["properties"]
    assert schemas["GenerateRequest"]["properties"]["fix"]["allOf"] == [
        {"$ref": "#/components/schemas/Fix"}
    ]
    kinds = [
        line.get("properties", {}).get("type", {}).get("enum", [None])[0]
        for line in schemas["StreamLine"]["oneOf"]
    ]
    assert {"ranking_started", "ranking"} <= set(kinds)
    assert set(schemas["RankedCandidate"]["required"]) == {
        "index",
        "status",
        "votes",
        "group",
        "type",
        "shape",
        "preview",
        "stdout",
        "error",
        "side_effects",
    }
