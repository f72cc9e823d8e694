"""The one fake OpenAI-compatible model server of the tests (plain asyncio): scripted answers,
misbehaviour on purpose, and a record of what it was asked.

It speaks enough HTTP/1.1 and Server-Sent Events for ``/v1/completions`` and
``/v1/chat/completions`` with ``stream=true`` (the OpenAI ``suffix`` field included); each
request is answered by the next `Behaviour` in its script (the last one repeats). A word of a
script counts as a token: words past the request's ``max_tokens`` are not sent and the answer
ends with ``finish_reason: "length"``; a script without words answers an empty text. Used by the
backend, server and magic tests, inline completions (pytest and galata), the benchmarks and the
browser tests.

Scripts per request and per choice:

- a `Behaviour` with ``choices`` gives each of the ``n`` choices of one request its own text
  (choice ``k`` streams ``choices[k % len(choices)]``), interleaved as real servers do, each
  event carrying its choice ``index``;
- `Rule` s pick the script by request content: the first rule whose ``contains`` occurs in the
  request's last user message (chat) or prompt (completions), or with ``ends_with`` that the
  prompt ends with (the text before a completion's cursor), answers with its own script (its
  own counter); requests no rule matches use the default script.

``GET /v1/models`` lists `FakeOpenAIServer.models` (what the model picker asks a server).
What the server saw is kept in `FakeOpenAIServer.requests` (each with its `state`:
``streaming``, ``done`` or ``closed_by_client``, its times and how many events it was sent) and
served as JSON at ``GET /_script/status``; `FakeOpenAIServer.wait_ended` waits for a request
to end.
``POST /_script/down`` closes the model listener (connections are refused, open streams cut)
and ``POST /_script/up`` opens it again on the same port; both, and the status, are also served
on the optional control port, which stays up while the model is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
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
    #: Per-choice texts, each a tuple of streamed pieces; choice k gets ``choices[k % len]``.
    #: Empty: every choice streams `words`.
    choices: tuple[tuple[str, ...], ...] = ()
    #: Seconds between two events of the stream (a slow model, for Stop and disconnects).
    delay_s: float = 0.0
    #: Chat only: pieces of thinking streamed before the text, in the delta field
    #: `reasoning_field` (``reasoning_content``: DeepSeek, vLLM, llama.cpp; ``reasoning``: Ollama).
    reasoning: tuple[str, ...] = ()
    reasoning_field: str = "reasoning_content"


@dataclass(frozen=True)
class Rule:
    """Answer requests whose last user message (chat) or prompt (completions) contains
    `contains` with `script` (the next behaviour per matching request; the last repeats)."""

    contains: str
    script: tuple[Behaviour, ...]
    ends_with: bool = False  # match the end of the prompt, not anywhere in it

    def matches(self, asked: str) -> bool:
        return asked.endswith(self.contains) if self.ends_with else self.contains in asked


RequestState = Literal["streaming", "done", "closed_by_client"]


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    #: The `Rule.contains` that chose the answer, or None for the default script.
    rule: str | None = None
    state: RequestState = "streaming"
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    #: Server-sent events written so far.
    events_sent: int = 0

    @property
    def suffix(self) -> str | None:
        """The OpenAI ``suffix`` field of a completions request (the text after the cursor)."""
        suffix = self.body.get("suffix")
        return None if suffix is None else str(suffix)

    @property
    def asked(self) -> str:
        """The text rules are matched against: the last user message, or the prompt."""
        if "messages" not in self.body:
            prompt = self.body.get("prompt", "")
            return prompt if isinstance(prompt, str) else json.dumps(prompt)
        users = [m for m in self.body["messages"] if m.get("role") == "user"]
        content = users[-1].get("content", "") if users else ""
        if isinstance(content, list):  # content parts
            return "".join(str(part.get("text", "")) for part in content)
        return str(content)

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rule": self.rule,
            "state": self.state,
            "n": self.body.get("n", 1),
            "asked": self.asked[-200:],
            "events_sent": self.events_sent,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class FakeOpenAIServer:
    script: list[Behaviour]
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = 0  # 0: a free port, chosen on entry
    rules: tuple[Rule, ...] = ()
    control_port: int | None = None  # a second listener for /_script/* only (0: free port)
    models: tuple[str, ...] = ("scripted",)  # what GET /v1/models lists
    _server: asyncio.Server | None = None
    _control: asyncio.Server | None = None
    _stalled: list[asyncio.Event] = field(default_factory=list)
    _connections: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)
    _ended: asyncio.Condition | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> FakeOpenAIServer:
        await self.up()
        if self.control_port is not None:
            self._control = await asyncio.start_server(
                self._serve_control, "127.0.0.1", self.control_port
            )
            self.control_port = self._control.sockets[0].getsockname()[1]
        return self

    async def up(self) -> None:
        """Listen for model requests (again, on the same port once one was chosen)."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        """Stop listening and cut every open model connection: the model is unreachable."""
        if self._server is not None:
            self._server.close()
            self._server = None
        here = asyncio.current_task()
        for task, writer in list(self._connections.items()):
            if task is not here:  # the connection asking to go down gets its answer
                writer.transport.abort()

    def _script_for(self, seen: SeenRequest) -> list[Behaviour] | tuple[Behaviour, ...]:
        rule = next((r for r in self.rules if r.matches(seen.asked)), None)
        seen.rule = None if rule is None else rule.contains
        # Counted over the kept requests (`seen` included), so clearing them restarts scripts.
        count = sum(1 for earlier in self.requests if earlier.rule == seen.rule)
        script = self.script if rule is None else rule.script
        return [script[min(count, len(script)) - 1]]

    async def wait_ended(self, index: int) -> SeenRequest:
        """Wait until request ``index`` has been asked and has ended; that request."""
        if self._ended is None:
            self._ended = asyncio.Condition()
        async with self._ended:
            await self._ended.wait_for(
                lambda: len(self.requests) > index and self.requests[index].state != "streaming"
            )
        return self.requests[index]

    async def _tell_ended(self) -> None:
        if self._ended is not None:
            async with self._ended:
                self._ended.notify_all()

    def status(self) -> dict[str, Any]:
        """What the server saw, as JSON data (the ``/_script/status`` answer)."""
        return {
            "listening": self._server is not None,
            "requests": [seen.summary() for seen in self.requests],
        }

    async def __aexit__(self, *exc: object) -> None:
        for stalled in self._stalled:
            stalled.set()
        if self._control is not None:
            self._control.close()
        if self._server is not None:
            self._server.close()
        for writer in self._connections.values():
            writer.close()  # idle keep-alive connections: their handlers see EOF and end
        if self._connections:
            await asyncio.wait(set(self._connections), timeout=5)
        for listener in (self._server, self._control):
            if listener is not None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(listener.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            while True:
                seen = await _read_request(reader)
                if seen is None:
                    return
                if seen.path.startswith("/_script/"):
                    await self._control_answer(seen, writer)
                    continue
                if seen.path.rstrip("/").endswith("/models"):
                    await self._list_models(writer)
                    continue
                self.requests.append(seen)
                (behaviour,) = self._script_for(seen)
                try:
                    keep = await self._answer(behaviour, seen, writer, reader)
                finally:
                    if seen.state == "streaming":
                        seen.state = "done"
                    seen.ended = time.monotonic()
                    await self._tell_ended()
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def _serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while (seen := await _read_request(reader)) is not None:
                await self._control_answer(seen, writer)
        writer.close()

    async def _control_answer(self, seen: SeenRequest, writer: asyncio.StreamWriter) -> None:
        if seen.path == "/_script/down":
            await self.down()
        elif seen.path == "/_script/up":
            await self.up()
        elif seen.path != "/_script/status":
            payload = json.dumps({"error": f"no such path: {seen.path}"}).encode()
            writer.write(_head(404, "application/json", (), len(payload)) + payload)
            await writer.drain()
            return
        payload = json.dumps(self.status()).encode()
        writer.write(_head(200, "application/json", (), len(payload)) + payload)
        await writer.drain()

    async def _list_models(self, writer: asyncio.StreamWriter) -> None:
        listed = [{"id": name, "object": "model", "owned_by": "scripted"} for name in self.models]
        payload = json.dumps({"object": "list", "data": listed}).encode()
        writer.write(_head(200, "application/json", (), len(payload)) + payload)
        await writer.drain()

    async def _stall(self) -> None:
        stalled = asyncio.Event()
        self._stalled.append(stalled)
        await stalled.wait()

    async def _answer(
        self,
        how: Behaviour,
        seen: SeenRequest,
        writer: asyncio.StreamWriter,
        reader: asyncio.StreamReader,
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
        if how.delay_s > 0:
            if not await self._stream_slowly(chunks, how.delay_s, seen, writer, reader):
                return False
        else:
            for chunk in chunks:
                writer.write(_chunked(chunk))
                await writer.drain()
                seen.events_sent += 1
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

    async def _stream_slowly(
        self,
        chunks: list[str],
        delay_s: float,
        seen: SeenRequest,
        writer: asyncio.StreamWriter,
        reader: asyncio.StreamReader,
    ) -> bool:
        """Stream with a pause before each event, watching for the client closing the
        connection (an HTTP client sends nothing more on a streamed request, so any end of
        its side means it is gone). False when it went away."""
        gone = asyncio.ensure_future(reader.read(1))
        try:
            for chunk in chunks:
                await asyncio.wait({gone}, timeout=delay_s)
                if gone.done():
                    seen.state = "closed_by_client"
                    return False
                writer.write(_chunked(chunk))
                await writer.drain()
                seen.events_sent += 1
            return True
        except ConnectionError:
            seen.state = "closed_by_client"
            return False
        finally:
            gone.cancel()
            # The reader must be free again before the next request on this connection.
            with contextlib.suppress(asyncio.CancelledError):
                await gone


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
    texts = how.choices or (how.words,)
    per_choice = [texts[k % len(texts)] for k in range(choices)]
    events = []
    for piece in how.reasoning if chat else ():
        for k in range(choices):
            choice = {"index": k, "finish_reason": None, "delta": {how.reasoning_field: piece}}
            events.append(
                {"id": "x", "object": "chunk", "created": 0, "model": "m", "choices": [choice]}
            )
    for position in range(max((min(len(t), limit) for t in per_choice), default=0)):
        for k, text in enumerate(per_choice):
            words = text[:limit]
            if position >= len(words):
                continue
            last = position == len(words) - 1
            reason = ("length" if len(text) > limit else "stop") if last else None
            events.append(_choice_event(chat, k, words[position], reason))
    for k, text in enumerate(per_choice):  # a choice without words: an empty answer
        if not text[:limit]:
            events.append(_choice_event(chat, k, "", "length" if text else "stop"))
    generated = sum(min(len(t), limit) for t in per_choice)
    usage = {"prompt_tokens": 3, "completion_tokens": generated, "total_tokens": 3 + generated}
    events.append(
        {"id": "x", "object": "chunk", "created": 0, "model": "m", "choices": [], "usage": usage}
    )
    return [f"data: {json.dumps(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]


def _choice_event(chat: bool, index: int, text: str, reason: str | None) -> dict[str, Any]:
    part = {"delta": {"content": text}} if chat else {"text": text}
    choice = {"index": index, "finish_reason": reason, **part}
    return {"id": "x", "object": "chunk", "created": 0, "model": "m", "choices": [choice]}


def serve_for_the_process(
    script: list[Behaviour],
    rules: tuple[Rule, ...] = (),
    port: int = 0,
    control_port: int | None = None,
    models: tuple[str, ...] = ("scripted",),
) -> FakeOpenAIServer:
    """The server on an event loop of its own in a daemon thread, for the rest of the process
    (a test web server's model); started when this returns. ``models``: what it lists."""
    ready = threading.Event()
    server = FakeOpenAIServer(
        script, port=port, rules=rules, control_port=control_port, models=models
    )

    async def serve() -> None:
        async with server:
            ready.set()
            await asyncio.Event().wait()  # until the process ends

    threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
    if not ready.wait(30):
        raise RuntimeError("The fake model server did not start within 30 s.")
    return server


@contextlib.contextmanager
def serving_in_thread(
    script: list[Behaviour], rules: tuple[Rule, ...] = ()
) -> Iterator[FakeOpenAIServer]:
    """The server on an event loop of its own in a thread, for synchronous tests (kernels)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeOpenAIServer(script, rules=rules)
    asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextlib.contextmanager
def serving_on(
    loop: asyncio.AbstractEventLoop, server: FakeOpenAIServer
) -> Iterator[FakeOpenAIServer]:
    """``server`` listening on ``loop`` (pytest-jupyter's ``jp_asyncio_loop``, the test web
    server's own) while the block runs: the body of a fixture."""
    loop.run_until_complete(server.__aenter__())
    try:
        yield server
    finally:
        loop.run_until_complete(server.__aexit__(None, None, None))


def answered_by(
    server: FakeOpenAIServer,
    *,
    model: str = "served-model",
    extensions: Mapping[str, bool] | None = None,
    **sections: dict[str, Any],
) -> dict[str, Any]:
    """A test Jupyter server's config: the extension on (and ``extensions``), its model
    ``model`` served by ``server`` with the key in ``PACHINCO_TEST_KEY``, no retries, plus
    other config ``sections`` (e.g. ``PachincoApp={...}``)."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True, **(extensions or {})}},
        "BackendSettings": {
            "base_url": server.base_url,
            "model": model,
            "api_key_env": "PACHINCO_TEST_KEY",
            "max_retries": 0,
        },
        **sections,
    }
