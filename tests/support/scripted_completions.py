"""A scripted OpenAI-compatible ``/v1/completions`` server for inline completions (plain asyncio).

It speaks real HTTP/1.1 and Server-Sent Events (``stream=true``, chunked), takes the OpenAI
``suffix`` field, and answers by `CompletionRule`: the first rule whose ``after`` the prompt
ends with streams its ``words``, one every ``delay_s`` seconds; no rule, no words. A word
counts as a token: words past ``max_tokens`` are not sent and the answer ends with
``finish_reason: "length"``. Every request
is logged (`CompletionLog`) with how it ended: ``finished``, or ``cancelled`` when the client
closed the connection mid-stream. ``GET /log`` returns the log as JSON, for browser tests.

Used by the completion tests (pytest and galata) and the cancellation benchmark. Not the
shared ``tests/backends/sse_server.py``: that one streams whole scripts without pauses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CompletionRule:
    """Answer prompts that end with ``after`` with ``words``, ``delay_s`` seconds apart."""

    after: str
    words: tuple[str, ...]
    delay_s: float = 0.0


@dataclass
class CompletionLog:
    """One request: the end of its prompt, its suffix, and how it ended (times in seconds)."""

    prompt_tail: str
    suffix: str | None
    state: str = "streaming"  # then "finished" or "cancelled"
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    words_sent: int = 0


@dataclass
class ScriptedCompletions:
    rules: list[CompletionRule]
    log: list[CompletionLog] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _ended: asyncio.Condition | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> ScriptedCompletions:
        self._ended = asyncio.Condition()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 5)

    async def wait_ended(self, index: int) -> CompletionLog:
        """Wait until request ``index`` has ended; its log entry."""
        assert self._ended is not None
        async with self._ended:
            await self._ended.wait_for(
                lambda: len(self.log) > index and self.log[index].state != "streaming"
            )
        return self.log[index]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        request = await _read_request(reader)
        if request is None:
            return False
        method, path, body = request
        if method == "GET" and path == "/log":
            payload = json.dumps([asdict(entry) for entry in self.log]).encode()
            writer.write(_head(200, "application/json", len(payload)) + payload)
            await writer.drain()
            return True
        prompt = str(body.get("prompt", ""))
        entry = CompletionLog(prompt_tail=prompt[-200:], suffix=body.get("suffix"))
        self.log.append(entry)
        rule = next((r for r in self.rules if prompt.endswith(r.after)), None)
        written = rule.words if rule else ()
        words = written[: int(body.get("max_tokens", 10_000))]
        writer.write(_head(200, "text/event-stream", None))
        await writer.drain()
        closed = asyncio.ensure_future(reader.read(1))  # b"" once the client hangs up
        try:
            for word in words:
                if rule is not None and rule.delay_s:
                    await asyncio.wait([closed], timeout=rule.delay_s)
                if closed.done():
                    await self._end(entry, "cancelled")
                    return False
                writer.write(_chunked(_event({"text": word, "index": 0, "finish_reason": None})))
                await writer.drain()
                entry.words_sent += 1
            # a word is a token here: an answer cut by `max_tokens` ends with "length"
            reason = "length" if len(words) < len(written) else "stop"
            finish = {"text": "", "index": 0, "finish_reason": reason}
            writer.write(_chunked(_event(finish)) + _chunked("data: [DONE]\n\n") + b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            await self._end(entry, "cancelled")
            return False
        finally:
            closed.cancel()
        await self._end(entry, "finished")
        return False  # one request per connection keeps hang-up detection simple

    async def _end(self, entry: CompletionLog, state: str) -> None:
        entry.state, entry.ended = state, time.monotonic()
        assert self._ended is not None
        async with self._ended:
            self._ended.notify_all()


def _event(choice: dict[str, Any]) -> str:
    chunk = {"id": "c", "object": "text_completion", "created": 0, "model": "m"}
    return f"data: {json.dumps({**chunk, 'choices': [choice]})}\n\n"


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, Any]] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    raw = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, path, json.loads(raw) if raw else {}


def _head(status: int, content_type: str, length: int | None) -> bytes:
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{size}\r\n"
        "Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
    ).encode()


def _chunked(text: str) -> bytes:
    data = text.encode()
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def start_scripted_completions(rules: list[CompletionRule], port: int = 0) -> str:
    """Run the server for the rest of the process (a test server's model); its base URL."""
    ready = threading.Event()
    found: dict[str, str] = {}

    async def serve() -> None:
        async with ScriptedCompletions(rules, port=port) as server:
            found["base_url"] = server.base_url
            ready.set()
            await asyncio.Event().wait()  # until the process ends

    threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
    if not ready.wait(30):
        raise RuntimeError("The scripted completions server did not start within 30 s.")
    return found["base_url"]
