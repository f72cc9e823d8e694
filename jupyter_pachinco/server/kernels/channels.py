"""Shell connections of our own to users' kernels, shared by inspection and ranking.

The server never blocks on a kernel: a request is sent without waiting (``zmq.NOBLOCK``; a
kernel whose connection takes nothing is reported at once), and the wait for its reply is
bounded and watches the kernel through the kernel manager (``KernelWatch``), so a kernel that
dies, restarts or is shut down ends the wait within ``WATCH_INTERVAL_S`` with ``KernelGone``.
Each kernel has its own connection, so one broken kernel never slows requests on another.
"""

from __future__ import annotations

import asyncio
import inspect
import queue
import time
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.session import Session

#: How often a wait for a reply checks that the kernel is still the one it asked.
WATCH_INTERVAL_S = 0.1
#: How long a request may take to be handed to ZeroMQ.
SEND_TIMEOUT_S = 2.0


class KernelGone(Exception):
    """The kernel stopped, restarted or was shut down while a request waited for it; the
    message says which, in the user's words."""


class KernelUnreachable(Exception):
    """The kernel's connection took no request (it is not accepting messages)."""


class KernelClients:
    """One shell-only client per kernel, each on a session of its own.

    jupyter_client uses the session id as the shell socket's identity, and two connections with
    one identity steal each other's replies: a client made with ``kernel.client()`` alone would
    take the notebook's answers away from it. The client shares the kernel manager's ZeroMQ
    context (closing it then never waits for a context to end).
    """

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def get(self, kernel_id: str, kernel: Any) -> Any:
        client = self._clients.get(kernel_id)
        if client is None:
            session = Session(
                key=kernel.session.key, signature_scheme=kernel.session.signature_scheme
            )
            extra: dict[str, Any] = {}
            if isinstance(getattr(kernel, "context", None), zmq.asyncio.Context):
                extra["context"] = kernel.context
            client = kernel.client(session=session, **extra)
            client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            self._clients[kernel_id] = client
        return client

    def drop(self, kernel_id: str) -> None:
        client = self._clients.pop(kernel_id, None)
        if client is not None:
            client.stop_channels()

    def __iter__(self) -> Any:
        return iter(list(self._clients))

    def close(self) -> None:
        for kernel_id in list(self._clients):
            self.drop(kernel_id)


class KernelWatch:
    """Whether kernel ``kernel_id`` is still the process a request was sent to."""

    def __init__(self, kernel_manager: Any, kernel_id: str) -> None:
        self.kernel_manager = kernel_manager
        self.kernel_id = kernel_id
        self.kernel = kernel_manager.get_kernel(kernel_id)
        self.process = process_id(self.kernel)

    async def gone(self) -> str | None:
        """Why the kernel is no longer the one asked (stopped, restarted, shut down), or None."""
        if self.kernel_id not in self.kernel_manager:
            return "the kernel was shut down"
        kernel = self.kernel_manager.get_kernel(self.kernel_id)
        if kernel is not self.kernel or process_id(kernel) != self.process:
            return "the kernel restarted"
        if getattr(kernel, "execution_state", None) in ("dead", "restarting"):
            return (
                "the kernel stopped"
                if kernel.execution_state == "dead"
                else ("the kernel restarted")
            )
        alive = kernel.is_alive()
        if inspect.isawaitable(alive):
            alive = await alive
        return None if alive else "the kernel stopped"


def process_id(kernel: Any) -> int | None:
    """The kernel's process id as its provisioner knows it (None for a remote kernel)."""
    provisioner = getattr(kernel, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    return pid if isinstance(pid, int) else None


async def send_execute(client: Any, code: str, user_expressions: dict[str, str]) -> str:
    """Send a silent execute request without blocking; its message id. ``KernelUnreachable``
    when the connection takes nothing within ``SEND_TIMEOUT_S``."""
    content = {
        "code": code,
        "silent": True,
        "store_history": False,
        "user_expressions": user_expressions,
        "allow_stdin": False,
        "stop_on_error": False,
    }
    message = client.session.msg("execute_request", content)
    stream = _NonBlocking(client.shell_channel.socket)
    client.session.send(stream, message)
    await stream.sent(SEND_TIMEOUT_S)
    msg_id: str = message["header"]["msg_id"]
    return msg_id


class _NonBlocking:
    """What ``Session.send`` writes to: the socket, with ``NOBLOCK``, keeping the outcome."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.result: Any = None

    def send_multipart(self, parts: Any, copy: bool = True, **_ignored: Any) -> None:
        try:
            self.result = self.socket.send_multipart(parts, flags=zmq.NOBLOCK, copy=copy)
        except zmq.ZMQError as exc:  # Again (nothing taken), or a closed socket
            raise KernelUnreachable(f"the kernel's connection took no request ({exc})") from exc

    async def sent(self, timeout_s: float) -> None:
        if not inspect.isawaitable(self.result):
            return
        try:
            await asyncio.wait_for(self.result, timeout_s)
        except (zmq.ZMQError, asyncio.TimeoutError) as exc:
            raise KernelUnreachable("the kernel's connection took no request") from exc


async def await_reply(
    client: Any, msg_id: str, timeout_s: float, watch: KernelWatch | None = None
) -> dict[str, Any]:
    """The shell reply to ``msg_id``, skipping late replies to requests given up on.

    ``TimeoutError`` past ``timeout_s``; ``KernelGone`` as soon as ``watch`` sees the kernel
    stop or restart (checked every ``WATCH_INTERVAL_S``).
    """
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        if watch is not None:
            reason = await watch.gone()
            if reason is not None:
                raise KernelGone(reason)
        try:
            message: dict[str, Any] = await client.get_shell_msg(
                timeout=min(left, WATCH_INTERVAL_S) if watch is not None else left
            )
        except queue.Empty:
            continue
        if message.get("parent_header", {}).get("msg_id") == msg_id:
            return message
    raise TimeoutError(f"no answer from the kernel within {timeout_s:g} s")
