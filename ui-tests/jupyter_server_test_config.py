"""Jupyter server settings for the galata browser tests (never use these in production).

The assistant answers with the tiny offline model through the in-process transformers backend.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import configure_common, tiny_model_dir

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(c, int(os.environ.get("PACHINCO_UI_PORT", "8898")), ".galata-root")
c.BackendSettings.backend = "transformers"
c.BackendSettings.model = str(tiny_model_dir())
c.BackendSettings.device = "cpu"
