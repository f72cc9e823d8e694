"""A small OpenAI-compatible HTTP server that can misbehave on purpose (plain asyncio).

It speaks enough HTTP/1.1 and Server-Sent Events for ``/v1/completions`` and
``/v1/chat/completions`` with ``stream=true``; each request is answered by the next
`Behaviour` in its script (the last one repeats). Used by the fault tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["ok", "status", "stall_headers", "stall_mid", "malformed", "drop", "no_finish"]


@dataclass(frozen=True)
class Behaviour:
    """How to answer one request."""

    kind: Kind = "ok"
    status: int = 200
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    words: tuple[str, ...] = ("df", "['price']", ".mean()")
    honour_n: bool = True  # False: one choice whatever `n` asks, like llama.cpp


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class FakeOpenAIServer:
    script: list[Behaviour]
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _stalled: list[asyncio.Event] = field(default_factory=list)
    _connections: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> FakeOpenAIServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for stalled in self._stalled:
            stalled.set()
        assert self._server is not None
        self._server.close()
        for writer in self._connections.values():
            writer.close()  # idle keep-alive connections: their handlers see EOF and end
        if self._connections:
            await asyncio.wait(set(self._connections), timeout=5)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            while True:
                seen = await _read_request(reader)
                if seen is None:
                    return
                self.requests.append(seen)
                behaviour = self.script[min(len(self.requests), len(self.script)) - 1]
                if not await self._answer(behaviour, seen, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _stall(self) -> None:
        stalled = asyncio.Event()
        self._stalled.append(stalled)
        await stalled.wait()

    async def _answer(
        self, how: Behaviour, seen: SeenRequest, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False when the connection must be closed afterwards."""
        if how.kind == "stall_headers":
            await self._stall()
            return False
        if how.kind == "status":
            payload = how.body.encode()
            head = _head(how.status, "application/json", how.headers, len(payload))
            writer.write(head + payload)
            await writer.drain()
            return True
        writer.write(_head(200, "text/event-stream", how.headers, None))
        chunks = sse_chunks(seen, how)
        if how.kind in ("stall_mid", "malformed", "drop"):
            chunks = chunks[:2]
        if how.kind == "no_finish":
            chunks = [*chunks[:2], "data: [DONE]\n\n"]
        for chunk in chunks:
            writer.write(_chunked(chunk))
            await writer.drain()
        if how.kind == "stall_mid":
            await self._stall()
            return False
        if how.kind == "malformed":
            writer.write(_chunked("data: {this is not json\n\n"))
        if how.kind == "drop":
            writer.transport.abort()
            return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


async def _read_request(reader: asyncio.StreamReader) -> SeenRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return SeenRequest(path, headers, json.loads(body) if body else {})


def _head(
    status: int, content_type: str, extra: tuple[tuple[str, str], ...], length: int | None
) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    lines += [f"{name}: {value}" for name, value in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunked(text: str) -> bytes:
    data = text.encode()
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def sse_chunks(seen: SeenRequest, how: Behaviour) -> list[str]:
    """The SSE events of a well-behaved streamed answer to `seen`."""
    chat = seen.path.endswith("/chat/completions")
    choices = int(seen.body.get("n", 1)) if how.honour_n else 1
    limit = int(seen.body.get("max_tokens", 10_000))
    words = how.words[:limit]
    events = []
    for position, word in enumerate(words):
        for k in range(choices):
            last = position == len(words) - 1
            reason = ("length" if len(how.words) > limit else "stop") if last else None
            part = {"delta": {"content": word}} if chat else {"text": word}
            choice = {"index": k, "finish_reason": reason, **part}
            events.append(
                {"id": "x", "object": "chunk", "created": 0, "model": "m", "choices": [choice]}
            )
    usage = {
        "prompt_tokens": 3,
        "completion_tokens": len(words) * choices,
        "total_tokens": 3 + len(words) * choices,
    }
    events.append(
        {"id": "x", "object": "chunk", "created": 0, "model": "m", "choices": [], "usage": usage}
    )
    return [f"data: {json.dumps(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]


@contextlib.contextmanager
def serving_in_thread(script: list[Behaviour]) -> Iterator[FakeOpenAIServer]:
    """The server on an event loop of its own in a thread, for synchronous tests (kernels)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeOpenAIServer(script)
    asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
