"""``POST /pachinco/complete`` (inline completions, a chunked NDJSON stream) and its cancel.

The browser sends one request per pause in typing, and on the next keystroke both aborts it
(the dropped connection cancels the generation) and posts ``/complete/cancel``, so the model
stops at once even where a proxy keeps the connection open.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .completion_validation import read_complete_body
from .handlers import PachincoHandler
from .ndjson import NdjsonStreamHandler
from .validation import BadRequest, read_cancel_body


class CompleteHandler(NdjsonStreamHandler):
    """Streams one inline completion as NDJSON lines (see the OpenAPI description)."""

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
        await self.stream_lines(service, body, cancellation)


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
