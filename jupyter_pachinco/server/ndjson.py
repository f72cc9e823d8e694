"""The streaming half shared by ``/pachinco/generate`` and ``/pachinco/complete``.

Both answer with chunked NDJSON: one JSON object per line, flushed as it is produced. A client
that drops the connection cancels the request's `Cancellation`, as the matching ``/cancel``
endpoint does; the request id is released when the stream ends, however it ends.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from tornado.iostream import StreamClosedError

from ..backends import Cancellation
from .handlers import PachincoHandler

NDJSON = "application/x-ndjson"

SendLine = Callable[[dict[str, Any]], Awaitable[bool]]


class Sessions(Protocol):
    def finish(self, request_id: str) -> None: ...


class StreamingService(Protocol):
    """What a streaming endpoint's service offers (``GenerationService``, ``CompletionService``)."""

    @property
    def sessions(self) -> Sessions: ...

    async def stream(self, body: Any, cancellation: Cancellation, send: SendLine) -> None: ...


class NdjsonStreamHandler(PachincoHandler):
    """A handler whose ``post`` streams a service's lines as NDJSON (`stream_lines`)."""

    _cancellation: Cancellation | None = None

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
