"""The driver's side of a scratch session: asyncio requests over its socket, read with care.

A `ScratchSession` is what the agent loop (and any other caller: an MCP server, a test) holds:
``trial(codes)``, ``advance(code)``, ``variables()``, ``close()``. The bytes come from a process
that runs model code, so every reply is bounded (``scratch_protocol.MAX_FRAME_BYTES``), must be a
JSON object, and is checked for the fields used; anything else is a `ScratchError`. The
session is closed however the caller's work ends: ``close`` asks the scratch to exit, then
kills it by its pid (a pidfd where the system has one, so a reused pid is never hit), and a
session used as ``async with`` closes on the way out.

`open_local_session` forks a scratch of a namespace in this process (``scratch.open_local_scratch``,
for the magic and the harness); the server opens one in a user's kernel through
``server.kernels.scratch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from ..execution.forks import Limits
from ..execution.kernel_trials import DEFAULT_LIMITS
from ..execution.ranking import CandidateRun
from ..execution.scratch import open_local_scratch
from ..execution.scratch_protocol import (
    HEADER,
    MAX_FRAME_BYTES,
    FrameError,
    decode_body,
    encode_frame,
    frame_length,
)

#: Beyond a request's own time limit: forking, observing, the round trip.
REPLY_MARGIN_S = 30.0
HELLO_TIMEOUT_S = 30.0
CLOSE_GRACE_S = 2.0
_RUN_FIELDS = {f.name for f in fields(CandidateRun)}


class ScratchError(Exception):
    """The scratch failed, went away, or answered something unreadable (the message says)."""


@dataclass(frozen=True)
class Advance:
    """What applying a step to the scratch gave: its observation, or a timeout."""

    observation: dict[str, Any] | None
    timed_out: bool


@dataclass
class ScratchSession:
    """A running scratch, driven over ``reader``/``writer`` (one request at a time)."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pid: int
    limits: Limits = DEFAULT_LIMITS
    max_parallel: int | None = None
    closed: bool = False
    _pidfd: int | None = None
    _watched: bool = False
    _killed: bool = False
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        opener: Callable[[int], int] | None = getattr(os, "pidfd_open", None)
        if opener is not None:
            with contextlib.suppress(OSError):  # already gone: nothing to kill later
                self._pidfd = opener(self.pid)

    def on_exit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on this event loop as soon as the scratch process ends by itself
        (its kernel was restarted or died), not when `close` ends it. Linux pidfds only; the
        next request fails with a `ScratchError` everywhere."""
        if self._pidfd is None:
            return
        loop = asyncio.get_running_loop()
        fd = self._pidfd

        def ended() -> None:
            loop.remove_reader(fd)
            if not self.closed:
                callback()

        loop.add_reader(fd, ended)
        self._watched = True

    async def __aenter__(self) -> ScratchSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def trial(self, codes: Sequence[str]) -> list[CandidateRun]:
        """Each code in its own fork of the scratch, grouped by matching output."""
        limits = self.limits
        request = {
            "op": "trial",
            "codes": list(codes),
            "wall_time_s": limits.wall_time_s,
            "cpu_time_s": limits.cpu_time_s,
            "memory_bytes": limits.memory_bytes,
            "max_parallel": self.max_parallel,
        }
        rounds = -(-len(codes) // max(1, self.max_parallel or 1))
        reply = await self.request(request, limits.wall_time_s * rounds + REPLY_MARGIN_S)
        runs = reply.get("runs")
        if not isinstance(runs, list) or len(runs) != len(codes):
            raise ScratchError("the scratch's trial answer is not one run per candidate")
        return [_candidate_run(run) for run in runs]

    async def advance(self, code: str, *, render_png: bool = True) -> Advance:
        """Run ``code`` in the scratch itself (it changes the scratch)."""
        cap = self.limits.wall_time_s * 2
        request = {"op": "advance", "code": code, "wall_time_s": cap, "render_png": render_png}
        reply = await self.request(request, cap + REPLY_MARGIN_S)
        observation = reply.get("observation")
        if observation is not None and not isinstance(observation, dict):
            raise ScratchError("the scratch's observation is not an object")
        return Advance(observation, bool(reply.get("timed_out")))

    async def variables(self) -> list[dict[str, Any]]:
        """The scratch's variables, described as ``describe_variables`` does."""
        reply = await self.request({"op": "variables"}, REPLY_MARGIN_S)
        found = reply.get("variables")
        if not isinstance(found, list) or not all(isinstance(v, dict) for v in found):
            raise ScratchError("the scratch's variables are not a list of descriptions")
        return found

    async def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request and wait for its reply; `ScratchError` on failure or timeout (the
        session is then closed: its state can no longer be trusted)."""
        if self.closed:
            raise ScratchError("the scratch session is closed")
        async with self._lock:
            try:
                self.writer.write(encode_frame(message))
                await self.writer.drain()
                reply = await asyncio.wait_for(read_frame(self.reader), timeout_s)
            except (asyncio.TimeoutError, TimeoutError) as exc:
                await self.close()
                raise ScratchError(f"the scratch did not answer within {timeout_s:g} s") from exc
            except (OSError, FrameError, asyncio.IncompleteReadError) as exc:
                await self.close()
                raise ScratchError(scratch_gone(exc)) from exc
        if reply is None:
            await self.close()
            raise ScratchError(scratch_gone(None))
        if reply.get("ok") is not True:
            raise ScratchError(f"the scratch failed: {str(reply.get('error'))[:500]}")
        return reply

    async def close(self) -> None:
        """Ask the scratch to exit, then make sure it has: no process stays behind."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._lock.locked():  # a request is waiting on the reader: end the scratch now
                self._kill()
            else:
                with contextlib.suppress(Exception):  # a scratch that is gone cannot be asked
                    self.writer.write(encode_frame({"op": "close"}))
                    await asyncio.wait_for(self.writer.drain(), CLOSE_GRACE_S)
                    await asyncio.wait_for(read_frame(self.reader), CLOSE_GRACE_S)
        finally:  # even when the closing itself is cancelled
            self.writer.close()
            self._kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), CLOSE_GRACE_S)

    def _kill(self) -> None:
        if self._killed:
            return
        self._killed = True
        if self._pidfd is not None:
            if self._watched:
                with contextlib.suppress(Exception):  # the loop may be gone already
                    asyncio.get_running_loop().remove_reader(self._pidfd)
            with contextlib.suppress(OSError):  # it exited already
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            os.close(self._pidfd)
            self._pidfd = None
        elif self.pid > 0:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)


async def read_frame(
    reader: asyncio.StreamReader, limit: int = MAX_FRAME_BYTES
) -> dict[str, Any] | None:
    """The next frame's object; None at a clean end of the stream."""
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FrameError("the connection closed in the middle of a frame") from exc
        return None
    body = await reader.readexactly(frame_length(header, limit))
    return decode_body(body)


async def session_on_socket(
    sock: socket.socket, pid: int, token: str, *, limits: Limits = DEFAULT_LIMITS
) -> ScratchSession:
    """Wrap a connected socket: read the scratch's hello, check its token and pid."""
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=MAX_FRAME_BYTES)
    session = ScratchSession(reader, writer, pid, limits)
    await expect_hello(session, token)
    return session


async def expect_hello(session: ScratchSession, token: str) -> None:
    """The scratch's first frame must carry ``token`` and the pid it was started with."""
    try:
        hello = await asyncio.wait_for(read_frame(session.reader), HELLO_TIMEOUT_S)
    except (
        asyncio.TimeoutError,
        TimeoutError,
        OSError,
        FrameError,
        asyncio.IncompleteReadError,
    ) as exc:
        await session.close()
        raise ScratchError(f"the scratch did not start ({type(exc).__name__})") from exc
    if hello is None or hello.get("hello") != token or hello.get("pid") != session.pid:
        await session.close()
        raise ScratchError("the scratch did not introduce itself as expected")


async def open_local_session(
    namespace: dict[str, Any],
    *,
    setup: Callable[[dict[str, Any]], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ScratchSession:
    """A scratch of ``namespace`` forked from this process (the magic, the harness)."""
    token = os.urandom(8).hex()
    try:
        sock, pid = open_local_scratch(namespace, token=token, setup=setup)
    except (OSError, RuntimeError) as exc:
        raise ScratchError(f"the scratch could not be started: {exc}") from exc
    return await session_on_socket(sock, pid, token, limits=limits)


def _candidate_run(found: object) -> CandidateRun:
    if not isinstance(found, dict):
        raise ScratchError("a trial run in the scratch's answer is not an object")
    known = {k: v for k, v in found.items() if k in _RUN_FIELDS}
    try:
        run = CandidateRun(**known)
    except TypeError as exc:
        raise ScratchError(f"a trial run in the scratch's answer is incomplete ({exc})") from exc
    if run.status not in ("ok", "error", "not_run") or not isinstance(run.index, int):
        raise ScratchError("a trial run in the scratch's answer has an unknown status")
    if run.observation is not None and not isinstance(run.observation, dict):
        raise ScratchError("a trial run's observation is not an object")
    return run


def scratch_gone(exc: BaseException | None) -> str:
    """Why a scratch went away, in the user's words."""
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return (
        "the scratch copy of the kernel stopped (the kernel was restarted or stopped, or the "
        f"step crashed it){detail}"
    )
