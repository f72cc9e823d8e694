"""Fixtures of the server API tests: a real Jupyter server with the extension, answered either
by the scriptable OpenAI-compatible server (exact text) or by the tiny offline model."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, answered_by, serving_on

Fetch = Callable[..., Awaitable[Any]]

# A chat answer in the shape the explained style asks for: numbered explanation, one fence.
ANSWER_WORDS = (
    "1. Group the fares by passenger class.\n",
    "2. Take the mean of each group.\n\n",
    "```python\n",
    "by_class = fares.groupby('pclass')\n",
    "by_class['fare'].mean()\n",
    "```\n",
)

CELLS = [
    {"cell_type": "markdown", "source": "# Fares"},
    {
        "cell_type": "code",
        "source": "import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3], 'fare': [71, 7]})",
        "outputs": [],
    },
    {"cell_type": "code", "source": "fares.describe()  # below the active cell", "outputs": []},
]


@pytest.fixture
def script() -> list[Behaviour]:
    """How the fake model server answers, request by request (the last one repeats)."""
    return [Behaviour(words=ANSWER_WORDS)]


@pytest.fixture
def fake_openai(
    jp_asyncio_loop: asyncio.AbstractEventLoop, script: list[Behaviour]
) -> Iterator[FakeOpenAIServer]:
    with serving_on(jp_asyncio_loop, FakeOpenAIServer(script)) as server:
        yield server


@pytest.fixture
def jp_server_config(fake_openai: FakeOpenAIServer) -> dict[str, Any]:
    return answered_by(fake_openai)


def generate_body(**fields: Any) -> dict[str, Any]:
    """A valid generate body with a fresh request id; ``fields`` replace or add fields."""
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "intent": "mean fare per class",
        "notebook_path": None,
        "cells": CELLS,
        "active_cell_index": 1,
        "kernel_id": None,
        "options": {"n": 1, "max_new_tokens": 64},
    }
    body.update(fields)
    return body


async def post_json(jp_fetch: Fetch, *path: str, body: object) -> Any:
    """POST ``body`` as JSON; the response, whatever its status (no exception on 4xx)."""
    text = body if isinstance(body, str | bytes) else json.dumps(body)
    return await jp_fetch(*path, method="POST", body=text, raise_error=False)


def read_lines(response: Any) -> list[dict[str, Any]]:
    """The JSON objects of an NDJSON response, one per line."""
    text = response.body.decode("utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


async def generate(jp_fetch: Fetch, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await post_json(jp_fetch, "pachinco", "generate", body=body)
    assert response.code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    return read_lines(response)


@pytest.fixture
def notebook_file(jp_root_dir: Path) -> str:
    """A saved notebook in the server's root; its path relative to the root."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(notebook, jp_root_dir / "analysis.ipynb")
    return "analysis.ipynb"


async def until(condition: Callable[[], bool | Awaitable[bool]]) -> None:
    """Wait until ``condition`` holds: the server changes state on its own schedule."""
    while True:
        holds = condition()
        if inspect.isawaitable(holds):
            holds = await holds
        if holds:
            return
        await asyncio.sleep(0.02)
