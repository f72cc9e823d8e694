"""A trial run as an MCP tool call, beside the same trial run through our HTTP API.

One Jupyter server with jupyter_pachinco (a subprocess on 127.0.0.1, its own token and
temporary root), one notebook session whose real IPython kernel holds a small DataFrame, and
the same two candidates (one that raises, one that changes a variable) trial-run each round
three ways, the order rotated from round to round:

- ``http``: ``POST /pachinco/trial`` with the token (an ``httpx`` client): the baseline;
- ``mcp_stdio``: ``pachinco_trial_run`` through the SDK's client and ``jupyter-pachinco mcp``
  over stdio (what Claude Code starts);
- ``mcp_http``: the same through ``jupyter-pachinco mcp --transport http`` (streamable HTTP,
  bearer token verified against the Jupyter server, remembered for a minute).

Each MCP call is one round trip of the client as an agent sees it: the request, the tool's
own HTTP call to the Jupyter server, the forks, the bounded JSON answer. Figures are medians
over ``--rounds`` rounds after one warm-up round; ``mcp_over_http`` is ``mcp_stdio_ms /
http_ms`` (goal: at most 1.2), ``mcp_http_over_http`` the same for streamable HTTP.

Usage: ``nice -n 10 .venv/bin/python benchmarks/bench_mcp.py [--rounds 30]``. Ends with one
JSON line ``{"benchmark": "bench_mcp", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

SETUP = "import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3, 3], 'fare': [71.0, 7.5, 8.0]})"
CANDIDATES = [
    "fares['no_such_column'].sum()",
    "fares['fare'] = fares['fare'] * 100\nfares['fare'].sum()",
]
NOTEBOOK = "fares.ipynb"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "JUPYTER_TOKEN"}
    for name in ("config", "runtime", "data"):
        env[f"JUPYTER_{name.upper()}_DIR"] = str(folder / name)
    return env


async def wait_for(port: int, process: asyncio.subprocess.Process, what: str) -> None:
    for _ in range(600):
        if process.returncode is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{what} did not listen")


@contextlib.asynccontextmanager
async def process(command: list[str], env: dict[str, str], port: int) -> AsyncIterator[None]:
    child = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        await wait_for(port, child, command[2])
        yield
    finally:
        if child.returncode is None:
            child.terminate()
        try:
            await asyncio.wait_for(child.wait(), timeout=15)
        except TimeoutError:
            child.kill()
            await child.wait()


def jupyter_command(folder: Path, port: int, token: str) -> list[str]:
    (folder / "root").mkdir()
    (folder / "config").mkdir()
    config = {"ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}}}
    (folder / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)]
    nbformat.write(notebook, folder / "root" / NOTEBOOK)
    return [
        sys.executable,
        "-m",
        "jupyter_server",
        "--allow-root",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder / 'root'}",
    ]


async def open_notebook(url: str, token: str, runtime: Path) -> AsyncKernelClient:
    """A session for the notebook, as JupyterLab opens one; its kernel has run SETUP."""
    async with httpx.AsyncClient(headers={"Authorization": f"token {token}"}) as http:
        body = {
            "path": NOTEBOOK,
            "name": NOTEBOOK,
            "type": "notebook",
            "kernel": {"name": "python3"},
        }
        response = await http.post(url + "api/sessions", json=body, timeout=120)
        response.raise_for_status()
        kernel_id = response.json()["kernel"]["id"]
    kernel = AsyncKernelClient()
    kernel.load_connection_file(str(runtime / f"kernel-{kernel_id}.json"))
    kernel.start_channels()
    await kernel.wait_for_ready(timeout=120)
    reply = await kernel.execute_interactive(SETUP, timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]
    return kernel


async def timed(call: Callable[[], Awaitable[list[str]]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    statuses = await call()
    return (time.perf_counter() - started) * 1000, statuses


def statuses_of(answer: dict[str, Any]) -> list[str]:
    by_index = {c["index"]: c["status"] for c in answer["candidates"]}
    return [by_index[i] for i in sorted(by_index)]


async def measure(rounds: int) -> dict[str, Any]:
    token = secrets.token_hex(16)
    jupyter_port, mcp_port = free_port(), free_port()
    url = f"http://127.0.0.1:{jupyter_port}/"
    tool_args = {"notebook_path": NOTEBOOK, "candidates": CANDIDATES}
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as name:
        folder = Path(name)
        env = child_env(folder)
        mcp = [sys.executable, "-m", "jupyter_pachinco.cli", "mcp", "--url", url]
        stdio = StdioServerParameters(
            command=mcp[0],
            args=mcp[1:],
            env={"JUPYTER_TOKEN": token, **{k: env[k] for k in ("PYTHONPATH",) if k in env}},
        )
        bearer = {"Authorization": f"Bearer {token}"}
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(
                process(jupyter_command(folder, jupyter_port, token), env, jupyter_port)
            )
            kernel = await open_notebook(url, token, folder / "runtime")
            stack.callback(kernel.stop_channels)
            await stack.enter_async_context(
                process([*mcp, "--transport", "http", "--port", str(mcp_port)], env, mcp_port)
            )
            http = await stack.enter_async_context(
                httpx.AsyncClient(headers={"Authorization": f"token {token}"}, timeout=120)
            )
            stdio_client = await stack.enter_async_context(Client(stdio, read_timeout_seconds=120))
            bearer_http = await stack.enter_async_context(
                httpx2.AsyncClient(headers=bearer, timeout=httpx2.Timeout(120.0))
            )
            http_client = await stack.enter_async_context(
                Client(
                    streamable_http_client(
                        f"http://127.0.0.1:{mcp_port}/mcp", http_client=bearer_http
                    ),
                    read_timeout_seconds=120,
                )
            )

            async def through_api() -> list[str]:
                response = await http.post(url + "pachinco/trial", json=tool_args)
                response.raise_for_status()
                return statuses_of(response.json())

            def through(client: Client) -> Callable[[], Awaitable[list[str]]]:
                async def call() -> list[str]:
                    result = await client.call_tool("pachinco_trial_run", tool_args)
                    assert not result.is_error, result.content
                    return statuses_of(json.loads(result.content[0].text))

                return call

            ways = {
                "http": through_api,
                "mcp_stdio": through(stdio_client),
                "mcp_http": through(http_client),
            }
            times: dict[str, list[float]] = {way: [] for way in ways}
            order = list(ways)
            for round_number in range(rounds + 1):
                for way in order[round_number % 3 :] + order[: round_number % 3]:
                    ms, statuses = await timed(ways[way])
                    assert statuses == ["error", "ok"], (way, statuses)
                    if round_number:  # the first round warms every path up
                        times[way].append(ms)
            digest = await kernel.execute_interactive(
                "",
                silent=True,
                store_history=False,
                timeout=60,
                user_expressions={"x": "float(fares['fare'].sum())"},
            )
            unchanged = digest["content"]["user_expressions"]["x"]["data"]["text/plain"] == "86.5"
    return {way: statistics.median(found) for way, found in times.items()} | {
        "unchanged": unchanged
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    found = asyncio.run(measure(args.rounds))
    figures = {
        "mcp_over_http": round(found["mcp_stdio"] / found["http"], 2),
        "mcp_http_over_http": round(found["mcp_http"] / found["http"], 2),
        "http_ms": round(found["http"], 1),
        "mcp_stdio_ms": round(found["mcp_stdio"], 1),
        "mcp_http_ms": round(found["mcp_http"], 1),
        "candidates": len(CANDIDATES),
        "rounds": args.rounds,
    }
    print(
        f"{len(CANDIDATES)} candidates, median of {args.rounds} rounds; kernel unchanged: "
        f"{found['unchanged']}"
    )
    print(f"HTTP API, POST /pachinco/trial (baseline) {figures['http_ms']:>8.1f} ms")
    print(f"MCP tool call, stdio                     {figures['mcp_stdio_ms']:>8.1f} ms")
    print(f"MCP tool call, streamable HTTP           {figures['mcp_http_ms']:>8.1f} ms")
    print(f"mcp_over_http (goal <= 1.2)              {figures['mcp_over_http']:>8.2f} x")
    print(f"mcp_http_over_http                       {figures['mcp_http_over_http']:>8.2f} x")
    print(json.dumps({"benchmark": "bench_mcp", "figures": figures}))


if __name__ == "__main__":
    main()
