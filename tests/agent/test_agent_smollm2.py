"""The real pretrained SmolLM2 GGUF runs the agent loop end to end behind the server, in a
real kernel. Structure only (plan, steps, trials, observations, cells, done; the scratch
gone): never what the model says, which is weak at pandas."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.backends.llamacpp_loading import forget_shared_ggufs
from tests.server.conftest import Fetch, read_lines
from tests.support.user_kernel import evaluate, user_kernel

from .task import DIGESTS, SETUP, descendants
from .test_agent_endpoint import agent_body, of_type


@pytest.fixture
def jp_server_config(smollm2_path: Path) -> dict[str, Any]:
    forget_shared_ggufs()
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
        "BackendSettings": {"model": str(smollm2_path), "n_ctx": 2048},
    }


@pytest.mark.timeout(600)
async def test_smollm2_works_through_a_task_on_a_scratch_copy(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    options = {"n": 2, "max_steps": 2, "max_repairs": 1, "max_new_tokens": 48, "plan_tokens": 48}
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, client):
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        before = await evaluate(client, DIGESTS)
        body = json.dumps(agent_body(kernel_id, options=options))
        response = await jp_fetch(
            "pachinco", "agent", method="POST", body=body, request_timeout=560
        )
        lines = read_lines(response)
        assert await evaluate(client, DIGESTS) == before
        for _ in range(100):
            if not descendants(kernel_pid):
                break
            await asyncio.sleep(0.05)
        assert descendants(kernel_pid) == []

    kinds = [line["type"] for line in lines]
    assert kinds[0] == "scratch"
    plan = of_type(lines, "plan")[0]
    assert 1 <= len(plan["steps"]) <= 2
    assert all(isinstance(step, str) and step for step in plan["steps"])
    assert any(line["phase"] == "plan" for line in of_type(lines, "delta"))
    assert of_type(lines, "step")[0]["step"] == 1
    trials = of_type(lines, "trial")
    assert trials, kinds
    for trial in trials:
        assert len(trial["candidates"]) == 2
        assert trial["order"] == [c["index"] for c in trial["candidates"]]
    assert len(of_type(lines, "observation")) == len(of_type(lines, "cells")[0]["steps"])
    assert kinds[-2:] == ["cells", "done"]
    done = lines[-1]
    assert done["status"] in ("finished", "failed", "max_steps")
    assert (done["failed_step"] is None) == (done["status"] != "failed")
    assert done["steps_done"] == len(of_type(lines, "cells")[0]["steps"])
