"""Galata server whose model is scripted to answer with markup (`<img onerror>`, `<script>`),
for the test that such answers render inert. Never use these settings in production."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import XSS_ANSWER, configure_common, start_scripted_model

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(c, int(os.environ.get("PACHINCO_UI_XSS_PORT", "8899")), ".galata-root-xss")
c.BackendSettings.backend = "openai"
c.BackendSettings.base_url = start_scripted_model(XSS_ANSWER)
c.BackendSettings.model = "scripted"
c.BackendSettings.max_retries = 0
