"""A real IPython kernel with the magic loaded, configured through a jupyter_server config
file that points at the tiny offline model (as a user's config would), and a scripted
OpenAI-compatible server for tests that need the model to say something exact."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, serving_in_thread

API_KEY = "sk-magic-test-secret-1234"
URL_PASSWORD = "hunter2-url-password"
URL_QUERY_KEY = "query-token-5678"
# A chat answer in the usual shape: an explanation, then one fenced code block.
ANSWER_WORDS = (
    "Multiply the two numbers.\n",
    "```python\n",
    "result = 6 * 7\n",
    "```\n",
)


def kernel_environment(config_dir: Path) -> dict[str, str]:
    """The test's environment without PACHINCO_* settings: the config file must do it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHINCO_")}
    env.update(
        {"JUPYTER_CONFIG_DIR": str(config_dir), "OPENAI_API_KEY": API_KEY, "OMP_NUM_THREADS": "1"}
    )
    return env


@pytest.fixture
def config_dir(tmp_path: Path, tiny_model_dir: Path) -> Path:
    """A Jupyter config folder whose jupyter_server_config.py selects the tiny model."""
    folder = tmp_path / "jupyter_config"
    folder.mkdir()
    (folder / "jupyter_server_config.py").write_text(
        "c.BackendSettings.backend = 'transformers'\n"
        f"c.BackendSettings.model = {str(tiny_model_dir)!r}\n"
        "c.BackendSettings.base_url = "
        f"'http://pachinco:{URL_PASSWORD}@127.0.0.1:9/v1?key={URL_QUERY_KEY}'\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def kernel(config_dir: Path) -> Iterator[Any]:
    """A fresh kernel with the extension loaded without a history entry, so that the cells a
    test runs are the whole history."""
    manager, client = start_new_kernel(kernel_name="python3", env=kernel_environment(config_dir))
    try:
        reply = client.execute_interactive(
            "%load_ext jupyter_pachinco", store_history=False, timeout=60
        )
        assert reply["content"]["status"] == "ok"
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.fixture
def scripted_model() -> Iterator[FakeOpenAIServer]:
    """The backends' OpenAI-compatible test double answering with `ANSWER_WORDS`, on its own
    event loop in a thread, since the kernel tests themselves are synchronous."""
    with serving_in_thread([Behaviour(words=ANSWER_WORDS)]) as server:
        yield server


def scripted_options(server: FakeOpenAIServer) -> str:
    """Magic options that point one call at the scripted server."""
    return f"--backend openai --base-url {server.base_url} --model scripted"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tiny_model_dir: Path) -> dict[str, Any]:
    """The server extension on the tiny model, for the comparison with the magic."""
    return {
        **jp_server_config,
        "BackendSettings": {"backend": "transformers", "model": str(tiny_model_dir)},
    }
