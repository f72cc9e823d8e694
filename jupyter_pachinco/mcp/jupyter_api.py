"""The MCP tools' one way to the assistant: our HTTP API on a running Jupyter server.

Every call carries the caller's Jupyter credential (``Authorization: token ...``), so the
Jupyter server itself authenticates and authorizes each tool call, with its own token or
identity provider; the tools hold no password of their own and see nothing the server does
not let that credential see (the contents manager keeps every path inside the server's root).

Failures become `ToolFailure` with a message for the model: the API's own ``{"message"}`` for a
refused request (4xx), what to do for a refused credential (401/403) or an unreachable
server. No message ever holds the credential.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx

#: Trial runs wait for every candidate's fork (10 s wall time each by default) and more.
READ_TIMEOUT_S = 600.0
CONNECT_TIMEOUT_S = 10.0
MAX_ERROR_CHARS = 2_000


class ToolFailure(Exception):
    """A tool call that cannot be done; the message says why, for the model to read."""


class JupyterAPI:
    """Our HTTP API at ``base_url`` (the Jupyter server's URL, base path included), called with
    ``authorization`` (a full header value, ``token <jupyter token>``)."""

    def __init__(self, base_url: str, authorization: str, client: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._headers = {"Authorization": authorization}
        self._client = client

    @staticmethod
    def make_client() -> httpx.AsyncClient:
        """A connection pool shared by every call of one MCP server."""
        timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        return httpx.AsyncClient(timeout=timeout, trust_env=False)

    def url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    async def get(self, endpoint: str, /, **params: str | None) -> dict[str, Any]:
        """``GET endpoint?params`` (None values left out); its JSON answer."""
        kept = {name: value for name, value in params.items() if value is not None}
        return await self._call("GET", endpoint, params=kept)

    async def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST endpoint`` with ``body`` as JSON; its JSON answer."""
        return await self._call("POST", endpoint, content=json.dumps(body))

    async def lines(self, path: str, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """The JSON objects of an NDJSON stream, one per line, as they arrive."""
        try:
            async with self._client.stream(
                "POST", self.url(path), content=json.dumps(body), headers=self._headers
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise self._refusal(response)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(
                method, self.url(path), headers=self._headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code != 200:
            raise self._refusal(response)
        try:
            answer: dict[str, Any] = response.json()
        except ValueError as exc:
            raise ToolFailure(f"The Jupyter server's answer to {path} was not JSON.") from exc
        return answer

    def _refusal(self, response: httpx.Response) -> ToolFailure:
        status = response.status_code
        try:
            message = str(response.json().get("message") or "")
        except (ValueError, AttributeError):
            message = ""
        # Our 403s say why (a path outside the root); Jupyter's own say only "Forbidden".
        if status == 401 or (status == 403 and message in ("", "Forbidden")):
            return ToolFailure(
                f"The Jupyter server refused this call ({status}): the Jupyter token is missing, "
                "wrong, or lacks permission for the Pachinco API. Use the token the server "
                "printed at start-up (or `jupyter server list`)."
            )
        if status == 404 and not message:
            message = (
                "not found: is jupyter_pachinco enabled on this Jupyter server "
                "(`jupyter server extension list`)?"
            )
        return ToolFailure(
            f"Refused ({status}): {message or response.reason_phrase}"[:MAX_ERROR_CHARS]
        )

    def _unreachable(self, exc: httpx.HTTPError) -> ToolFailure:
        return ToolFailure(
            f"The Jupyter server at {self.base_url} could not be reached ({type(exc).__name__}). "
            "Is it running, and is this its URL?"
        )


def contents_path(path: str) -> str:
    """``path`` quoted for a URL path segment, slashes kept."""
    return quote(path, safe="/")
