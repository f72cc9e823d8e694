"""The model picker through the server: what it lists, switching without a restart (two
scripted servers), the choice saved, refused choices that say why, and the magic following."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.backends.choice import ACTIVE_MODEL_ENV, active_model_overrides, read_choice
from tests.server.conftest import Fetch, generate, generate_body, post_json
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, answered_by, serving_on
from tests.support.model_folders import lmstudio_file, ollama_folder

OTHER_WORDS = ("```python\n", "fares['fare'].max()  # from the other server\n", "```\n")


@pytest.fixture
def other_server(jp_asyncio_loop: Any) -> Any:
    other = FakeOpenAIServer([Behaviour(words=OTHER_WORDS)], models=("other-coder",))
    with serving_on(jp_asyncio_loop, other) as server:
        yield server


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with an Ollama and an LM Studio model, and an empty HF cache."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("OLLAMA_MODELS", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # no Ollama runs
    ollama_folder(home / ".ollama" / "models", "qwen2.5-coder", "1.5b")
    lmstudio_file(home / ".lmstudio" / "models", "pub", "Coder-GGUF", "coder.Q4_K_M.gguf")
    return home


@pytest.fixture
def choice_file(tmp_path: Path) -> Path:
    return tmp_path / "choice" / "model-choice.json"


@pytest.fixture
def jp_server_config(
    fake_openai: FakeOpenAIServer, home: Path, choice_file: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setenv("PACHINCO_TEST_KEY", "sk-never-shown")
    return answered_by(fake_openai, PachincoApp={"model_choice_file": str(choice_file)})


async def get_json(jp_fetch: Fetch, *path: str) -> Any:
    response = await jp_fetch(*path, method="GET")
    return json.loads(response.body)


async def test_the_picker_lists_what_this_machine_has(
    jp_fetch: Fetch, other_server: FakeOpenAIServer, home: Path
) -> None:
    listed = await get_json(jp_fetch, "pachinco", "models")
    sources = {model["source"] for model in listed["models"]}
    assert {"packaged", "ollama-folder", "lmstudio", "server"} <= sources
    served = [m["choice"]["model"] for m in listed["models"] if m["source"] == "server"]
    assert served == ["scripted"]  # the configured server's /models
    assert listed["active"]["model"] == "served-model"
    assert listed["configured"]["label"] == "Server configuration"

    body = {"servers": [{"base_url": other_server.base_url, "name": "team"}]}
    response = await post_json(jp_fetch, "pachinco", "models", body=body)
    more = json.loads(response.body)
    labels = [m["label"] for m in more["models"]]
    assert "other-coder (team)" in labels
    assert "sk-never-shown" not in response.body.decode()


async def test_choosing_a_model_switches_without_a_restart(
    jp_fetch: Fetch,
    fake_openai: FakeOpenAIServer,
    other_server: FakeOpenAIServer,
    choice_file: Path,
) -> None:
    first = await generate(jp_fetch, generate_body())
    assert any("groupby" in line.get("text", "") for line in first)
    asked_first = len(fake_openai.requests)

    choice = {"backend": "openai", "model": "other-coder", "base_url": other_server.base_url}
    response = await post_json(jp_fetch, "pachinco", "model", body={"choice": choice})
    assert response.code == 200, response.body
    status = json.loads(response.body)
    assert (status["backend"], status["model"], status["base_url"]) == (
        "openai",
        "other-coder",
        other_server.base_url,
    )
    assert status["chosen"] is True

    lines = await generate(jp_fetch, generate_body())
    text = "".join(line.get("text", "") for line in lines if line["type"] == "delta")
    assert "from the other server" in text
    assert len(fake_openai.requests) == asked_first  # the first server was not asked again
    assert other_server.requests[-1].body["model"] == "other-coder"

    saved = read_choice(choice_file)
    assert saved is not None
    assert saved.model == "other-coder"
    # Kernels started by this server read the active model: the magic follows.
    assert active_model_overrides()["base_url"] == other_server.base_url

    response = await post_json(jp_fetch, "pachinco", "model", body={"choice": None})
    status = json.loads(response.body)
    assert (status["model"], status["chosen"]) == ("served-model", False)
    assert read_choice(choice_file) is None
    assert active_model_overrides()["model"] == "served-model"


@pytest.mark.parametrize(
    ("choice", "said"),
    [
        (
            {"backend": "llamacpp", "model": "/nowhere/model.gguf"},
            "looked at '/nowhere/model.gguf'",
        ),
        ({"backend": "nonesuch", "model": "x"}, "No model backend named 'nonesuch'"),
        ({"backend": "openai", "model": "x"}, "needs `base_url`"),
        (
            {"backend": "openai", "model": "x", "base_url": "http://h/v1", "api_key_env": "HOME"},
            "NAME of an environment variable",
        ),
        ({"backend": "openai", "model": "x", "base_url": "http://h/v1", "key": "sk"}, "Unknown"),
    ],
)
async def test_a_choice_that_cannot_work_is_refused_and_says_why(
    jp_fetch: Fetch, choice: dict[str, str], said: str
) -> None:
    response = await post_json(jp_fetch, "pachinco", "model", body={"choice": choice})
    assert response.code == 400
    assert said in json.loads(response.body)["message"]
    status = await get_json(jp_fetch, "pachinco", "status")
    assert status["model"] == "served-model"  # nothing changed


@pytest.mark.parametrize(
    ("backend", "name", "said"),
    [
        ("llamacpp", "notes.gguf", "is not a GGUF file"),
        ("transformers", "notes.txt", "no model folder"),
    ],
)
async def test_a_local_file_that_is_not_a_model_is_refused(
    jp_fetch: Fetch, tmp_path: Path, backend: str, name: str, said: str
) -> None:
    path = tmp_path / name
    path.write_text("not a model\n")
    choice = {"backend": backend, "model": str(path)}
    response = await post_json(jp_fetch, "pachinco", "model", body={"choice": choice})
    assert response.code == 400, response.body
    assert said in json.loads(response.body)["message"]


async def test_a_found_local_model_can_be_chosen(jp_fetch: Fetch, home: Path) -> None:
    listed = await get_json(jp_fetch, "pachinco", "models")
    demo = next(m for m in listed["models"] if m["source"] == "packaged")
    response = await post_json(jp_fetch, "pachinco", "model", body={"choice": demo["choice"]})
    assert response.code == 200, response.body
    status = json.loads(response.body)
    assert (status["backend"], status["base_url"]) == ("llamacpp", None)
    assert status["choice"]["label"] == "SmolLM2-135M-Instruct (tiny demo model)"
    assert os.environ[ACTIVE_MODEL_ENV]
