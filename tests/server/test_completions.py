"""``POST /pachinco/complete``: a real Jupyter server, a real kernel, and the fake
OpenAI-compatible model server (`tests/support/fake_openai.py`) answering by the end of the
prompt, which records each prompt and `suffix` and how each request ended."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Rule, answered_by, serving_on

from .conftest import Fetch, post_json, read_lines, until
from .test_kernels import start_kernel

FRAME_CODE = (
    "import pandas as pd\n"
    "fares = pd.DataFrame({'pclass': [1, 3], 'fare': [71.3, 7.9], 'embarked': ['S', 'C']})"
)


def after(prompt_end: str, *words: str, delay_s: float = 0.0) -> Rule:
    """Answer prompts that end with ``prompt_end`` with ``words``, ``delay_s`` apart."""
    return Rule(prompt_end, (Behaviour(words=words, delay_s=delay_s),), ends_with=True)


RULES = (
    after('fares.groupby("', "pcl", 'ass")', '["fare"]'),
    after("broken = ", "1 +", " * 2"),
    # cut after its fourth word by a limit of 4 tokens: `fares.groupby("pclass")["fa`
    after("cut = ", "fares", '.groupby("pclass")', '["', "fa", 're"]'),
    after("slow = ", *(f"w{i} " for i in range(200)), delay_s=0.2),
)


@pytest.fixture
def completions_model(jp_asyncio_loop: asyncio.AbstractEventLoop) -> Iterator[FakeOpenAIServer]:
    model = FakeOpenAIServer([Behaviour(words=())], rules=RULES)  # no rule: no words
    with serving_on(jp_asyncio_loop, model) as server:
        yield server


@pytest.fixture
def jp_server_config(completions_model: FakeOpenAIServer) -> dict[str, Any]:
    return answered_by(completions_model, model="scripted")


def complete_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "prefix": 'by_class = fares.groupby("',
        "suffix": '")\nby_class.mean()',
        "cells": [{"cell_type": "code", "source": FRAME_CODE}],
        "kernel_id": None,
    }
    body.update(fields)
    return body


async def complete(jp_fetch: Fetch, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await post_json(jp_fetch, "pachinco", "complete", body=body)
    assert response.code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    return read_lines(response)


async def test_a_suggestion_streams_and_never_repeats_the_text_after_the_cursor(
    jp_fetch: Fetch, completions_model: FakeOpenAIServer
) -> None:
    lines = await complete(jp_fetch, complete_body())
    assert [line["type"] for line in lines[:-1]] == ["suggestion"] * (len(lines) - 1)
    assert lines[0]["text"] == "pcl"
    done = lines[-1]
    # the model wrote `pclass")["fare"]`; `")` follows the cursor, so one line, less the overlap
    assert done["type"] == "done"
    assert done["text"] == "pclass"
    assert done["mode"] == "suffix"  # an OpenAI-compatible server whose name tells no FIM family
    seen = completions_model.requests[0]
    assert seen.suffix == '")\nby_class.mean()'
    assert seen.asked.endswith('by_class = fares.groupby("')


async def test_the_kernels_dataframe_schema_reaches_the_prompt_from_the_last_snapshot(
    jp_fetch: Fetch, jp_serverapp: Any, completions_model: FakeOpenAIServer
) -> None:
    kernel_id = await start_kernel(jp_serverapp, FRAME_CODE)
    first = await complete(jp_fetch, complete_body(kernel_id=kernel_id, cells=[]))
    # No snapshot yet: the completion does not wait for one, it starts one in the background.
    assert first[-1]["schemas_pending"] is True
    assert "Columns in fares" not in completions_model.requests[0].asked
    inspector = jp_serverapp.web_app.settings["pachinco"].inspector
    await until(lambda: inspector.last_snapshot(kernel_id) is not None)

    second = await complete(jp_fetch, complete_body(kernel_id=kernel_id, cells=[]))
    assert second[-1]["frames"] == ["fares"]
    assert second[-1]["schemas_pending"] is False
    prompt = completions_model.requests[1].asked
    assert "# Columns in fares with example values:\n# pclass (1), fare (71.3), embarked (S)" in (
        prompt
    )


async def test_a_busy_kernel_does_not_hold_a_completion_back(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    kernel_id = await start_kernel(jp_serverapp, FRAME_CODE)
    kernel = jp_serverapp.kernel_manager.get_kernel(kernel_id)
    client = kernel.client()
    client.start_channels()
    try:
        client.execute("import time\ntime.sleep(600)")
        await until(lambda: kernel.execution_state == "busy")
        lines = await complete(jp_fetch, complete_body(kernel_id=kernel_id))
        assert lines[-1]["type"] == "done"
        assert lines[-1]["text"] == "pclass"
        # The answer came while the kernel was still running the user's cell.
        assert kernel.execution_state == "busy"
        state = json.loads((await jp_fetch("api", "kernels", kernel_id)).body)
        assert state["execution_state"] == "busy"
    finally:
        await kernel.interrupt_kernel()
        client.stop_channels()


async def test_cancel_ends_the_request_on_the_model_server(
    jp_fetch: Fetch, completions_model: FakeOpenAIServer
) -> None:
    body = complete_body(prefix="slow = ", suffix="")
    running = asyncio.ensure_future(complete(jp_fetch, body))
    await until(
        lambda: bool(completions_model.requests) and completions_model.requests[0].events_sent > 1
    )
    response = await post_json(
        jp_fetch, "pachinco", "complete", "cancel", body={"request_id": body["request_id"]}
    )
    assert json.loads(response.body) == {"cancelled": True}
    ended = await asyncio.wait_for(completions_model.wait_ended(0), 30)
    assert ended.state == "closed_by_client"
    assert ended.events_sent < 200
    await running


async def test_a_suggestion_that_would_break_the_cell_is_dropped(
    jp_fetch: Fetch, completions_model: FakeOpenAIServer
) -> None:
    # `broken = 1 + * 2` is a syntax error that no further typing mends
    lines = await complete(jp_fetch, complete_body(prefix="broken = ", suffix=""))
    assert [line["text"] for line in lines] == ["1 +", "1 + * 2", ""]


async def test_a_suggestion_cut_by_the_token_limit_is_trimmed_to_a_sound_start(
    jp_fetch: Fetch, completions_model: FakeOpenAIServer
) -> None:
    body = complete_body(prefix="cut = ", suffix="", options={"max_new_tokens": 4})
    lines = await complete(jp_fetch, body)
    done = lines[-1]
    assert done["finish_reason"] == "length"
    # the cut-off string `["fa` is no column; what precedes it is a whole expression
    assert done["text"] == 'fares.groupby("pclass")'


@pytest.mark.parametrize("path", [("complete",), ("complete", "cancel")])
async def test_completion_endpoints_are_forbidden_without_a_token(
    jp_fetch: Fetch, path: tuple[str, ...]
) -> None:
    response = await jp_fetch(
        "pachinco",
        *path,
        method="POST",
        body=json.dumps(complete_body()),
        headers={"Authorization": ""},
        raise_error=False,
    )
    assert response.code == 403


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ('{"prefix": "x",', 400, "not valid JSON"),
        ("[1, 2]", 400, "must be a JSON object"),
        ({"prefix": "x"}, 400, "`request_id` is required"),
        ({"request_id": "a"}, 400, "`prefix` is required"),
        ({"request_id": "a", "prefix": 3}, 400, "`prefix` is required and must be a string"),
        ({"request_id": "a", "prefix": "x", "suffix": None}, 400, "`suffix`"),
        ({"request_id": "a", "prefix": "x", "cursor": 3}, 400, "Unknown field(s) `cursor`"),
        ({"request_id": "a", "prefix": "x", "cells": "x"}, 400, "`cells` must be a list"),
        ({"request_id": "a", "prefix": "x", "kernel_id": 7}, 400, "`kernel_id` must be"),
        ({"request_id": "a", "prefix": "x", "options": []}, 400, "`options` must be an object"),
        (
            {"request_id": "a", "prefix": "x", "options": {"max_chars": 0}},
            400,
            "`options.max_chars` must be an integer from 1 to 2000",
        ),
        ({"request_id": "a", "prefix": "x" * (5 * 1024 * 1024)}, 413, "at most 4 MiB"),
    ],
)
async def test_bad_bodies_are_refused_with_a_message(
    jp_fetch: Fetch, body: object, status: int, words: str
) -> None:
    response = await post_json(jp_fetch, "pachinco", "complete", body=body)
    assert response.code == status, response.body
    assert words in json.loads(response.body)["message"]


async def test_a_request_id_already_running_is_a_409(
    jp_fetch: Fetch, completions_model: FakeOpenAIServer
) -> None:
    body = complete_body(prefix="slow = ", suffix="")
    running = asyncio.ensure_future(complete(jp_fetch, body))
    await until(lambda: bool(completions_model.requests))
    response = await post_json(jp_fetch, "pachinco", "complete", body=body)
    assert response.code == 409
    await post_json(
        jp_fetch, "pachinco", "complete", "cancel", body={"request_id": body["request_id"]}
    )
    await running
