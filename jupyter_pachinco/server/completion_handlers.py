"""``POST /pachinco/complete`` (inline completions, a chunked NDJSON stream) and its cancel.

The browser sends one request per pause in typing, and on the next keystroke both aborts it
(the dropped connection cancels the generation) and posts ``/complete/cancel``, so the model
stops at once even where a proxy keeps the connection open.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..backends import Cancellation
from .completion_validation import read_complete_body
from .handlers import PachincoHandler
from .validation import BadRequest, read_cancel_body

NDJSON = "application/x-ndjson"


class CompleteHandler(PachincoHandler):
    """Streams one inline completion as NDJSON lines (see the OpenAPI description)."""

    _cancellation: Cancellation | None = None

    @web.authenticated
    @authorized
    async def post(self) -> None:
        service = self.pachinco.completions
        try:
            body = read_complete_body(self.request.body)
            cancellation = service.sessions.start(body.request_id)
        except BadRequest as error:
            self.refuse(error)
            return
        self._cancellation = cancellation
        self.set_header("Content-Type", NDJSON)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
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


class CompleteCancelHandler(PachincoHandler):
    """``POST /pachinco/complete/cancel``: stop a running completion by its request id."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            request_id = read_cancel_body(self.request.body)
        except BadRequest as error:
            self.refuse(error)
            return
        self.answer({"cancelled": self.pachinco.completions.sessions.cancel(request_id)})


completion_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/complete", CompleteHandler),
    (r"/pachinco/complete/cancel", CompleteCancelHandler),
]
