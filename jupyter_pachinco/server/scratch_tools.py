"""Scratch sessions for tool callers (an MCP agent, any client with a Jupyter token): a copy of a
notebook's kernel to work in step by step, apart from the user's kernel.

A scratch is a long-lived, sandboxed fork of the kernel (``server.kernels.scratch``, the one the
agent works on): what runs in it changes the scratch only, never the kernel, its history, the
user's files or the notebook. The caller opens one (``open``: its id and the variables it
starts with), runs steps in it (``run``: the step's observation as ``execution.observations``
defines it, figures rendered as PNG), reads its variables (``variables``) and closes it
(``close``). At most `MAX_OPEN` are open at once; one unused for `IDLE_S` seconds is closed by
the next request, and every one is closed with the server. A scratch whose kernel died or was
restarted is gone, and says so on its next use.

Ids are random (``secrets``): one cannot be guessed from another. Unknown ids, a full table and
a scratch that cannot be made are `BadRequest` refusals that say what to do.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..agent.scratch_client import ScratchError, ScratchSession
from .kernels.scratch import KernelScratches
from .tool_validation import KernelTarget
from .validation import BadRequest

MAX_OPEN = 4
IDLE_S = 900.0


@dataclass
class _Scratch:
    session: ScratchSession
    kernel_id: str
    last_used: float


class ScratchTools:
    """The open scratch sessions of one server (see the module docstring)."""

    def __init__(
        self,
        scratches: KernelScratches,
        kernel_of: Callable[[KernelTarget], Awaitable[str | None]],
        *,
        max_open: int = MAX_OPEN,
        idle_s: float = IDLE_S,
    ) -> None:
        self.scratches = scratches
        self.kernel_of = kernel_of
        self.max_open = max_open
        self.idle_s = idle_s
        self._open: dict[str, _Scratch] = {}

    async def open(self, target: KernelTarget) -> dict[str, Any]:
        """A new scratch of the kernel ``target`` names: ``{scratch_id, kernel_id, variables}``."""
        await self._close_idle()
        if len(self._open) >= self.max_open:
            raise BadRequest(
                f"{len(self._open)} scratch sessions are open, the most this server keeps: "
                "close one you no longer need first.",
                status=429,
            )
        kernel_id = await self.kernel_of(target)
        try:
            session = await self.scratches.open(kernel_id)
        except ScratchError as exc:
            raise BadRequest(str(exc), status=409) from exc
        scratch_id = f"scratch-{secrets.token_urlsafe(12)}"
        self._open[scratch_id] = _Scratch(session, str(kernel_id), time.monotonic())

        def ended() -> None:  # its kernel died or was restarted
            self._open.pop(scratch_id, None)

        session.on_exit(ended)
        return {
            "scratch_id": scratch_id,
            "kernel_id": kernel_id,
            **await self.variables(scratch_id),
        }

    async def run(self, scratch_id: str, code: str) -> dict[str, Any]:
        """Run ``code`` in the scratch (changing it alone): its observation, or a timeout."""
        scratch = self._get(scratch_id)
        try:
            advance = await scratch.session.advance(code)
        except ScratchError as exc:
            raise self._gone(scratch_id, exc) from exc
        return {"scratch_id": scratch_id, "observation": advance.observation,
                "timed_out": advance.timed_out}  # fmt: skip

    async def variables(self, scratch_id: str) -> dict[str, Any]:
        """The scratch's variables, described as the kernel's are."""
        scratch = self._get(scratch_id)
        try:
            found = await scratch.session.variables()
        except ScratchError as exc:
            raise self._gone(scratch_id, exc) from exc
        return {"scratch_id": scratch_id, "variables": found}

    async def close(self, scratch_id: str) -> dict[str, Any]:
        scratch = self._get(scratch_id)
        del self._open[scratch_id]
        await scratch.session.close()
        return {"scratch_id": scratch_id, "closed": True}

    async def close_all(self) -> None:
        """Close every open scratch (server shutdown)."""
        opened, self._open = self._open, {}
        for scratch in opened.values():
            await scratch.session.close()

    def _get(self, scratch_id: str) -> _Scratch:
        scratch = self._open.get(scratch_id)
        if scratch is None or scratch.session.closed:
            self._open.pop(scratch_id, None)
            raise BadRequest(
                f"No open scratch session has the id {scratch_id!r} (it was closed, its "
                "kernel stopped, or it sat unused too long): open a new one.",
                status=404,
            )
        scratch.last_used = time.monotonic()
        return scratch

    def _gone(self, scratch_id: str, exc: ScratchError) -> BadRequest:
        scratch = self._open.get(scratch_id)
        if scratch is not None and not scratch.session.closed:  # it answered, but a refusal
            return BadRequest(f"The scratch session could not do this: {exc}.", status=409)
        self._open.pop(scratch_id, None)
        return BadRequest(f"The scratch session ended: {exc}. Open a new one.", status=409)

    async def _close_idle(self) -> None:
        now = time.monotonic()
        for scratch_id, scratch in list(self._open.items()):
            if scratch.session.closed or now - scratch.last_used > self.idle_s:
                self._open.pop(scratch_id, None)
                await scratch.session.close()
