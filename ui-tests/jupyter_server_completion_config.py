"""Galata server for the inline completion tests: its model is the tests' fake OpenAI-compatible
server (`tests/support/fake_openai.py`), which answers `orders.groupby("` at once, streams
slowly after `slow_total = orders`, nothing else, and tells how each request ended at
``GET /_script/status``. Never use these settings in production."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pachinco_test_server import REPO_ROOT, configure_common

sys.path.insert(0, str(REPO_ROOT))

from tests.support.fake_openai import Behaviour, Rule, serve_for_the_process

RULES = (
    Rule('orders.groupby("', (Behaviour(words=("ci", 'ty")', '["price"].sum()')),), ends_with=True),
    Rule(
        "slow_total = orders",
        (Behaviour(words=tuple([".price"] + [" + 1"] * 200), delay_s=0.5),),
        ends_with=True,
    ),
)

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_common(
    c, int(os.environ.get("PACHINCO_UI_COMPLETION_PORT", "8931")), ".galata-root-completion"
)
c.BackendSettings.backend = "openai"
c.BackendSettings.base_url = serve_for_the_process(
    [Behaviour(words=())], RULES, int(os.environ.get("PACHINCO_UI_COMPLETION_MODEL_PORT", "8932"))
).base_url
c.BackendSettings.model = "scripted"
c.BackendSettings.max_retries = 0
