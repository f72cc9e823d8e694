"""Paths in settings are resolved once, where they are given: the server, and a kernel it starts
in another folder, mean the same file (``make lab MODEL=.venv/...gguf`` gives a relative path)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Fetch
from tests.support.smollm2 import smollm2_gguf

RELATIVE = "models/demo.gguf"
SHOW_MODEL = """
import os
from jupyter_pachinco.magic.runner import load_server_config
from jupyter_pachinco.backends.settings import BackendSettings
settings = BackendSettings(config=load_server_config().config)
settings.resolve_paths()
print(repr((os.getcwd(), settings.backend, settings.model, os.path.isfile(settings.model))))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the server is started in, holding the model under a relative path."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / RELATIVE).symlink_to(smollm2_gguf())
    monkeypatch.chdir(project)
    monkeypatch.setenv("PACHINCO_MODEL", RELATIVE)
    for name in ("PACHINCO_BASE_URL", "PACHINCO_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    return project


@pytest.fixture
def jp_server_config(project: Path, tmp_path: Path) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
        "PachincoApp": {"model_choice_file": str(tmp_path / "choice.json")},
    }


async def run(client: Any, code: str) -> str:
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            printed.append("\n".join(message["content"]["traceback"]))

    reply = await client.execute_interactive(code, output_hook=keep, timeout=60)
    assert reply["content"]["status"] == "ok", printed
    return "".join(printed)


async def test_the_server_resolves_a_relative_model_path_where_it_was_started(
    jp_fetch: Fetch, project: Path
) -> None:
    response = await jp_fetch("pachinco", "status", method="GET")
    status = json.loads(response.body)
    assert status["backend"] == "llamacpp"
    assert status["model"] == str(project / RELATIVE)


async def test_a_kernel_in_another_folder_means_the_same_file(
    jp_serverapp: Any, jp_root_dir: Path, project: Path
) -> None:
    (jp_root_dir / "analysis" / "2024").mkdir(parents=True)
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name="python3", path="analysis/2024")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        shown = ast.literal_eval((await run(client, SHOW_MODEL)).strip())
        config = await run(client, "%load_ext jupyter_pachinco\n%pachinco config")
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)
    cwd, backend, model, exists = shown
    assert Path(cwd) == jp_root_dir / "analysis" / "2024"  # not where the server started
    assert (backend, model, exists) == ("llamacpp", str(project / RELATIVE), True)
    assert str(project / RELATIVE) in config
