"""With the tiny offline model in the server: loading progress, and 20 generations at once
while `GET /api/status` (Jupyter's own) and `GET /pachinco/status` keep answering."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.backends.transformers_loading import forget_shared_models

from .conftest import Fetch, generate, generate_body

CONCURRENT = 20


@pytest.fixture
def jp_server_config(tiny_model_dir: Path) -> dict[str, Any]:
    forget_shared_models()  # so that this server loads the model itself and reports it
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
        "BackendSettings": {"backend": "transformers", "model": str(tiny_model_dir)},
    }


async def status(jp_fetch: Fetch) -> dict[str, Any]:
    response = await jp_fetch("pachinco", "status")
    assert response.code == 200
    body: dict[str, Any] = json.loads(response.body)
    return body


async def test_loading_progress_is_streamed_and_kept_for_status(jp_fetch: Fetch) -> None:
    before = await status(jp_fetch)
    assert before["model_state"] == "not-loaded"
    assert before["loading"] is None
    lines = await generate(jp_fetch, generate_body(options={"max_new_tokens": 8}))
    loading = [line for line in lines if line["type"] == "loading"]
    assert [line["stage"] for line in loading][-1] == "ready"
    assert {line["stage"] for line in loading} <= {"download", "load", "ready"}
    assert all(line["fraction"] is None or 0 <= line["fraction"] <= 1 for line in loading)
    assert lines[-1]["type"] == "done"
    after = await status(jp_fetch)
    assert after["model_state"] == "ready"
    assert after["loading"]["stage"] == "ready"
    assert after["backend"] == "transformers"


async def test_twenty_generations_complete_while_status_keeps_answering(
    jp_fetch: Fetch,
) -> None:
    bodies = [
        generate_body(options={"max_new_tokens": 12, "temperature": 0.8, "n": 1})
        for _ in range(CONCURRENT)
    ]
    generations = [asyncio.ensure_future(generate(jp_fetch, body)) for body in bodies]
    answered_meanwhile = 0
    while not all(task.done() for task in generations):
        assert (await status(jp_fetch))["version"]
        server_status = await jp_fetch("api", "status")
        assert json.loads(server_status.body)["kernels"] >= 0
        if not all(task.done() for task in generations):
            answered_meanwhile += 1
    results = await asyncio.gather(*generations)
    assert answered_meanwhile >= 1
    for lines in results:
        assert lines[0]["type"] == "context"
        assert lines[-1]["type"] == "done"
        assert [line["index"] for line in lines if line["type"] == "answer"] == [0]
