"""Shared setup of the galata test servers: the scripted model server, the tiny offline model.

Nothing is downloaded: the scripted OpenAI-compatible server is ``tests/support/fake_openai.py``
answering ``scripted_answers.RULES``, run on its own event loop in a daemon thread; the tiny
model is built (seconds, cached by recipe) from ``tests/support/tiny_model.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

UI_TESTS = Path(__file__).resolve().parent
REPO_ROOT = UI_TESTS.parent
for folder in (REPO_ROOT, UI_TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def configure_common(c: Any, port: int, root_name: str) -> None:
    """Settings both test servers share (never use them in production)."""
    from jupyterlab.galata import configure_jupyter_server

    configure_jupyter_server(c)
    c.ServerApp.ip = "127.0.0.1"
    c.ServerApp.port = port
    c.ServerApp.allow_root = True
    # Jupyter AI's MCP server and the collaboration server switch themselves on where the test
    # extras are installed; the browser tests' servers, started side by side, need neither
    # (the MCP server would take the same fixed port in each).
    c.ServerApp.jpserver_extensions = {
        "jupyter_pachinco": True,
        "jupyter_server_mcp": False,
        "jupyter_server_ydoc": False,
    }
    # Each test copies the notebooks it needs into its own folder.
    c.ServerApp.root_dir = os.environ.get("JUPYTERLAB_GALATA_ROOT_DIR", str(UI_TESTS / root_name))
    Path(c.ServerApp.root_dir).mkdir(exist_ok=True)
    # Quiet, offline browser sessions: no news, no update checks.
    c.LabApp.news_url = None
    c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"


def tiny_model_dir() -> Path:
    """The tiny offline model, built on first use into the tests' cache folder."""
    from tests.support.tiny_model import build_tiny_model

    # Under node_modules/.cache: ignored by git and by the formatters, kept between runs.
    default = UI_TESTS / "node_modules" / ".cache" / "pachinco-tiny-model"
    folder = os.environ.get("PACHINCO_UI_MODEL_DIR", str(default))
    return build_tiny_model(folder)


def start_scripted_model(
    port: int,
    control_port: int | None,
    *,
    rules: Any = None,
    models: tuple[str, ...] = ("scripted",),
) -> str:
    """Run the scripted OpenAI-compatible server (``scripted_answers.RULES``, or ``rules``)
    in a thread on `port`, with its control listener (``/_script/status``, ``down``, ``up``)
    on `control_port`; ``models`` is what it lists at ``/v1/models``; its base URL."""
    from scripted_answers import DEFAULT, RULES

    from tests.support.fake_openai import serve_for_the_process

    chosen_rules = RULES if rules is None else rules
    return serve_for_the_process(DEFAULT, chosen_rules, port, control_port, models).base_url
