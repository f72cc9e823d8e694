"""``jupyter-pachinco mcp``: the command line of the standalone MCP server (see ``standalone``)."""

from __future__ import annotations

import argparse
import os
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8888/"
DEFAULT_PORT = 8765


def add_mcp_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mcp",
        help="serve Pachinco's tools to MCP clients (Claude Code, Codex, ...)",
        description=(
            "An MCP server whose tools (notebook context, live variables' schemas, safe trial "
            "runs, scratch sessions, explained cells, cell insertion) call a running Jupyter "
            "server with jupyter_pachinco enabled, with its token."
        ),
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("JUPYTER_URL", DEFAULT_URL),
        help="the Jupyter server's URL, base path included (default: $JUPYTER_URL or %(default)s)",
    )
    parser.add_argument(
        "--token-env",
        default="JUPYTER_TOKEN",
        metavar="NAME",
        help="stdio: the environment variable holding the Jupyter token (default: %(default)s)",
    )
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="http: the address to listen on (default: %(default)s, this machine only)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="http: default %(default)s")


def run_mcp_command(args: argparse.Namespace) -> int:
    from .standalone import serve  # the SDK loads only for this command

    token = os.environ.get(args.token_env) if args.transport == "stdio" else None
    serve(args.url, transport=args.transport, token=token, host=args.host, port=args.port)
    return 0
