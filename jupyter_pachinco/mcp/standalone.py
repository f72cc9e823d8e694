"""``jupyter-pachinco mcp``: the tools as a standalone MCP server on the official SDK
(``mcp.server.mcpserver.MCPServer``), for Claude Code, Codex and other MCP clients, talking to
a running Jupyter server by its URL.

Two transports, one set of tools (``tools.TOOLS``, bound here to this process's API client):

- **stdio** (the client starts this command): the Jupyter token comes from an environment
  variable (``JUPYTER_TOKEN`` unless ``--token-env`` names another; never from the command
  line, where other users could read it) and goes with every call;
- **streamable HTTP** (``--transport http``, bound to 127.0.0.1 by default): each client
  authenticates with ``Authorization: Bearer <its Jupyter token>``. The SDK's bearer
  middleware asks `JupyterTokenVerifier`, which asks the Jupyter server (``GET /api/me``):
  the server's own token or identity provider decides, never a password of ours. A tool call
  then carries that client's own token to the Jupyter server, which authorizes it again.
"""

from __future__ import annotations

import hashlib
import logging
import time

import httpx
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from ..version import __version__
from .jupyter_api import JupyterAPI, ToolFailure
from .specs import Resolver, bind
from .tools import TOOLS

SERVER_NAME = "jupyter-pachinco"
INSTRUCTIONS = (
    "Pachinco knows the user's live pandas DataFrames and can try code without changing "
    "anything: read a notebook's context and variables' schemas, trial-run candidates in "
    "forks of its kernel, work step by step in a scratch copy of it, ask the Pachinco "
    "assistant for explained cells, and insert cells."
)
#: How long a verified token is trusted before the Jupyter server is asked again.
VERIFIED_FOR_S = 60.0


def build_server(resolve: Resolver, **settings: object) -> MCPServer:
    """An SDK server holding every tool, bound to ``resolve``; ``settings`` go to
    `MCPServer` (``token_verifier`` and ``auth`` for HTTP)."""
    server: MCPServer = MCPServer(
        SERVER_NAME,
        instructions=INSTRUCTIONS,
        version=__version__,
        **settings,  # type: ignore[arg-type]
    )
    for spec in TOOLS:
        server.add_tool(
            bind(spec, resolve, ToolError),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
            structured_output=False,
        )
    return server


class JupyterTokenVerifier:
    """The SDK's `TokenVerifier`: a bearer token is good when the Jupyter server accepts it
    (``GET /api/me`` answers 200). Good answers are remembered for `VERIFIED_FOR_S`, by a
    digest of the token (the token itself is never kept as a key or logged)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.client = client
        self._verified: dict[str, tuple[float, AccessToken]] = {}

    async def verify_token(self, token: str) -> AccessToken | None:
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        known = self._verified.get(key)
        if known is not None and time.monotonic() - known[0] < VERIFIED_FOR_S:
            return known[1]
        try:
            response = await self.client.get(
                self.base_url + "api/me", headers={"Authorization": f"token {token}"}
            )
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            self._verified.pop(key, None)
            return None
        try:
            who = str(response.json().get("identity", {}).get("username") or "jupyter-user")
        except ValueError:
            return None
        access = AccessToken(token=token, client_id=who, scopes=[])
        self._verified[key] = (time.monotonic(), access)
        return access


def stdio_resolver(base_url: str, token: str, client: httpx.AsyncClient) -> Resolver:
    api = JupyterAPI(base_url, f"token {token}", client)

    async def resolve() -> JupyterAPI:
        return api

    return resolve


def http_resolver(base_url: str, client: httpx.AsyncClient) -> Resolver:
    async def resolve() -> JupyterAPI:
        access = get_access_token()
        if access is None:  # the bearer middleware lets no such request through
            raise ToolFailure("This call carries no verified Jupyter token.")
        return JupyterAPI(base_url, f"token {access.token}", client)

    return resolve


def serve(
    base_url: str,
    *,
    transport: str,
    token: str | None,
    host: str = "127.0.0.1",
    port: int = 8765,
) -> None:
    """Run until the client goes away (stdio) or the process is stopped (HTTP)."""
    # One INFO line per call to the Jupyter server would flood the client's log (stderr).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    client = JupyterAPI.make_client()
    if transport == "stdio":
        if not token:
            raise SystemExit("The Jupyter token is missing: set it in the environment variable.")
        build_server(stdio_resolver(base_url, token, client)).run("stdio")
        return
    verifier = JupyterTokenVerifier(base_url, client)
    auth = AuthSettings(issuer_url=base_url, resource_server_url=None)  # type: ignore[arg-type]
    server = build_server(http_resolver(base_url, client), token_verifier=verifier, auth=auth)
    server.run("streamable-http", host=host, port=port)
