"""``POST /pachinco/agent`` (a chunked NDJSON stream) and ``POST /pachinco/agent/cancel``.

Thin: the body is read by ``agent_validation``, the work done by ``agent_service``, the
streaming, the request ids and the cancel by the handlers ``ndjson`` shares with
``/generate`` and ``/complete``. A dropped connection stops the run and its scratch.
"""

from __future__ import annotations

from typing import Any

from .agent_validation import read_agent_body
from .handlers import PachincoHandler
from .ndjson import NdjsonStreamHandler, StreamCancelHandler, StreamingService


class AgentHandler(NdjsonStreamHandler):
    """Streams an agent run as NDJSON lines (see the OpenAPI description, ``AgentLine``)."""

    def streaming_service(self) -> StreamingService:
        return self.pachinco.agent

    def read_body(self, raw: bytes) -> Any:
        return read_agent_body(raw)


class AgentCancelHandler(StreamCancelHandler):
    """``POST /pachinco/agent/cancel``: stop a running agent by its request id."""

    def streaming_service(self) -> StreamingService:
        return self.pachinco.agent


agent_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/agent", AgentHandler),
    (r"/pachinco/agent/cancel", AgentCancelHandler),
]
