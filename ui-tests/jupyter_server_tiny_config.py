"""Galata server whose assistant is the tiny offline model in the in-process transformers
backend: it proves that backend streams into the sidebar (never what the model writes).
Never use these settings in production."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import configure_common, tiny_model_dir

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(c, int(os.environ.get("PACHINCO_UI_TINY_PORT", "8897")), ".galata-root-tiny")
c.BackendSettings.backend = "transformers"
c.BackendSettings.model = str(tiny_model_dir())
c.BackendSettings.device = "cpu"
