"""Several event streams read concurrently as one, stopped by cancellation or the first error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

from .protocol import Cancellation

T = TypeVar("T")


class _Done:
    """Marks that one source ended."""


class _Cancelled:
    """Marks that the cancellation fired."""


async def _pump(source: AsyncIterator[T], queue: asyncio.Queue[object]) -> None:
    try:
        async for item in source:
            await queue.put(item)
    except Exception as exc:  # handed to the reader, which re-raises it
        await queue.put(exc)
    finally:
        queue.put_nowait(_Done())


async def merge_streams(
    sources: list[AsyncIterator[T]], cancellation: Cancellation
) -> AsyncIterator[T]:
    """Items of all `sources` as they come; ends early, silently, once `cancellation` fires."""
    if cancellation.cancelled:
        return
    queue: asyncio.Queue[object] = asyncio.Queue()
    tasks = [asyncio.create_task(_pump(source, queue)) for source in sources]
    watcher = asyncio.create_task(cancellation.wait())
    watcher.add_done_callback(lambda _: queue.put_nowait(_Cancelled()))
    running = len(tasks)
    try:
        while running:
            item = await queue.get()
            if isinstance(item, _Done):
                running -= 1
            elif isinstance(item, _Cancelled):
                return
            elif isinstance(item, Exception):
                raise item
            else:
                yield item  # type: ignore[misc]
    finally:
        watcher.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, watcher, return_exceptions=True)
