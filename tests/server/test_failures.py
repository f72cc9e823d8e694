"""A model that fails after the stream began ends the stream with an `error` line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.fake_openai import Behaviour

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


class TestAModelThatCannotLoad:
    """A model missing offline: the stream says so, and the status says why, with no stale
    loading message."""

    @pytest.fixture
    def jp_server_config(self) -> dict[str, Any]:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
            "BackendSettings": {
                "backend": "transformers",
                "model": "no-such-org/no-such-model",
                "local_files_only": True,
            },
        }

    async def test_the_status_gives_the_error_and_no_loading_progress(
        self, jp_fetch: Fetch
    ) -> None:
        before = json.loads((await jp_fetch("pachinco", "status")).body)
        assert (before["model_state"], before["error"]) == ("not-loaded", None)
        lines = await generate(jp_fetch, generate_body())
        error = lines[-1]
        assert (error["type"], error["kind"]) == ("error", "ModelNotFound")
        status = json.loads((await jp_fetch("pachinco", "status")).body)
        assert status["model_state"] == "error"
        assert status["loading"] is None
        assert "no-such-org/no-such-model" in status["error"]
