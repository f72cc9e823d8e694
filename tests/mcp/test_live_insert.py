"""Cells inserted into a notebook that is open in a collaborative room reach the open editor at
once: a real Y client (pycrdt, over the room's websocket, as JupyterLab connects) holds the
notebook while an MCP client inserts, and sees the cells arrive (the room saves the file
itself, as it saves any collaborator's edit). The server runs jupyter-collaboration's
``jupyter_server_ydoc``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc, Provider
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.support.fake_openai import FakeOpenAIServer

from .conftest import notebook_session
from .servings import SERVINGS, mcp_client, token_of
from .test_tools import answer_of

pytestmark = pytest.mark.parametrize("serving", SERVINGS)

SYNC_WAIT_S = 30.0


@pytest.fixture
def jp_server_config(fake_openai: FakeOpenAIServer, tmp_path: Path) -> dict[str, Any]:
    return {
        # The room's update store, which would default to a file in the working directory.
        "SQLiteYStore": {"db_path": str(tmp_path / "ystore.db")},
        "ServerApp": {
            "jpserver_extensions": {
                "jupyter_pachinco": True,
                "jupyter_server_mcp": True,
                "jupyter_server_fileid": True,
                "jupyter_server_ydoc": True,
            }
        },
        "MCPExtensionApp": {"mcp_port": 0},
        "BackendSettings": {"base_url": fake_openai.base_url, "model": "served-model"},
    }


class RoomChannel:
    """pycrdt's `Channel` over a tornado websocket client connection."""

    def __init__(self, connection: Any, path: str) -> None:
        self.connection = connection
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self) -> RoomChannel:
        return self

    async def __anext__(self) -> bytes:
        message = await self.connection.read_message()
        if message is None:
            raise StopAsyncIteration
        return message if isinstance(message, bytes) else message.encode()

    async def send(self, message: bytes) -> None:
        await self.connection.write_message(message, binary=True)

    async def recv(self) -> bytes:
        return await self.__anext__()


async def cells_once(notebook: YNotebook, count: int) -> list[dict[str, Any]]:
    """The client's cells once it holds ``count`` of them (the room syncs asynchronously), or
    as they are after `SYNC_WAIT_S`."""
    arrived = asyncio.Event()

    def check(*_: object) -> None:
        if len(notebook.ycells) >= count:
            arrived.set()

    subscription = notebook.ycells.observe(check)
    check()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(arrived.wait(), SYNC_WAIT_S)
    notebook.ycells.unobserve(subscription)
    cells: list[dict[str, Any]] = notebook.get()["cells"]
    return cells


async def test_cells_reach_an_editor_open_in_a_collaborative_room(
    serving: str, jp_serverapp: Any, url: str, jp_fetch: Any
) -> None:
    path = "live.ipynb"
    async with notebook_session(jp_serverapp, path, ["x = 1", "y = 2"]):
        session = await jp_fetch(
            "api", "collaboration", "session", path, method="PUT",
            body=json.dumps({"format": "json", "type": "notebook"}),
        )  # fmt: skip
        file_id = json.loads(session.body)["fileId"]
        room = f"json:notebook:{file_id}"
        # The room's id keeps its colons, as JupyterLab sends it (jp_ws_fetch would escape them).
        ws_url = url.replace("http://", "ws://") + f"api/collaboration/room/{room}?" + urlencode(
            {"sessionId": json.loads(session.body)["sessionId"]}
        )  # fmt: skip
        connection = await websocket_connect(
            HTTPRequest(ws_url, headers={"Authorization": f"token {token_of(jp_serverapp)}"})
        )
        doc: Doc = Doc()
        editor = YNotebook(doc)
        async with Provider(doc, RoomChannel(connection, room)):
            assert [c["source"] for c in await cells_once(editor, 2)] == ["x = 1", "y = 2"]
            async with mcp_client(serving, jp_serverapp, url) as client:
                inserted = answer_of(
                    await client.call_tool(
                        "pachinco_insert_cells",
                        {"notebook_path": path, "index": 1, "intent": "total",
                         "cells": [{"cell_type": "markdown", "source": "1. Add up."},
                                   {"cell_type": "code", "source": "x + y"}]},
                    )
                )  # fmt: skip
            seen = await cells_once(editor, 4)
        connection.close()
    assert (inserted["via"], inserted["index"], inserted["inserted"]) == ("live", 1, 2)
    assert [c["source"] for c in seen] == ["x = 1", "1. Add up.", "x + y", "y = 2"]
    assert [c["cell_type"] for c in seen[1:3]] == ["markdown", "code"]
    assert seen[1]["metadata"]["pachinco"]["intent"] == "total"
    assert [c["id"] for c in seen[1:3]] == inserted["cell_ids"]
