"""Jupyter server settings for the galata browser tests (never use these in production)."""

import os
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_jupyter_server(c)

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ.get("PACHINCO_UI_PORT", "8898"))
c.ServerApp.allow_root = True
c.ServerApp.jpserver_extensions = {"jupyter_pachinco": True}
# The quickstart notebook is copied into each test's folder by the tests themselves.
c.ServerApp.root_dir = os.environ.get(
    "JUPYTERLAB_GALATA_ROOT_DIR", str(Path(__file__).resolve().parent / ".galata-root")
)
Path(c.ServerApp.root_dir).mkdir(exist_ok=True)
# Quiet, offline browser sessions: no news, no update checks.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
