"""The three ways an MCP client reaches our tools, each with the SDK's real client:

- ``stdio``: ``jupyter-pachinco mcp`` started by the client, the Jupyter token in its env;
- ``http``: ``jupyter-pachinco mcp --transport http`` as its own process on a free port of
  127.0.0.1, the client sending ``Authorization: Bearer <Jupyter token>``;
- ``hosted``: ``jupyter-server-mcp`` inside the test's Jupyter server (port 0), which finds
  our tools through its entry points; the client sends ``Authorization: token <t>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

SERVINGS = ("stdio", "http", "hosted")


def jupyter_url(jp_http_port: int, jp_base_url: str) -> str:
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


def token_of(jp_serverapp: Any) -> str:
    return str(jp_serverapp.identity_provider.token)


#: The checkout under test, first on the children's path: they run this code, however the
#: package is installed.
ROOT = str(Path(__file__).resolve().parents[2])


def child_path() -> str:
    return os.pathsep.join([ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])


def mcp_command(url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "jupyter_pachinco.cli", "mcp", "--url", url, *extra]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_port(
    port: int, process: asyncio.subprocess.Process, timeout_s: float = 60
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"the MCP server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the MCP server did not listen")


@asynccontextmanager
async def http_server_process(url: str) -> AsyncIterator[str]:
    """``jupyter-pachinco mcp --transport http`` on a free port; its MCP endpoint URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_TOKEN"}
    env["PYTHONPATH"] = child_path()
    process = await asyncio.create_subprocess_exec(
        *mcp_command(url, "--transport", "http", "--port", str(port)),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def start_hosted(jp_serverapp: Any) -> str:
    """Start jupyter-server-mcp in the test's server (pytest-jupyter does not start
    extensions); its MCP endpoint URL."""
    manager = jp_serverapp.extension_manager
    (app,) = manager.extension_apps["jupyter_server_mcp"]
    if app.mcp_server_instance is None:
        await manager.start_extension("jupyter_server_mcp")
    return f"http://127.0.0.1:{app.mcp_server_instance.port}/mcp"


@asynccontextmanager
async def mcp_client(
    serving: str,
    jp_serverapp: Any,
    url: str,
    *,
    authorization: str | None = "default",
    token: str | None = None,
) -> AsyncIterator[Client]:
    """A connected SDK client of ``serving``, presenting ``token`` (default: the server's);
    ``authorization`` (HTTP ways) overrides the header sent (None: no header)."""
    token = token_of(jp_serverapp) if token is None else token
    if serving == "stdio":
        params = StdioServerParameters(
            command=sys.executable,
            args=mcp_command(url)[1:],
            env={"JUPYTER_TOKEN": token, "PYTHONPATH": child_path()},
        )
        async with Client(params, read_timeout_seconds=120) as client:
            yield client
        return
    scheme = "Bearer" if serving == "http" else "token"
    header = f"{scheme} {token}" if authorization == "default" else authorization
    headers = {} if header is None else {"Authorization": header}
    async with contextlib.AsyncExitStack() as stack:
        if serving == "http":
            endpoint = await stack.enter_async_context(http_server_process(url))
        else:
            endpoint = await start_hosted(jp_serverapp)
        http = await stack.enter_async_context(
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120.0))
        )
        client = await stack.enter_async_context(
            Client(streamable_http_client(endpoint, http_client=http), read_timeout_seconds=120)
        )
        yield client
