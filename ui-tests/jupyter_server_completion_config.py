"""Galata server for the inline completion tests: its model is the scripted completions server
(`tests/support/scripted_completions.py`), which answers `orders.groupby("` at once, streams
slowly after `slow_total = orders`, and logs how each request ended at ``GET /log``. Never
use these settings in production."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import REPO_ROOT, configure_common

sys.path.insert(0, str(REPO_ROOT))

from tests.support.scripted_completions import CompletionRule, start_scripted_completions

RULES = [
    CompletionRule(after='orders.groupby("', words=("ci", 'ty")', '["price"].sum()')),
    CompletionRule(
        after="slow_total = orders", words=tuple([".price"] + [" + 1"] * 200), delay_s=0.5
    ),
]

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(
    c, int(os.environ.get("PACHINCO_UI_COMPLETION_PORT", "8931")), ".galata-root-completion"
)
c.BackendSettings.backend = "openai"
c.BackendSettings.base_url = start_scripted_completions(
    RULES, int(os.environ.get("PACHINCO_UI_COMPLETION_MODEL_PORT", "8932"))
)
c.BackendSettings.model = "scripted"
c.BackendSettings.max_retries = 0
