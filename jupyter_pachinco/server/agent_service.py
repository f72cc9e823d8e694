"""The work behind ``POST /pachinco/agent``, apart from HTTP.

It gathers what a generation gathers (the cells up to the active cell, the notebook's earlier
turns; the kernel's variables for a plan made without a scratch), opens the scratch copy of
the request's kernel (``kernels.scratch``), runs the agent loop on it and sends each event as
a line (``agent_lines``). The scratch dies with the request: at its end, on cancel, on a
dropped connection (the handler cancels), past ``run_timeout_s``, and with its kernel; a
cancel closes the scratch at once, even while it is running a step. Failures end the stream
with an ``error`` line, after a ``cells`` line when some steps worked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any

from ..agent import Agent, AgentDone, AgentEvent, AgentTask, ScratchError, ScratchSession
from ..agent.scratch_client import scratch_gone
from ..assistant import Loading
from ..backends import BackendError, Cancellation
from .agent_lines import agent_line, scratch_line
from .agent_validation import AgentBody
from .generation import GenerationService, SendLine
from .kernels.inspection import KernelInspector
from .kernels.scratch import KernelScratches
from .sessions import GenerationSessions
from .shared_assistant import SharedAssistant
from .stream_lines import error_line

log = logging.getLogger(__name__)

DEFAULT_RUN_TIMEOUT_S = 1800.0


class AgentService:
    """Runs agent requests for the handlers; one per server."""

    def __init__(
        self,
        inspector: KernelInspector,
        generation: GenerationService,
        shared: SharedAssistant,
        scratches: KernelScratches,
        *,
        run_timeout_s: float = DEFAULT_RUN_TIMEOUT_S,
    ) -> None:
        self.inspector = inspector
        self.generation = generation
        self.shared = shared
        self.scratches = scratches
        self.run_timeout_s = run_timeout_s
        self.sessions = GenerationSessions()

    async def stream(self, body: AgentBody, cancellation: Cancellation, send: SendLine) -> None:
        """Work through ``body.task``, sending each stream line as it is produced."""
        opened: list[ScratchSession] = []
        timed_out: list[bool] = []
        ended: list[bool] = []
        closer = asyncio.ensure_future(_close_when_cancelled(cancellation, opened))

        def stop_for_time() -> None:
            timed_out.append(True)
            cancellation.cancel()

        timer = asyncio.get_running_loop().call_later(self.run_timeout_s, stop_for_time)
        events: AsyncGenerator[AgentEvent, None] | None = None
        try:
            task = await self._task(body)
            assistant = await self.shared.for_agent(cancellation)

            def scratch_ended() -> None:  # its kernel was restarted or died: stop at once
                ended.append(True)
                cancellation.cancel()

            async def open_scratch() -> ScratchSession:
                session = await self.scratches.open(body.kernel_id)
                opened.append(session)
                session.on_exit(scratch_ended)
                if cancellation.cancelled:
                    await session.close()
                await send(scratch_line(session.pid))
                return session

            agent = Agent(assistant, body.options, cancellation)
            events = agent.run(task, open_scratch)
            async for event in events:
                if isinstance(event, Loading):
                    self.shared.observe(event)
                if isinstance(event, AgentDone) and timed_out:
                    event = replace(event, reason=self._timeout_reason())
                if isinstance(event, AgentDone) and ended:
                    await send(agent_error_line(ScratchError(scratch_gone(None))))
                    return
                if not await send(agent_line(event)):
                    cancellation.cancel()  # nobody listens any more
                    return
        except Exception as exc:  # every failure reaches the user as the stream's last line
            self.shared.failed(exc)
            if not isinstance(exc, BackendError | ScratchError):
                log.exception("jupyter_pachinco: agent run %s failed", body.request_id)
            await send(agent_error_line(exc, self._timeout_reason() if timed_out else None))
        finally:
            timer.cancel()
            closer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await closer
            if events is not None:
                await events.aclose()
            for session in opened:
                await session.close()

    async def _task(self, body: AgentBody) -> AgentTask:
        history, _ = await self.generation.history(body.notebook_path)
        variables: list[dict[str, Any]] = []
        if not body.options.go and body.options.plan is None:  # a plan without a scratch
            variables = (await self.inspector.inspect(body.kernel_id)).variables
        return AgentTask(body.task, body.context_cells, history, variables)

    def _timeout_reason(self) -> str:
        return f"The run took longer than {self.run_timeout_s:g} s and was stopped."


def agent_error_line(error: BaseException, timeout_reason: str | None = None) -> dict[str, Any]:
    """A failure of the run: the scratch's errors say what happened in the user's words."""
    if isinstance(error, ScratchError):
        message = timeout_reason or str(error)
        return {"type": "error", "kind": "ScratchError", "message": message}
    return error_line(error)


async def _close_when_cancelled(cancellation: Cancellation, opened: list[ScratchSession]) -> None:
    """A stop ends the scratch at once, even in the middle of a trial or a step."""
    await cancellation.wait()
    for session in opened:
        with contextlib.suppress(Exception):
            await session.close()
