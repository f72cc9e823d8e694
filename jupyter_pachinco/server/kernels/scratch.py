"""Open a scratch session in a user's kernel, without making the kernel wait on it.

How it runs: the server listens on a Unix socket of its own (in a private folder, mode 0700,
one socket per scratch, removed as soon as the scratch has connected), then sends the kernel
one *silent* execute (``silent=True, store_history=False``: no execution count, no history,
nothing published) whose user expression calls ``open_scratch_as_json`` of
``execution/scratch.py``, shipped as source like every kernel-side module (``shipping``).
The kernel connects to the socket, forks the scratch onto it and returns its pid: a few
milliseconds. From then on the server and the scratch talk over that socket
(``agent.scratch_client``), and the kernel's own channels stay free for the user's cells.

The scratch must introduce itself with the request's random token and the pid the kernel
gave. No kernel, a dead kernel, a kernel busy past ``busy_wait_s``, a kernel that cannot fork
(Windows) or that cannot reach the socket (a remote kernel) give a `ScratchError` saying so:
the agent then runs nothing, and nothing ever runs in the user's kernel itself.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import tempfile
from typing import Any

from ...agent.scratch_client import HELLO_TIMEOUT_S, ScratchError, ScratchSession, expect_hello
from ...execution.forks import Limits
from ...execution.kernel_trials import DEFAULT_LIMITS
from ...execution.scratch_protocol import MAX_FRAME_BYTES
from .channels import KernelClients, await_reply
from .ranking import RankingError, check_ready
from .shipping import call_expression

EXPRESSION_KEY = "pachinco_scratch"
OPEN_REPLY_TIMEOUT_S = 60.0
DEFAULT_BUSY_WAIT_S = 5.0


def open_expression(socket_path: str, token: str) -> str:
    """The user expression that forks a scratch onto ``socket_path`` and returns JSON text."""
    request = json.dumps({"socket_path": socket_path, "token": token})
    return call_expression("execution.scratch", "open_scratch_as_json", "globals()", repr(request))


def parse_open_reply(reply: dict[str, Any]) -> int:
    """The scratch's pid in an ``execute_reply``; `ScratchError` with a readable reason."""
    content = reply.get("content", {})
    if content.get("status") != "ok":
        raise ScratchError(f"The kernel answered {content.get('status', 'nothing')}.")
    result = content.get("user_expressions", {}).get(EXPRESSION_KEY, {})
    if result.get("status") != "ok":
        name, value = result.get("ename", "an error"), result.get("evalue", "")
        raise ScratchError(f"The scratch copy could not be made: {name}: {value}".rstrip(": "))
    try:
        answer = json.loads(ast.literal_eval(result.get("data", {}).get("text/plain", "")))
    except (ValueError, SyntaxError, TypeError) as exc:
        raise ScratchError("The kernel's answer was not readable.") from exc
    if not isinstance(answer, dict) or not answer.get("available"):
        notice = answer.get("notice") if isinstance(answer, dict) else None
        raise ScratchError(str(notice or "A scratch copy of this kernel is not available."))
    pid = answer.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        raise ScratchError("The kernel did not say which process the scratch copy is.")
    return pid


class KernelScratches:
    """Opens scratch sessions in kernels run by a Jupyter server's kernel manager."""

    def __init__(
        self,
        kernel_manager: Any,
        *,
        limits: Limits = DEFAULT_LIMITS,
        busy_wait_s: float = DEFAULT_BUSY_WAIT_S,
    ) -> None:
        self.kernel_manager = kernel_manager
        self.limits = limits
        self.busy_wait_s = busy_wait_s
        self._clients = KernelClients()
        self._locks: dict[str, asyncio.Lock] = {}

    async def open(self, kernel_id: str | None) -> ScratchSession:
        """A scratch copy of kernel ``kernel_id`` as it is now; `ScratchError` if there is
        none to be had (see the module docstring)."""
        if not kernel_id or kernel_id not in self.kernel_manager:
            raise ScratchError(
                "No running kernel: the agent works on a scratch copy of the notebook's "
                "kernel. Start the kernel and run the cells that build your data."
            )
        kernel = self.kernel_manager.get_kernel(kernel_id)
        async with self._locks.setdefault(kernel_id, asyncio.Lock()):
            try:
                await check_ready(kernel, self.busy_wait_s)
            except RankingError as exc:
                raise ScratchError(f"No scratch copy could be made: {exc}.") from exc
            return await self._open(kernel_id, kernel)

    async def _open(self, kernel_id: str, kernel: Any) -> ScratchSession:
        folder = tempfile.mkdtemp(prefix="pachinco-scratch-")  # mode 0700: this user only
        path = os.path.join(folder, "scratch.sock")
        token = secrets.token_hex(16)
        connected: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        connected = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if connected.done():  # one scratch per socket: any other connection is refused
                writer.close()
            else:
                connected.set_result((reader, writer))

        listener = await asyncio.start_unix_server(on_connect, path=path, limit=MAX_FRAME_BYTES)
        try:
            client = self._clients.get(kernel_id, kernel)
            msg_id = client.execute(
                "",
                silent=True,
                store_history=False,
                user_expressions={EXPRESSION_KEY: open_expression(path, token)},
                allow_stdin=False,
                stop_on_error=False,
            )
            try:
                reply = await await_reply(client, msg_id, OPEN_REPLY_TIMEOUT_S)
            except TimeoutError as exc:
                raise ScratchError(f"The kernel did not answer: {exc}.") from exc
            pid = parse_open_reply(reply)
            try:
                reader, writer = await asyncio.wait_for(asyncio.shield(connected), HELLO_TIMEOUT_S)
            except (asyncio.TimeoutError, TimeoutError) as exc:
                with contextlib.suppress(OSError):  # our own fresh child of the kernel
                    os.kill(pid, signal.SIGKILL)
                raise ScratchError("The scratch copy did not connect to the server.") from exc
        except BaseException:
            # A scratch that connected but is not wanted sees the end of its socket and exits.
            if connected.done() and not connected.cancelled():
                connected.result()[1].close()
            raise
        finally:
            listener.close()
            shutil.rmtree(folder, ignore_errors=True)
            if not connected.done():
                connected.cancel()
        session = ScratchSession(reader, writer, pid, self.limits)
        await expect_hello(session, token)
        return session

    async def close(self) -> None:
        """Close the kernel connections this opener made."""
        self._clients.close()

    def forget(self, kernel_id: str) -> None:
        self._clients.drop(kernel_id)
        self._locks.pop(kernel_id, None)
