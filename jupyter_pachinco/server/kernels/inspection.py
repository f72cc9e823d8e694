"""Collect variable descriptions from the user's kernel without disturbing the user.

How it runs: one *silent* execute request (``silent=True, store_history=False``: no execution
count, no ``In``/``Out`` history, nothing published for the notebook to show) with empty code
and a single user expression. The expression carries the source of
``jupyter_pachinco/context/variables.py`` (see ``shipping``: installed once per kernel as a
private module, nothing added to the user's namespace) and returns
``describe_variables_as_json(globals())``; the JSON comes back in the reply's
``user_expressions``. The module's *source* is sent rather than imported so that inspection
also works in kernels whose environment does not have jupyter_pachinco installed.

A busy kernel queues the request behind the running cell, so the wait for the reply is bounded
(``wait_s``); past it, the last snapshot of that kernel is returned marked stale (said to be
busy only when the kernel says it is), and the queued request refreshes the snapshot whenever
the kernel gets to it (one request in flight per kernel). A kernel that stops or restarts
while a request waits ends that request at once (``channels.KernelWatch``) and its last
snapshot with it. No kernel, a dead kernel or a failed inspection gives a snapshot without variables
and a notice: inspection never raises to the user.
"""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

from ...awaiting import maybe_await
from .channels import (
    KernelClients,
    KernelGone,
    KernelUnreachable,
    KernelWatch,
    await_reply,
    send_execute,
)
from .shipping import call_expression

log = logging.getLogger(__name__)

EXPRESSION_KEY = "pachinco_variables"
DEFAULT_WAIT_S = 0.5
DEFAULT_REPLY_TIMEOUT_S = 3600.0
ABORTED_RETRIES = 3
# Our own silent request reports activity too, just before its reply: ignore that much.
ACTIVITY_MARGIN_S = 0.5


@dataclass(frozen=True)
class KernelSnapshot:
    """Variable descriptions of one kernel; ``stale`` when older than the request, with a
    ``notice`` for the user whenever the variables are missing or not current."""

    variables: list[dict[str, Any]] = field(default_factory=list)
    stale: bool = False
    notice: str | None = None
    taken_at: float | None = None


def describe_expression() -> str:
    """The user expression that describes the kernel's variables and returns JSON text."""
    return call_expression("context.variables", "describe_variables_as_json", "globals()")


def parse_reply(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """The descriptions in an ``execute_reply``; ``InspectionError`` with a readable reason."""
    content = reply.get("content", {})
    if content.get("status") != "ok":
        raise InspectionError(f"the kernel answered {content.get('status', 'nothing')}")
    result = content.get("user_expressions", {}).get(EXPRESSION_KEY, {})
    if result.get("status") != "ok":
        name, value = result.get("ename", "an error"), result.get("evalue", "")
        raise InspectionError(f"describing variables raised {name}: {value}".rstrip(": "))
    text = result.get("data", {}).get("text/plain", "")
    try:
        described = json.loads(ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError) as exc:
        raise InspectionError("the kernel's answer was not readable") from exc
    if not isinstance(described, list):
        raise InspectionError("the kernel's answer was not a list of variables")
    return described


class InspectionError(Exception):
    """Inspecting a kernel failed; the message says why, in the user's words."""


class KernelInspector:
    """Describes variables of kernels run by a Jupyter server's kernel manager."""

    def __init__(
        self,
        kernel_manager: Any,
        *,
        wait_s: float = DEFAULT_WAIT_S,
        reply_timeout_s: float = DEFAULT_REPLY_TIMEOUT_S,
    ) -> None:
        self.kernel_manager = kernel_manager
        self.wait_s = wait_s
        self.reply_timeout_s = reply_timeout_s
        self._snapshots: dict[str, KernelSnapshot] = {}
        self._pending: dict[str, asyncio.Task[KernelSnapshot]] = {}
        self._clients = KernelClients()
        self._expression: str | None = None

    async def inspect(self, kernel_id: str | None) -> KernelSnapshot:
        """The variables of kernel ``kernel_id``, waiting at most ``wait_s`` for the kernel."""
        if not kernel_id:
            return KernelSnapshot(notice="No kernel is attached, so variables are not described.")
        if kernel_id not in self.kernel_manager:
            self._forget(kernel_id)
            return KernelSnapshot(notice="The kernel is not running; variables are not described.")
        kernel = self.kernel_manager.get_kernel(kernel_id)
        if not await maybe_await(kernel.is_alive()):
            self._forget(kernel_id)
            return KernelSnapshot(notice="The kernel has stopped; variables are not described.")
        task = self._pending.get(kernel_id)
        if task is None or task.done():
            task = asyncio.ensure_future(self._collect(kernel_id, kernel))
            self._pending[kernel_id] = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.wait_s)
        except asyncio.TimeoutError:
            busy = getattr(kernel, "execution_state", None) == "busy"
            return self._stale(
                kernel_id, "The kernel is busy" if busy else ("The kernel has not answered yet")
            )

    def refresh(self, kernel_id: str | None) -> None:
        """Describe the kernel's variables again in the background, never waiting: an idle
        kernel answers at once, a busy one when it goes idle, and the new snapshot replaces the
        last one then. Nothing is asked while a request is pending, or when the kernel has not
        run anything since the last snapshot."""
        if not kernel_id or kernel_id not in self.kernel_manager:
            return
        task = self._pending.get(kernel_id)
        if task is not None and not task.done():
            return
        kernel = self.kernel_manager.get_kernel(kernel_id)
        last = self._snapshots.get(kernel_id)
        if last is not None and not _active_since(kernel, last.taken_at):
            return
        self._pending[kernel_id] = asyncio.ensure_future(self._collect(kernel_id, kernel))

    def last_snapshot(self, kernel_id: str) -> KernelSnapshot | None:
        """The latest fresh snapshot of a kernel, if any."""
        return self._snapshots.get(kernel_id)

    async def close(self) -> None:
        """Stop waiting for replies and close the kernel connections this inspector opened."""
        for kernel_id in list(self._clients):
            self._forget(kernel_id)

    async def _collect(self, kernel_id: str, kernel: Any) -> KernelSnapshot:
        try:
            watch = KernelWatch(self.kernel_manager, kernel_id)
            client = self._clients.get(kernel_id, kernel)
            reply = await self._ask(client, watch)
            variables = parse_reply(reply)
        except KernelGone as exc:
            # Its variables are gone with it: the old snapshot must not be shown as current.
            self._clients.drop(kernel_id)
            self._snapshots.pop(kernel_id, None)
            return KernelSnapshot(notice=f"{str(exc).capitalize()}; variables are not described.")
        except (InspectionError, TimeoutError, KernelUnreachable) as exc:
            log.warning("jupyter_pachinco: inspecting kernel %s failed: %s", kernel_id, exc)
            return self._stale(kernel_id, f"Variables could not be read ({exc})")
        except Exception as exc:  # e.g. the kernel's sockets closing under us: report, not raise
            log.exception("jupyter_pachinco: inspecting kernel %s failed", kernel_id)
            return self._stale(kernel_id, f"Variables could not be read ({type(exc).__name__})")
        snapshot = KernelSnapshot(variables=variables, taken_at=time.time())
        self._snapshots[kernel_id] = snapshot
        return snapshot

    async def _ask(self, client: Any, watch: KernelWatch) -> dict[str, Any]:
        if self._expression is None:
            self._expression = describe_expression()
        for _ in range(ABORTED_RETRIES):
            msg_id = await send_execute(client, "", {EXPRESSION_KEY: self._expression})
            reply = await await_reply(client, msg_id, self.reply_timeout_s, watch)
            # A user cell that failed while our request waited makes the kernel abort the
            # requests queued behind it, ours included: ask again.
            if reply.get("content", {}).get("status") != "aborted":
                break
        return reply

    def _stale(self, kernel_id: str, reason: str) -> KernelSnapshot:
        last = self._snapshots.get(kernel_id)
        if last is None or last.taken_at is None:
            return KernelSnapshot(stale=True, notice=f"{reason}; variables are not described yet.")
        when = time.strftime("%H:%M:%S", time.localtime(last.taken_at))
        notice = f"{reason}; variables are shown as they were at {when}."
        return replace(last, stale=True, notice=notice)

    def _forget(self, kernel_id: str) -> None:
        task = self._pending.pop(kernel_id, None)
        if task is not None and not task.done():
            task.cancel()
        self._clients.drop(kernel_id)
        self._snapshots.pop(kernel_id, None)


def _active_since(kernel: Any, taken_at: float | None) -> bool:
    """Whether the kernel reported activity after ``taken_at`` (beyond the moment our own
    silent request ended); True when unknown."""
    activity = getattr(kernel, "last_activity", None)
    if taken_at is None or activity is None or not hasattr(activity, "timestamp"):
        return True
    return bool(activity.timestamp() > taken_at + ACTIVITY_MARGIN_S)
