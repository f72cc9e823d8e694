"""`GET /pachinco/status` on a real Jupyter server."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

import jupyter_pachinco
from jupyter_pachinco.execution.sandbox import isolation_here

Fetch = Callable[..., Awaitable[Any]]


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """The extension as a user's server loads it, with no model configured."""
    return {"ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}}}


async def test_status_with_token_returns_version_and_backend(jp_fetch: Fetch) -> None:
    response = await jp_fetch("pachinco", "status")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert body["version"] == jupyter_pachinco.__version__
    assert body["backend"] in {"llamacpp", "transformers", "openai"}
    assert body["choice"]["backend"] == body["backend"]  # the picker names the same model
    assert "api_key" not in json.dumps(body["choice"]).replace("api_key_env", "")
    assert isinstance(body["model"], str)
    assert body["model"]


async def test_status_says_how_trial_runs_are_isolated_here(jp_fetch: Fetch) -> None:
    body = json.loads((await jp_fetch("pachinco", "status")).body)
    isolation = body["trial_isolation"]
    assert isolation == isolation_here()
    layers = isolation["layers"]
    if layers["landlock"]:
        assert f"Landlock ABI {isolation['landlock_abi']}" in isolation["summary"]
    else:
        assert "Missing here: landlock" in isolation["summary"]
    assert ("seccomp (" in isolation["summary"]) == layers["seccomp"]


async def test_status_without_token_is_forbidden(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("pachinco", "status", headers={"Authorization": ""})
    assert info.value.code == 403


class TestConfiguredModel:
    """Settings given to the server as traitlets reach the status, secrets never do."""

    @pytest.fixture
    def jp_server_config(self) -> dict[str, Any]:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
            "BackendSettings": {
                "model": "served-model",
                "base_url": "http://127.0.0.1:9/v1",
                "api_key_env": "PACHINCO_TEST_KEY",
            },
        }

    async def test_status_reports_the_configured_server_and_no_key(
        self, jp_fetch: Fetch, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PACHINCO_TEST_KEY", "sk-secret-value")
        response = await jp_fetch("pachinco", "status")
        body = json.loads(response.body)
        assert body["backend"] == "openai"
        assert body["model"] == "served-model"
        assert body["base_url"] == "http://127.0.0.1:9/v1"
        assert "sk-secret-value" not in response.body.decode()


class TestServerURLWithCredentials:
    """A server URL with a user, a password or a query reaches the browser without them."""

    @pytest.fixture
    def jp_server_config(self) -> dict[str, Any]:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
            "BackendSettings": {
                "model": "served-model",
                "base_url": "https://alice:url-s3cret@models.example:8443/v1?api_key=query-k3y",
            },
        }

    async def test_status_shows_the_url_without_credentials(self, jp_fetch: Fetch) -> None:
        response = await jp_fetch("pachinco", "status")
        body = json.loads(response.body)
        assert body["base_url"] == "https://models.example:8443/v1"
        for hidden in ("alice", "url-s3cret", "query-k3y"):
            assert hidden not in response.body.decode()
