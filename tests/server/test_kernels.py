"""Variables come from the live kernel; unknown and dead kernels give notices, not errors."""

from __future__ import annotations

import json
import signal
from typing import Any

from .conftest import Fetch, generate, generate_body, post_json, until


async def start_kernel(jp_serverapp: Any, code: str) -> str:
    """A kernel of the server's kernel manager that has run ``code``."""
    manager = jp_serverapp.kernel_manager
    kernel_id: str = await manager.start_kernel()
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
    return kernel_id


async def test_live_dataframes_reach_the_prompt_and_the_context_line(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    code = "import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3], 'fare': [71.3, 7.9]})"
    kernel_id = await start_kernel(jp_serverapp, code)
    body = generate_body(kernel_id=kernel_id)
    response = await post_json(jp_fetch, "pachinco", "prompt", body=body)
    everything = json.dumps(json.loads(response.body)["prompt"])
    assert "# Columns in fares with example values:" in everything
    lines = await generate(jp_fetch, generate_body(kernel_id=kernel_id))
    assert lines[0]["variables"] >= 1
    assert lines[0]["stale"] is False
    assert lines[0]["notice"] is None


async def test_a_dead_kernel_gives_a_notice_and_the_answer_still_comes(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    kernel_id = await start_kernel(jp_serverapp, "x = 1")
    kernel = jp_serverapp.kernel_manager.get_kernel(kernel_id)
    await kernel.signal_kernel(signal.SIGKILL)
    await until(lambda: _not(kernel.is_alive()))
    lines = await generate(jp_fetch, generate_body(kernel_id=kernel_id))
    assert lines[0]["variables"] == 0
    assert lines[0]["notice"] == "The kernel has stopped; variables are not described."
    assert lines[-1]["type"] == "done"


async def _not(alive: Any) -> bool:
    return not await alive
