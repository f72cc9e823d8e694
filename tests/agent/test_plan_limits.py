"""The plan's limits are the server's (``server/agent_validation.py``), and the OpenAPI
description and the sidebar's plan editor (``src/agentProtocol.ts``) say the same numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jupyter_pachinco.server.agent_validation import MAX_STEP_CHARS, MAX_STEPS

ROOT = Path(__file__).resolve().parents[2]


def test_the_openapi_description_gives_the_plan_limits_the_server_keeps() -> None:
    api = json.loads((ROOT / "jupyter_pachinco/server/openapi.json").read_text("utf-8"))
    plan = api["components"]["schemas"]["AgentRequest"]["properties"]["plan"]
    assert plan["maxItems"] == MAX_STEPS
    assert plan["items"]["maxLength"] == MAX_STEP_CHARS


def test_the_plan_editor_keeps_the_plan_limits_the_server_keeps() -> None:
    source = (ROOT / "src/agentProtocol.ts").read_text("utf-8")

    def constant(name: str) -> int:
        found = re.search(rf"^export const {name} = (\d+);$", source, re.MULTILINE)
        assert found, f"src/agentProtocol.ts has no `export const {name} = <number>;`"
        return int(found.group(1))

    assert constant("MAX_PLAN_STEPS") == MAX_STEPS
    assert constant("MAX_STEP_CHARS") == MAX_STEP_CHARS
