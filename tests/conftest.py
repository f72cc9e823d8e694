"""Shared fixtures: a real Jupyter server with the extension enabled (pytest-jupyter), and the
tiny offline model that stands in for a real code model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.tiny_model import build_tiny_model

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}}}


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Llama with its tokenizer, trained offline for a few seconds on pandas code."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The real SmolLM2-135M-Instruct GGUF (installed by `make setup`; see tests/support)."""
    from tests.support.smollm2 import smollm2_gguf

    return smollm2_gguf()
