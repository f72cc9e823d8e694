"""A model that fails after the stream began ends the stream with an `error` line."""

from __future__ import annotations

import pytest

from tests.backends.sse_server import Behaviour

from .conftest import Fetch, generate, generate_body


@pytest.fixture
def script() -> list[Behaviour]:
    return [Behaviour(kind="status", status=500, body='{"error": "overloaded"}')]


async def test_a_failing_model_server_ends_the_stream_with_an_error_line(
    jp_fetch: Fetch,
) -> None:
    lines = await generate(jp_fetch, generate_body())
    assert lines[0]["type"] == "context"
    error = lines[-1]
    assert error["type"] == "error"
    assert error["kind"] == "ServerFailed"
    assert error["message"]
    assert not any(line["type"] == "done" for line in lines)
    again = await generate(jp_fetch, generate_body())
    assert again[-1]["type"] == "error"
