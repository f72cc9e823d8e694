"""``POST /pachinco/agent`` end to end: a real server, a real kernel, the scripted model.

The acceptance task (``task.py``): three steps, the second of which first raises; the repair
sees the traceback in its prompt and succeeds; the cells handed over, run in order in a fresh
kernel with the same starting state, give the final value; the user's kernel, its variables
(by digest) and the files of its working folder are unchanged; no process of the scratch
remains.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from tests.server.conftest import Fetch, post_json, read_lines
from tests.support.fake_openai import FakeOpenAIServer
from tests.support.user_kernel import evaluate, folder_contents, user_kernel

from .task import DIGESTS, FINAL, REPAIR_MARK, SETUP, TASK, code_cells, descendants, process_exists


def agent_body(kernel_id: str | None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "task": TASK,
        "cells": [{"cell_type": "code", "source": SETUP, "outputs": []}],
        "kernel_id": kernel_id,
        "options": {"n": 1, "max_new_tokens": 128},
    }
    body.update(fields)
    return body


async def run_agent(jp_fetch: Fetch, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await post_json(jp_fetch, "pachinco", "agent", body=body)
    assert response.code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    return read_lines(response)


def described_lines(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The OpenAPI description of each agent line, by its ``type``."""
    schemas = spec["components"]["schemas"]
    found = {}
    for entry in schemas["AgentLine"]["oneOf"]:
        parts = entry.get("allOf", [entry])
        merged = {"required": [], "properties": {}}
        for part in parts:
            part = schemas[part["$ref"].rsplit("/", 1)[1]] if "$ref" in part else part
            merged["required"] += part.get("required", [])
            merged["properties"].update(part.get("properties", {}))
        (kind,) = merged["properties"]["type"]["enum"]
        found[kind] = merged
    return found


def assert_described(lines: list[dict[str, Any]], spec: dict[str, Any]) -> None:
    """Every line is one the OpenAPI description lists, with every field it requires and no
    field it does not name."""
    described = described_lines(spec)
    for line in lines:
        schema = described[line["type"]]
        assert set(schema["required"]) <= set(line), line["type"]
        assert set(line) <= set(schema["properties"]), line["type"]


def of_type(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == kind]


async def gone(pid: int) -> bool:
    for _ in range(100):
        if not process_exists(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_three_step_task_with_one_repair_hands_over_cells_known_to_run(
    jp_fetch: Fetch, jp_serverapp: Any, jp_root_dir: Path, fake_openai: FakeOpenAIServer
) -> None:
    (jp_root_dir / "fares.csv").write_text("pclass,fare\n1,71\n", encoding="utf-8")
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        digests_before = await evaluate(client, DIGESTS)
        files_before = folder_contents(jp_root_dir)
        lines = await run_agent(jp_fetch, agent_body(kernel_id))
        digests_after = await evaluate(client, DIGESTS)
        files_after = folder_contents(jp_root_dir)
        (scratch,) = of_type(lines, "scratch")
        assert await gone(scratch["pid"]), "the scratch process is still there"
        assert descendants(kernel_pid) == []

    kinds = [line["type"] for line in lines]
    assert (kinds[0], kinds[-2:]) == ("scratch", ["cells", "done"]), kinds
    assert_described(lines, json.loads((await jp_fetch("pachinco", "openapi.json")).body))
    assert lines[-1] == {"type": "done", "status": "finished", "steps_done": 3,
                         "failed_step": None, "reason": None}  # fmt: skip
    (plan,) = of_type(lines, "plan")
    assert len(plan["steps"]) == 3
    assert plan["revision"] == 0
    assert [line["step"] for line in of_type(lines, "step")] == [1, 2, 3]
    trials = of_type(lines, "trial")
    assert [(t["step"], t["attempt"], t["chosen"]) for t in trials] == [
        (1, 0, 0), (2, 0, None), (2, 1, 0), (3, 0, 0)
    ]  # fmt: skip
    failed = trials[1]["candidates"][0]
    assert failed["status"] == "error"
    assert "KeyError" in failed["error"]
    (repair,) = of_type(lines, "repair")
    assert (repair["step"], repair["attempt"]) == (2, 1)
    assert "KeyError" in repair["error"]
    assert "per_persn" in repair["code"]
    # The repair request carried that traceback to the model.
    repair_request = next(r for r in fake_openai.requests if r.rule == REPAIR_MARK)
    asked = repair_request.asked
    assert "per_persn" in asked
    assert "KeyError" in asked
    assert "Traceback" in asked

    observations = of_type(lines, "observation")
    assert [o["step"] for o in observations] == [1, 2, 3]
    last = observations[-1]["observation"]
    assert last["status"] == "ok"
    assert last["value"]["type"] == "Series"
    (cells,) = of_type(lines, "cells")
    # Each observation line carries its step as accepted, as the `cells` line lists it later.
    assert [o["accepted"] for o in observations] == cells["steps"]
    assert [step["number"] for step in cells["steps"]] == [1, 2, 3]
    assert cells["steps"][1]["repairs"] == 1
    assert [cell["cell_type"] for cell in cells["cells"]] == ["markdown", "code"] * 3
    # The user's kernel, its variables and its files are as they were.
    assert digests_after == digests_before
    assert set(digests_before) == {"fares"}
    assert files_after == files_before

    # The cells, run in order in a fresh kernel with the same starting state, give the value.
    async with user_kernel(jp_serverapp, [SETUP, *code_cells(cells["cells"])]) as (_, fresh):
        assert await evaluate(fresh, "_.to_dict()") == FINAL
        assert await evaluate(fresh, "list(_.index)") == [1, 2, 3]


async def test_a_plan_alone_can_be_asked_for_then_sent_back_edited(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        planned = await run_agent(jp_fetch, agent_body(kernel_id, go=False))
        steps = of_type(planned, "plan")[0]["steps"]
        edited = [*steps[:2], "Sort the averages from highest to lowest, as a Series."]
        worked = await run_agent(jp_fetch, agent_body(kernel_id, plan=edited))

    assert [line["type"] for line in planned][-1:] == ["done"]
    assert planned[-1]["status"] == "planned"
    assert of_type(planned, "scratch") == []
    assert of_type(planned, "step") == []
    (given,) = of_type(worked, "plan")
    assert given["steps"] == edited
    assert given["given"] is True
    assert of_type(worked, "delta")[0]["phase"] == "step"  # no new plan was written
    assert worked[-1]["status"] == "finished"
    assert of_type(worked, "step")[2]["text"] == edited[2]


async def test_bad_agent_requests_get_a_4xx_naming_the_field(jp_fetch: Fetch) -> None:
    cases = {
        "`task`": agent_body("k", task=""),
        "`kernel_id`": agent_body(None),
        "`options.n`": agent_body("k", options={"n": 0}),
        "`options.max_repairs`": agent_body("k", options={"max_repairs": 99}),
        "`plan[1]`": agent_body("k", plan=["one", ""]),
        "`go`": agent_body("k", go="yes"),
        "`options.bogus`": agent_body("k", options={"bogus": 1}),
    }
    for field, body in cases.items():
        response = await post_json(jp_fetch, "pachinco", "agent", body=body)
        assert response.code == 400, (field, response.body)
        assert field in json.loads(response.body)["message"], field
    cancel = await post_json(jp_fetch, "pachinco", "agent", "cancel", body={"request_id": "x"})
    assert json.loads(cancel.body) == {"cancelled": False}


async def test_bad_done_steps_get_a_400_naming_the_field(jp_fetch: Fetch) -> None:
    plan = ["one", "two"]
    step = {"explanation": "One.", "code": "x = 1"}
    cases = {
        "not a list": ("`done`", agent_body("k", plan=plan, done="x = 1")),
        "not an object": ("`done[0]`", agent_body("k", plan=plan, done=["x = 1"])),
        "unknown field": (
            "`done[0].cell`",
            agent_body("k", plan=plan, done=[{**step, "cell": 1}]),
        ),
        "empty code": ("`done[0].code`", agent_body("k", plan=plan, done=[{**step, "code": ""}])),
        "blank code": ("`done[0].code`", agent_body("k", plan=plan, done=[{**step, "code": " "}])),
        "no code": ("`done[0].code`", agent_body("k", plan=plan, done=[{"explanation": "One."}])),
        "no plan": ("`plan`", agent_body("k", done=[step])),
        "no step left": ("`done`", agent_body("k", plan=plan, done=[step, step])),
    }
    for case, (field, body) in cases.items():
        response = await post_json(jp_fetch, "pachinco", "agent", body=body)
        assert response.code == 400, (case, response.body)
        assert field in json.loads(response.body)["message"], (case, response.body)
