"""Calling Jupyter managers that may be synchronous or asynchronous.

jupyter_server has both kinds of contents, session and kernel managers (a third-party one
may be either), so the project's calls into them go through `maybe_await`.
"""

from __future__ import annotations

import inspect
from typing import Any


async def maybe_await(value: Any) -> Any:
    """``value`` awaited when it is awaitable (an asynchronous manager's result), else as is."""
    return await value if inspect.isawaitable(value) else value
