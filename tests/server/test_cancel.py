"""Cancelling a generation: by request id, and by dropping the connection."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from jupyter_pachinco.server.services import PachincoServices
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

from .conftest import Fetch, generate, generate_body, post_json, until

STALLING = Behaviour(kind="stall_mid", words=("df", "['fare']", ".mean()", "\n"))


@pytest.fixture
def script() -> list[Behaviour]:
    """The model sends two pieces of its answer, then goes silent until cancelled."""
    return [STALLING]


def pachinco_app(jp_serverapp: Any) -> PachincoServices:
    app: PachincoServices = jp_serverapp.web_app.settings["pachinco"]
    return app


def delta_text(ndjson: bytes) -> str:
    """The streamed text of the complete NDJSON lines received so far."""
    complete = ndjson.decode("utf-8", errors="replace").split("\n")[:-1]
    events = [json.loads(line) for line in complete]
    return "".join(event["text"] for event in events if event["type"] == "delta")


async def wait_until_running(app: PachincoServices, fake: FakeOpenAIServer, count: int = 1) -> None:
    await until(lambda: len(fake.requests) >= count and len(app.generation.sessions) >= count)


async def test_cancel_stops_the_generation_and_the_stream_ends_cancelled(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    body = generate_body()
    received: list[bytes] = []
    streaming = asyncio.ensure_future(
        jp_fetch(
            "pachinco",
            "generate",
            method="POST",
            body=json.dumps(body),
            streaming_callback=received.append,
        )
    )
    await wait_until_running(pachinco_app(jp_serverapp), fake_openai)
    # cancel once both pieces reached the browser's side, however loaded the machine is
    await until(lambda: "['fare']" in delta_text(b"".join(received)))
    response = await post_json(
        jp_fetch, "pachinco", "generate", "cancel", body={"request_id": body["request_id"]}
    )
    assert json.loads(response.body) == {"cancelled": True}
    await streaming
    lines = [json.loads(line) for line in b"".join(received).decode().splitlines()]
    assert delta_text(b"".join(received)) == "df['fare']"
    answer = next(line for line in lines if line["type"] == "answer")
    assert answer["finish_reason"] == "cancelled"
    assert lines[-1] == {"type": "done", "finish_reasons": ["cancelled"]}
    assert len(pachinco_app(jp_serverapp).generation.sessions) == 0


async def test_cancel_of_an_unknown_or_finished_request_says_false(jp_fetch: Fetch) -> None:
    response = await post_json(
        jp_fetch, "pachinco", "generate", "cancel", body={"request_id": "never-started"}
    )
    assert response.code == 200
    assert json.loads(response.body) == {"cancelled": False}


async def test_a_running_request_id_cannot_start_twice(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    body = generate_body()
    streaming = asyncio.ensure_future(generate(jp_fetch, body))
    await wait_until_running(pachinco_app(jp_serverapp), fake_openai)
    second = await post_json(jp_fetch, "pachinco", "generate", body=body)
    assert second.code == 409
    assert "already running" in json.loads(second.body)["message"]
    await post_json(
        jp_fetch, "pachinco", "generate", "cancel", body={"request_id": body["request_id"]}
    )
    assert (await streaming)[-1]["type"] == "done"


async def test_dropping_the_connection_cancels_the_generation(
    jp_serverapp: Any,
    http_server_client: Any,  # makes the server listen on jp_http_port
    jp_http_port: int,
    jp_base_url: str,
    fake_openai: FakeOpenAIServer,
) -> None:
    app = pachinco_app(jp_serverapp)
    payload = json.dumps(generate_body()).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    token = jp_serverapp.identity_provider.token
    head = (
        f"POST {jp_base_url}pachinco/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: token {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    status = await reader.readline()
    assert b" 200 " in status
    await wait_until_running(app, fake_openai)
    await reader.readuntil(b'"type": "delta"')  # the stream has begun
    writer.close()
    await writer.wait_closed()
    # The server notices the closed connection, cancels, and forgets the generation.
    await until(lambda: len(app.generation.sessions) == 0)
    assert len(app.generation.sessions) == 0
