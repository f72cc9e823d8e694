"""`GET /pachinco/status` on a real Jupyter server."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

import jupyter_pachinco

Fetch = Callable[..., Awaitable[Any]]


async def test_status_with_token_returns_version_and_backend(jp_fetch: Fetch) -> None:
    response = await jp_fetch("pachinco", "status")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert body["version"] == jupyter_pachinco.__version__
    assert body["backend"] in {"transformers", "openai"}
    assert isinstance(body["model"], str)
    assert body["model"]


async def test_status_without_token_is_forbidden(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("pachinco", "status", headers={"Authorization": ""})
    assert info.value.code == 403
