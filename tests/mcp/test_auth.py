"""Every tool call is authenticated by the Jupyter server: a wrong or missing token gets a
refusal that says what to configure (or, for the HTTP transport, no session at all), never a
result; no answer carries the model's API key; a Jupyter server that cannot be reached is an
error, not a hang."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .conftest import SETUP, notebook_session
from .servings import free_port, http_server_process, mcp_client, token_of
from .test_tools import answer_of, error_of

API_KEY = "sk-mcp-never-shown-0123456789"


@pytest.mark.parametrize("serving", ["stdio", "hosted"])
async def test_a_wrong_token_is_refused_saying_what_to_use(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    async with mcp_client(serving, jp_serverapp, url, token="not-the-token") as client:
        refused = error_of(await client.call_tool("pachinco_variables", {"kernel_id": "k"}))
    assert "refused this call" in refused
    assert "Jupyter token" in refused
    assert "not-the-token" not in refused


async def test_the_hosted_tools_demand_the_token_header(jp_serverapp: Any, url: str) -> None:
    async with mcp_client("hosted", jp_serverapp, url, authorization=None) as client:
        refused = error_of(await client.call_tool("pachinco_variables", {"kernel_id": "k"}))
    assert "Authorization: token <your Jupyter token>" in refused


async def test_the_http_transport_refuses_a_wrong_bearer_token(jp_serverapp: Any, url: str) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"}}}  # fmt: skip
    accept = {"Accept": "application/json, text/event-stream"}
    async with http_server_process(url) as endpoint, httpx.AsyncClient(timeout=60) as http:
        wrong = await http.post(
            endpoint, json=initialize, headers={**accept, "Authorization": "Bearer wrong"}
        )
        missing = await http.post(endpoint, json=initialize, headers=accept)
        right = await http.post(
            endpoint,
            json=initialize,
            headers={**accept, "Authorization": f"Bearer {token_of(jp_serverapp)}"},
        )
    assert (wrong.status_code, missing.status_code, right.status_code) == (401, 401, 200)
    assert "wrong" not in wrong.text


@pytest.mark.parametrize("serving", ["stdio", "http", "hosted"])
async def test_no_answer_carries_the_api_key(
    serving: str, jp_serverapp: Any, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACHINCO_TEST_KEY", API_KEY)
    async with (
        notebook_session(jp_serverapp, "key.ipynb", [SETUP]),
        mcp_client(serving, jp_serverapp, url) as client,
    ):
        answers = [
            answer_of(
                await client.call_tool(
                    "pachinco_notebook_context", {"intent": "total", "notebook_path": "key.ipynb"}
                )
            ),
            answer_of(
                await client.call_tool(
                    "pachinco_ask", {"intent": "total fare", "notebook_path": "key.ipynb"}
                )
            ),
            answer_of(
                await client.call_tool(
                    "pachinco_trial_run",
                    {
                        "notebook_path": "key.ipynb",
                        "candidates": ["__import__('os').environ.get('PACHINCO_TEST_KEY')"],
                    },
                )
            ),
        ]
    assert API_KEY not in json.dumps(answers)


async def test_an_unreachable_jupyter_server_is_an_error_not_a_hang(
    jp_serverapp: Any, url: str
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/"
    async with mcp_client("stdio", jp_serverapp, nobody) as client:
        refused = error_of(await client.call_tool("pachinco_variables", {"kernel_id": "k"}))
    assert f"The Jupyter server at {nobody} could not be reached" in refused
