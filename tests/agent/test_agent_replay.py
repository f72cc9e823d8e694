"""Retry from here: ``POST /pachinco/agent`` with ``plan`` and ``done`` (the steps that worked
in an earlier run) replays those steps on the new scratch, with no model call, then works the
rest; a replayed step that fails there ends the run. Bad ``done`` bodies are refused in
``test_agent_endpoint``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_pachinco.prompting.plans import parse_plan
from jupyter_pachinco.server.agent_validation import MAX_STEPS
from jupyter_pachinco.server.tool_validation import MAX_CODE_CHARS
from tests.server.conftest import Fetch
from tests.support.fake_openai import FakeOpenAIServer
from tests.support.user_kernel import evaluate, user_kernel

from .task import DIGESTS, FINAL, PLAN, REPAIR_MARK, SETUP, STEP_1, code_cells
from .test_agent_endpoint import agent_body, assert_described, of_type, run_agent

STEPS = parse_plan("".join(PLAN), MAX_STEPS)
STEP_1_CODE = STEP_1[2].strip()


def step_asked(number: int) -> str:
    """The rule (``task.rules``) that answers the first request for step ``number``."""
    return f"Write the code for step {number} only"


async def test_steps_that_worked_before_are_replayed_without_the_model_then_the_rest_worked(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    done = [{"explanation": STEPS[0], "code": STEP_1_CODE}]
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        digests_before = await evaluate(client, DIGESTS)
        lines = await run_agent(jp_fetch, agent_body(kernel_id, plan=STEPS, done=done))
        digests_after = await evaluate(client, DIGESTS)

    assert_described(lines, json.loads((await jp_fetch("pachinco", "openapi.json")).body))
    assert lines[-1] == {"type": "done", "status": "finished", "steps_done": 3,
                         "failed_step": None, "reason": None}  # fmt: skip
    (plan,) = of_type(lines, "plan")
    assert (plan["steps"], plan["given"]) == (STEPS, True)
    assert [line["step"] for line in of_type(lines, "step")] == [1, 2, 3]
    # Step 1 asked nothing of the model and tried no candidates.
    assert [r.rule for r in fake_openai.requests] == [step_asked(2), REPAIR_MARK, step_asked(3)]
    assert {line["step"] for line in of_type(lines, "delta")} == {2, 3}
    trials = of_type(lines, "trial")
    assert [(t["step"], t["attempt"], t["chosen"]) for t in trials] == [
        (2, 0, None), (2, 1, 0), (3, 0, 0)
    ]  # fmt: skip
    observations = of_type(lines, "observation")
    assert [(o["step"], o["replayed"]) for o in observations] == [
        (1, True), (2, False), (3, False)
    ]  # fmt: skip
    assert observations[0]["observation"]["status"] == "ok"
    # Step 2's prompt shows the replayed step as done, with what it gave.
    asked = fake_openai.requests[0].asked
    assert f"Step 1: {STEPS[0]}\n```python\n{STEP_1_CODE}\n```" in asked
    assert "per_person (float64)" in observations[0]["text"]
    assert observations[0]["text"] in asked

    (cells,) = of_type(lines, "cells")
    assert [step["number"] for step in cells["steps"]] == [1, 2, 3]
    first = cells["steps"][0]
    assert (first["explanation"], first["code"], first["repairs"]) == (STEPS[0], STEP_1_CODE, 0)
    assert cells["cells"][:2] == [
        {"cell_type": "markdown", "source": f"**Step 1:** {STEPS[0]}"},
        {"cell_type": "code", "source": STEP_1_CODE},
    ]
    assert [cell["cell_type"] for cell in cells["cells"]] == ["markdown", "code"] * 3
    assert digests_after == digests_before
    async with user_kernel(jp_serverapp, [SETUP, *code_cells(cells["cells"])]) as (_, fresh):
        assert await evaluate(fresh, "_.to_dict()") == FINAL


async def test_a_step_that_fails_when_replayed_ends_the_run_without_the_model(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    broken = STEP_1_CODE.replace("'fare'", "'fair'")
    done = [{"explanation": STEPS[0], "code": broken}]
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        lines = await run_agent(jp_fetch, agent_body(kernel_id, plan=STEPS, done=done))

    assert [line["type"] for line in lines] == ["scratch", "plan", "step", "cells", "done"]
    assert fake_openai.requests == []
    assert of_type(lines, "cells")[0]["steps"] == []
    finished = lines[-1]
    assert (finished["status"], finished["steps_done"], finished["failed_step"]) == (
        "failed", 0, 1
    )  # fmt: skip
    assert finished["reason"].startswith(
        "Step 1 ran before but failed when replayed on the new scratch copy: it raised KeyError"
    ), finished["reason"]


def test_the_openapi_description_gives_the_done_limits_the_server_keeps() -> None:
    root = Path(__file__).resolve().parents[2]
    api = json.loads((root / "jupyter_pachinco/server/openapi.json").read_text("utf-8"))
    done = api["components"]["schemas"]["AgentRequest"]["properties"]["done"]
    assert done["maxItems"] == MAX_STEPS - 1
    fields = done["items"]["properties"]
    assert fields["code"]["maxLength"] == fields["explanation"]["maxLength"] == MAX_CODE_CHARS
