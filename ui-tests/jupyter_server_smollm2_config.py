"""Galata server answered by the real SmolLM2-135M-Instruct GGUF through the in-process
llama.cpp backend, chosen by the .gguf path alone. Never use these settings in production."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import REPO_ROOT, configure_common

sys.path.insert(0, str(REPO_ROOT))

from tests.support.smollm2 import smollm2_gguf

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(c, int(os.environ.get("PACHINCO_UI_SMOLLM2_PORT", "8897")), ".galata-root-smollm2")
c.BackendSettings.model = str(smollm2_gguf())
c.BackendSettings.n_ctx = 2048
