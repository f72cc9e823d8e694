"""Fixtures of the field tests (issue #27): models with real control tokens and templates,
the scripted OpenAI-compatible server behind a real Jupyter server, and one-turn datasets.

Each module holds one kind of fault, tried through the public entry points: the server API
(generate, completions, history), the ``%%pachinco`` magic in a real kernel, and the
``jupyter-pachinco eval`` command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import (  # noqa: F401 - fixtures the modules use
    fake_openai,
    jp_server_config,
    script,
)
from tests.support.chat_models import build_chat_model, export_chat_gguf


@pytest.fixture(scope="session")
def qwen_style_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with a Qwen2.5-Coder-style vocabulary (ChatML, FIM markers) and ChatML."""
    return build_chat_model(tiny_model_dir, tmp_path_factory.mktemp("qwen_style"))


@pytest.fixture(scope="session")
def qwen_style_gguf(qwen_style_dir: Path) -> Path:
    """The same model as a GGUF file that llama.cpp loads."""
    return export_chat_gguf(qwen_style_dir, qwen_style_dir.parent / "qwen_style.gguf")


def write_dataset(folder: Path, cells: list[dict[str, Any]], intent: str, reference: str) -> Path:
    """A one-episode, one-turn ARCADE dataset (FORMAT.md) with an empty work folder."""
    code = "\n\n".join(cell["source"] for cell in cells if cell["cell_type"] == "code")
    turn = {
        "input": "",
        "turn": {
            "intent": {"value": intent, "is_cell_intent": True, "output_variables": None},
            "code": {"value": reference},
            "code_context": code,
            "delta_code_context": code,
            "metadata": {},
        },
        "notebook": None,
        "metadata": {"context_cells": cells},
    }
    episode = {"notebook_name": "field.ipynb", "work_dir": "field", "turns": [turn]}
    (folder / "artifacts" / "field").mkdir(parents=True, exist_ok=True)
    path = folder / "dataset.json"
    path.write_text(json.dumps([episode]), encoding="utf-8")
    return path


@pytest.fixture
def magic_kernel(tmp_path: Path) -> Iterator[Any]:
    """A real IPython kernel with the magic loaded and no configuration of its own: each call
    names its backend and model."""
    from jupyter_client.manager import start_new_kernel

    from tests.magic.conftest import kernel_environment

    config = tmp_path / "jupyter_config"
    config.mkdir()
    manager, client = start_new_kernel(kernel_name="python3", env=kernel_environment(config))
    try:
        reply = client.execute_interactive(
            "%load_ext jupyter_pachinco", store_history=False, timeout=60
        )
        assert reply["content"]["status"] == "ok"
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def scripted_argv(server_url: str, dataset: Path, output: Path, *extra: str) -> list[str]:
    """``eval generate`` of ``dataset`` by the scripted server, chat form, one answer."""
    return [
        "eval", "generate", "--dataset", str(dataset), "--output", str(output),
        "--backend", "openai", "--base-url", server_url, "--model", "scripted",
        "--form", "chat", "-n", "1", "--max-new-tokens", "256", "--quiet", *extra,
    ]  # fmt: skip
