"""The streaming half shared by ``/pachinco/generate`` and ``/pachinco/complete``.

Both answer with chunked NDJSON: one JSON object per line, flushed as it is produced. A client
that drops the connection cancels the request's `Cancellation`, as the matching ``/cancel``
endpoint does; the request id is released when the stream ends, however it ends.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..backends import Cancellation
from .handlers import PachincoHandler
from .sessions import GenerationSessions
from .validation import BadRequest, read_cancel_body

NDJSON = "application/x-ndjson"

SendLine = Callable[[dict[str, Any]], Awaitable[bool]]


class StreamingService(Protocol):
    """What a streaming endpoint's service offers (``GenerationService``, ``CompletionService``)."""

    @property
    def sessions(self) -> GenerationSessions: ...

    async def stream(self, body: Any, cancellation: Cancellation, send: SendLine) -> None: ...


class NdjsonStreamHandler(PachincoHandler):
    """``POST``: read the body (`read_body`), register its request id with the service
    (`streaming_service`; a second stream with a running id is a 409), then stream the
    service's lines as NDJSON (`stream_lines`). A bad body is a 4xx JSON error."""

    _cancellation: Cancellation | None = None

    def streaming_service(self) -> StreamingService:
        raise NotImplementedError

    def read_body(self, raw: bytes) -> Any:
        """The request's body, validated; raises `BadRequest`."""
        raise NotImplementedError

    @web.authenticated
    @authorized
    async def post(self) -> None:
        service = self.streaming_service()
        try:
            body = self.read_body(self.request.body)
            cancellation = service.sessions.start(body.request_id)
        except BadRequest as error:
            self.refuse(error)
            return
        await self.stream_lines(service, body, cancellation)

    async def stream_lines(
        self, service: StreamingService, body: Any, cancellation: Cancellation
    ) -> None:
        """Send ``service.stream``'s lines to the client, then release ``body.request_id``."""
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


class StreamCancelHandler(PachincoHandler):
    """``POST {"request_id": ...}``: stop that running stream of `streaming_service`; answers
    ``{"cancelled": false}`` for an id that is unknown or already finished."""

    def streaming_service(self) -> StreamingService:
        raise NotImplementedError

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            request_id = read_cancel_body(self.request.body)
        except BadRequest as error:
            self.refuse(error)
            return
        self.answer({"cancelled": self.streaming_service().sessions.cancel(request_id)})
