"""``%%pachinco --agent`` in a real IPython kernel: the acceptance task through the magic."""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from tests.magic.kernel_session import run_cell
from tests.support.fake_openai import serving_in_thread

from .task import DIGESTS, FINAL, REPAIR_MARK, SETUP, TASK, descendants, plan_script, rules


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Any]:
    """A fresh kernel with the extension loaded and no model configured: each call names it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHINCO_")}
    env.update({"JUPYTER_CONFIG_DIR": str(tmp_path), "OPENAI_API_KEY": "unused",
                "OMP_NUM_THREADS": "1"})  # fmt: skip
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        reply = client.execute_interactive(
            "%load_ext jupyter_pachinco", store_history=False, timeout=60
        )
        assert reply["content"]["status"] == "ok"
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def ended_soon(check: Callable[[], bool]) -> bool:
    for _ in range(200):
        if check():
            return True
        time.sleep(0.025)
    return False


def evaluate(client: Any, expression: str) -> Any:
    reply = client.execute_interactive(
        "", silent=True, store_history=False, user_expressions={"x": expression}, timeout=60
    )
    result = reply["content"]["user_expressions"]["x"]
    assert result["status"] == "ok", result
    return ast.literal_eval(result["data"]["text/plain"])


def test_the_magic_works_through_the_task_and_inserts_the_steps_on_request(
    kernel: Any, tmp_path: Path
) -> None:
    assert run_cell(kernel, SETUP).ok
    kernel_pid = evaluate(kernel, "__import__('os').getpid()")
    before = evaluate(kernel, DIGESTS)
    files = sorted(p.name for p in tmp_path.iterdir())
    with serving_in_thread(plan_script(), rules()) as model:
        options = f"--backend openai --base-url {model.base_url} --model scripted"
        asked = run_cell(kernel, f"%%pachinco --agent -n 1 --insert {options}\n{TASK}")
        repair_asked = [r.asked for r in model.requests if r.rule == REPAIR_MARK]
    assert asked.ok, asked.stream("stderr")
    said = asked.stream("stdout")
    assert said.index("Plan:") < said.index("Step 1:") < said.index("Step 2:")
    assert said.index("Step 2:") < said.index("repair 1:") < said.index("Step 3:")
    assert "KeyError" in said.split("repair 1:")[1].split("\n")[0]
    assert said.rstrip().endswith("Done: 3 steps ran on a scratch copy of your kernel.")
    assert len(repair_asked) == 1
    assert "Traceback" in repair_asked[0]
    assert "per_persn" in repair_asked[0]
    # The user's kernel and folder are as they were, and the scratch is gone.
    assert evaluate(kernel, DIGESTS) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert ended_soon(lambda: descendants(kernel_pid) == [])  # reaped by the kernel's thread
    # The inserted cell, run in the kernel, gives the final value.
    assert asked.next_input is not None
    assert "# Step 3:" in asked.next_input
    assert "per_persn" not in asked.next_input
    ran = run_cell(kernel, asked.next_input)
    assert ran.ok, ran.stream("stderr")
    assert evaluate(kernel, "_.to_dict()") == FINAL


def test_in_a_kernel_that_cannot_fork_the_agent_says_so_and_runs_nothing(kernel: Any) -> None:
    assert run_cell(kernel, f"{SETUP}\nimport os\ndel os.fork").ok
    before = evaluate(kernel, DIGESTS)
    with serving_in_thread(plan_script(), rules()) as model:
        options = f"--backend openai --base-url {model.base_url} --model scripted"
        asked = run_cell(kernel, f"%%pachinco --agent --insert {options}\n{TASK}")
        requests = list(model.requests)
    assert asked.ok
    assert asked.error_name is None
    assert "pachinco: the agent runs nothing" in asked.stream("stderr")
    assert "cannot fork" in asked.stream("stderr")
    assert asked.next_input is None
    assert requests == []
    assert evaluate(kernel, DIGESTS) == before
