"""``POST /pachinco/generate`` (a chunked NDJSON stream), its cancel, and the prompt dry run.

The stream is chunked HTTP rather than a WebSocket: one JSON object per line, flushed as it is
produced, so any HTTP client (``fetch`` with a reader, ``curl -N``) can follow it. A client
that drops the connection cancels its generation, as ``/generate/cancel`` does.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..backends import BackendError
from .handlers import PachincoHandler
from .ndjson import NdjsonStreamHandler, StreamCancelHandler, StreamingService
from .validation import BadRequest, read_generate_body


class GenerateHandler(NdjsonStreamHandler):
    """Streams the answer to an intent as NDJSON lines (see the OpenAPI description)."""

    def streaming_service(self) -> StreamingService:
        return self.pachinco.generation

    def read_body(self, raw: bytes) -> Any:
        return read_generate_body(raw)


class CancelHandler(StreamCancelHandler):
    """``POST /pachinco/generate/cancel``: stop a running generation by its request id."""

    def streaming_service(self) -> StreamingService:
        return self.pachinco.generation


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
