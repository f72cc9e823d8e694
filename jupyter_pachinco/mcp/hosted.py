"""The same tools inside the Jupyter server, for ``jupyter-server-mcp`` (Jupyter AI 3's MCP
server), registered through its entry points; loaded only by that extension.

What ``jupyter-server-mcp`` 0.4.1 offers, read in its code: its ``jupyter_server_mcp.tools``
entry points name functions as ``"module:function"`` strings, which it registers with FastMCP
by name and docstring (``mcp.tool(function)``), so a tool's JSON schema comes from the
function's signature, as the SDK server builds it, but its annotations cannot be given that
way (FastMCP's decorator replaces any metadata the function carries). Its
``jupyter_server_mcp.middleware`` entry points add FastMCP middleware to every request:
`ToolAnnotationsMiddleware` sets our tools' titles and annotations in ``tools/list``.

Its MCP port is served outside Jupyter's own authentication (it checks only the Host and
Origin headers). Our tools therefore demand the caller's Jupyter token in the request's
``Authorization`` header (``token <t>`` or ``Bearer <t>``) and pass it on with every call to
this server's HTTP API, which authenticates and authorizes it as it does any request; a call
without one is refused with what to configure. The tools reach the API at this server's own
URL (``ServerApp.connection_url``): one implementation, one way to the services.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

import httpx
from fastmcp.exceptions import ToolError
from fastmcp.server.dependencies import get_http_headers
from fastmcp.server.middleware import Middleware, MiddlewareContext
from jupyter_server.serverapp import ServerApp

from .jupyter_api import JupyterAPI, ToolFailure
from .specs import ToolFunction, bind
from .tools import TOOLS

MISSING_TOKEN = (
    "This MCP server runs outside the Jupyter server's own authentication, so Pachinco's "
    "tools need the Jupyter token on every request: configure the MCP client to send the "
    "header 'Authorization: token <your Jupyter token>'."
)

#: One connection pool per event loop (a pool is bound to the loop that opened it).
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = JupyterAPI.make_client()
    return client


async def _resolve() -> JupyterAPI:
    header = get_http_headers(include={"authorization"}).get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() not in ("token", "bearer") or not credential.strip():
        raise ToolFailure(MISSING_TOKEN)
    return JupyterAPI(ServerApp.instance().connection_url, f"token {credential.strip()}", _client())


_FUNCTIONS: dict[str, ToolFunction] = {spec.name: bind(spec, _resolve, ToolError) for spec in TOOLS}


def __getattr__(name: str) -> ToolFunction:
    """``jupyter_pachinco.mcp.hosted:<tool name>``, as the entry point's specs name them."""
    try:
        return _FUNCTIONS[name]
    except KeyError:
        raise AttributeError(name) from None


def tool_specs() -> list[str]:
    """The ``jupyter_server_mcp.tools`` entry point: our tools as ``module:function``."""
    return [f"{__name__}:{spec.name}" for spec in TOOLS]


class ToolAnnotationsMiddleware(Middleware):
    """Gives our tools, as ``tools/list`` shows them, their titles and annotations."""

    async def on_list_tools(self, context: MiddlewareContext[Any], call_next: Any) -> Sequence[Any]:
        listed: Sequence[Any] = await call_next(context)
        specs = {spec.name: spec for spec in TOOLS}
        return [
            tool.model_copy(
                update={
                    "annotations": specs[tool.name].annotations,
                    "title": specs[tool.name].title,
                }
            )
            if tool.name in specs
            else tool
            for tool in listed
        ]
