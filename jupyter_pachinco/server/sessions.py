"""Generations in flight, by the client's request id, so that a cancel request can stop one.

Cancelling fires the request's `Cancellation`, which the backend watches (see
`backends.protocol`): the backend stops promptly and finishes each candidate with reason
``cancelled``, so the stream still ends with ``answer`` and ``done`` lines. `RequestBackend` is
how that per-request cancellation reaches the one shared backend.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from ..backends import Backend, Cancellation, Event, Generation, GenerationRequest
from ..backends.settings import BackendSettings
from .validation import BadRequest


class GenerationSessions:
    """The cancellations of the generations running now, by request id."""

    def __init__(self) -> None:
        self._running: dict[str, Cancellation] = {}

    def start(self, request_id: str) -> Cancellation:
        """Register a new generation; a request id already running is refused (409)."""
        if request_id in self._running:
            raise BadRequest(
                f"A generation with request_id {request_id!r} is already running; "
                "use a new id for each request.",
                status=409,
            )
        cancellation = Cancellation()
        self._running[request_id] = cancellation
        return cancellation

    def cancel(self, request_id: str) -> bool:
        """Stop the generation ``request_id``; False when none with that id is running."""
        cancellation = self._running.get(request_id)
        if cancellation is None or cancellation.cancelled:
            return False
        cancellation.cancel()
        return True

    def finish(self, request_id: str) -> None:
        """Forget a generation that has ended."""
        self._running.pop(request_id, None)

    def cancel_all(self) -> None:
        """Stop every generation (the server is shutting down)."""
        for cancellation in self._running.values():
            cancellation.cancel()

    def __len__(self) -> int:
        return len(self._running)


class RequestBackend(Backend):
    """The shared backend, for one request: its generations obey the request's cancellation."""

    name = "request"

    def __init__(self, shared: Backend, cancellation: Cancellation) -> None:
        self.shared = shared
        self.cancellation = cancellation

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> RequestBackend:
        raise TypeError("RequestBackend wraps a built backend; it has no settings of its own.")

    def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        return self.shared.stream(request, cancellation)

    def generate(self, request: GenerationRequest) -> Generation:
        return Generation(self.stream(request, self.cancellation), request, self.cancellation)


class FollowingBackend(Backend):
    """The shared backend, for a request that makes several generations (the agent's): each
    generation has a cancellation of its own, which closing it fires, and which follows the
    request's (a stop or a dropped connection stops the generation in flight)."""

    name = "following"

    def __init__(self, shared: Backend, cancellation: Cancellation) -> None:
        self.shared = shared
        self.cancellation = cancellation

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> FollowingBackend:
        raise TypeError("FollowingBackend wraps a built backend; it has no settings of its own.")

    async def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        follower = asyncio.ensure_future(self._follow(cancellation))
        try:
            async for event in self.shared.stream(request, cancellation):
                yield event
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def _follow(self, own: Cancellation) -> None:
        await self.cancellation.wait()
        own.cancel()
