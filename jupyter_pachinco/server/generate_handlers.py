"""``POST /pachinco/generate`` (a chunked NDJSON stream), its cancel, and the prompt dry run.

The stream is chunked HTTP rather than a WebSocket: one JSON object per line, flushed as it is
produced, so any HTTP client (``fetch`` with a reader, ``curl -N``) can follow it. A client
that drops the connection cancels its generation, as ``/generate/cancel`` does.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..backends import BackendError, Cancellation
from .handlers import PachincoHandler
from .validation import BadRequest, read_cancel_body, read_generate_body

NDJSON = "application/x-ndjson"


class GenerateHandler(PachincoHandler):
    """Streams the answer to an intent as NDJSON lines (see the OpenAPI description)."""

    _cancellation: Cancellation | None = None

    @web.authenticated
    @authorized
    async def post(self) -> None:
        service = self.pachinco.generation
        try:
            body = read_generate_body(self.request.body)
            cancellation = service.sessions.start(body.request_id)
        except BadRequest as error:
            self.refuse(error)
            return
        self._cancellation = cancellation
        self.set_header("Content-Type", NDJSON)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")  # proxies must not hold lines back
        try:
            await service.stream(body, cancellation, self.send_line)
        finally:
            service.sessions.finish(body.request_id)
        self.finish(set_content_type=NDJSON)

    async def send_line(self, line: dict[str, Any]) -> bool:
        """Write and flush one line; False when the client has gone away."""
        try:
            self.write(json.dumps(line) + "\n")
            await self.flush()
        except StreamClosedError:
            return False
        return True

    def on_connection_close(self) -> None:
        if self._cancellation is not None:
            self._cancellation.cancel()
        super().on_connection_close()


class CancelHandler(PachincoHandler):
    """``POST /pachinco/generate/cancel``: stop a running generation by its request id."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            request_id = read_cancel_body(self.request.body)
        except BadRequest as error:
            self.refuse(error)
            return
        self.answer({"cancelled": self.pachinco.generation.sessions.cancel(request_id)})


class PromptHandler(PachincoHandler):
    """``POST /pachinco/prompt``: the exact prompt ``/generate`` would send for this body."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = read_generate_body(self.request.body)
        except BadRequest as error:
            self.refuse(error)
            return
        try:
            prompt = await self.pachinco.generation.prompt(body)
        except BackendError as error:
            # The server's model settings cannot work: not the client's fault, so not a 4xx.
            self.refuse(BadRequest(str(error), status=503))
            return
        if isinstance(prompt, str):
            self.answer({"prompt": prompt})
        else:
            self.answer({"prompt": [{"role": m.role, "content": m.content} for m in prompt]})


generate_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/generate", GenerateHandler),
    (r"/pachinco/generate/cancel", CancelHandler),
    (r"/pachinco/prompt", PromptHandler),
]
