"""Jupyter server settings for the galata browser tests (never use these in production).

The assistant answers through the OpenAI-compatible backend from the scripted model server
(``scripted_answers.py``): every answer a test asserts on is written down there.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import configure_common, start_scripted_model

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(c, int(os.environ.get("PACHINCO_UI_PORT", "8898")), ".galata-root")
c.BackendSettings.backend = "openai"
c.BackendSettings.base_url = start_scripted_model(
    int(os.environ.get("PACHINCO_UI_MODEL_PORT", "8896")),
    int(os.environ.get("PACHINCO_UI_MODEL_CONTROL_PORT", "8895")),
)
c.BackendSettings.model = "scripted"
c.BackendSettings.max_retries = 0

# A second scripted server for the model picker, and where the picker's choice is saved.
from scripted_answers import SECOND_RULES  # noqa: E402

second = start_scripted_model(
    int(os.environ.get("PACHINCO_UI_MODEL_B_PORT", "8936")),
    None,
    rules=SECOND_RULES,
    models=("second-coder",),
)
c.PachincoApp.servers = [{"base_url": second, "name": "second scripted server"}]
c.PachincoApp.model_choice_file = str(
    Path(__file__).resolve().parent / "node_modules" / ".cache" / "pachinco-model-choice.json"
)
