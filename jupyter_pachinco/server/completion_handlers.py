"""``POST /pachinco/complete`` (inline completions, a chunked NDJSON stream) and its cancel.

The browser sends one request per pause in typing, and on the next keystroke both aborts it
(the dropped connection cancels the generation) and posts ``/complete/cancel``, so the model
stops at once even where a proxy keeps the connection open.
"""

from __future__ import annotations

from typing import Any

from .completion_validation import read_complete_body
from .handlers import PachincoHandler
from .ndjson import NdjsonStreamHandler, StreamCancelHandler, StreamingService


class CompleteHandler(NdjsonStreamHandler):
    """Streams one inline completion as NDJSON lines (see the OpenAPI description)."""

    def streaming_service(self) -> StreamingService:
        return self.pachinco.completions

    def read_body(self, raw: bytes) -> Any:
        return read_complete_body(raw)


class CompleteCancelHandler(StreamCancelHandler):
    """``POST /pachinco/complete/cancel``: stop a running completion by its request id."""

    def streaming_service(self) -> StreamingService:
        return self.pachinco.completions


completion_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/complete", CompleteHandler),
    (r"/pachinco/complete/cancel", CompleteCancelHandler),
]
