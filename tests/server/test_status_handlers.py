"""`GET /pachinco/status` on a real Jupyter server."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

import jupyter_pachinco
from jupyter_pachinco.backends.choice import read_choice
from jupyter_pachinco.execution.sandbox import isolation_here
from tests.server.conftest import post_json

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

    URL = "https://alice:url-s3cret@models.example:8443/v1?api_key=query-k3y"
    HIDDEN = ("alice", "url-s3cret", "query-k3y")

    @pytest.fixture
    def choice_file(self, tmp_path: Path) -> Path:
        return tmp_path / "model-choice.json"

    @pytest.fixture
    def jp_server_config(self, choice_file: Path) -> dict[str, Any]:
        return {
            "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
            "BackendSettings": {"model": "served-model", "base_url": self.URL},
            "PachincoApp": {"model_choice_file": str(choice_file)},
        }

    async def test_status_shows_the_url_without_credentials(self, jp_fetch: Fetch) -> None:
        response = await jp_fetch("pachinco", "status")
        body = json.loads(response.body)
        assert body["base_url"] == "https://models.example:8443/v1"
        assert body["choice"]["base_url"] == "https://models.example:8443/v1"
        for hidden in self.HIDDEN:
            assert hidden not in response.body.decode()

    async def test_the_picker_lists_the_server_without_credentials(self, jp_fetch: Fetch) -> None:
        response = await jp_fetch("pachinco", "models")
        assert json.loads(response.body)["configured"]["base_url"] == (
            "https://models.example:8443/v1"
        )
        for hidden in self.HIDDEN:
            assert hidden not in response.body.decode()

    async def test_choosing_the_server_as_shown_keeps_its_credentials(
        self, jp_fetch: Fetch, choice_file: Path
    ) -> None:
        shown = json.loads((await jp_fetch("pachinco", "status")).body)["choice"]
        response = await post_json(jp_fetch, "pachinco", "model", body={"choice": shown})
        assert response.code == 200, response.body
        for hidden in self.HIDDEN:
            assert hidden not in response.body.decode()
        saved = read_choice(choice_file)
        assert saved is not None
        assert saved.base_url == self.URL  # the server still reaches it as configured
