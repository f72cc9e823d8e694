"""Shell connections of our own to users' kernels, shared by inspection and ranking."""

from __future__ import annotations

import queue
import time
from typing import Any

from jupyter_client.session import Session


class KernelClients:
    """One shell-only client per kernel, each on a session of its own.

    jupyter_client uses the session id as the shell socket's identity, and two connections with
    one identity steal each other's replies: a client made with ``kernel.client()`` alone would
    take the notebook's answers away from it.
    """

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def get(self, kernel_id: str, kernel: Any) -> Any:
        client = self._clients.get(kernel_id)
        if client is None:
            session = Session(
                key=kernel.session.key, signature_scheme=kernel.session.signature_scheme
            )
            client = kernel.client(session=session)
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


async def await_reply(client: Any, msg_id: str, timeout_s: float) -> dict[str, Any]:
    """The shell reply to ``msg_id``, skipping late replies to requests given up on."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            message: dict[str, Any] = await client.get_shell_msg(timeout=left)
        except queue.Empty:
            break
        if message.get("parent_header", {}).get("msg_id") == msg_id:
            return message
    raise TimeoutError(f"no answer from the kernel within {timeout_s:g} s")
