"""A real kernel started by a real Jupyter server, with a client playing the user's notebook."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from jupyter_pachinco.execution.forks import Limits

# Short limits keep the suite fast; the defaults are for real use.
TEST_LIMITS = Limits(wall_time_s=4.0, cpu_time_s=4.0, memory_bytes=1024**3)


@asynccontextmanager
async def user_kernel(
    jp_serverapp: Any, cells: list[str], kernel_name: str = "python3"
) -> AsyncIterator[tuple[str, Any]]:
    """A kernel of `kernel_name` that ran `cells`, and a client of it.

    pytest-jupyter runs async tests but not async fixtures, hence a context manager.
    """
    manager = jp_serverapp.kernel_manager
    # path "" runs the kernel in the server's root folder (a test's temporary one).
    kernel_id = await manager.start_kernel(kernel_name=kernel_name, path="")
    client = await ready_client(manager, kernel_id, cells)
    try:
        yield kernel_id, client
    finally:
        client.stop_channels()
        if kernel_id in manager:
            await manager.shutdown_kernel(kernel_id, now=True)


async def ready_client(manager: Any, kernel_id: str, cells: list[str]) -> Any:
    """A started client of the kernel ``kernel_id``, once the kernel is ready and has run
    ``cells`` (each must succeed); the caller stops its channels."""
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    for code in cells:
        reply = await client.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
    return client


async def evaluate(client: Any, expression: str) -> Any:
    """The value of a Python literal expression in the kernel, without touching its history."""
    reply = await client.execute_interactive(
        "", silent=True, store_history=False, user_expressions={"x": expression}, timeout=60
    )
    result = reply["content"]["user_expressions"]["x"]
    assert result["status"] == "ok", result
    return ast.literal_eval(result["data"]["text/plain"])


def folder_contents(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
