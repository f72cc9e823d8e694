"""Run a blocking generation in a worker thread and stream its events onto the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from .protocol import Cancellation, Event

Emit = Callable[[Event], None]
_END = object()


async def events_from_thread(
    work: Callable[[Emit], None], cancellation: Cancellation
) -> AsyncIterator[Event]:
    """Yield what ``work(emit)`` emits from a worker thread, then re-raise what it raised.

    When the caller stops listening early, ``cancellation`` fires and the thread is awaited,
    so the model is free again before this generator returns.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()

    def emit(item: object) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def run() -> None:
        try:
            work(emit)
        finally:
            emit(_END)

    worker = loop.run_in_executor(None, run)
    ended = False
    try:
        while (item := await queue.get()) is not _END:
            yield item  # type: ignore[misc]
        ended = True
    finally:
        if not ended:
            cancellation.cancel()
        await asyncio.wait({worker})
    await worker
