"""The work behind ``/pachinco/generate`` and ``/pachinco/prompt``, apart from HTTP.

Both gather the same inputs (the live cells up to the active cell, the kernel's variable
schemas, the notebook's earlier turns) and hand them to the shared `Assistant`, so that the
prompt shown by ``/pachinco/prompt`` is exactly the one a generation sends. Failures of the
kernel or the notebook file become notices; failures of the model end the stream with an
``error`` line. When ranking is on (several candidates, or a fix), the finished candidates are
trial-run in the notebook's kernel and a ``ranking`` line goes out before ``done``; ranking
never fails the stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from tornado import web

from ..assistant import Assistant, AssistantEvent, Done, Prompt
from ..backends import BackendError, Cancellation
from ..context import PackedContext, Turn, load_turns
from ..context.turns import prompt_turns
from ..execution.fix_judging import judge_fixes
from ..execution.ranking import unranked
from ..prompting.fixes import fix_request
from .kernels.inspection import KernelInspector, KernelSnapshot
from .kernels.ranking import KernelRanker
from .sessions import GenerationSessions
from .shared_assistant import SharedAssistant
from .stream_lines import (
    context_line,
    error_line,
    event_line,
    loading_line,
    notices,
    ranking_line,
    ranking_started_line,
)
from .validation import GenerateBody

log = logging.getLogger(__name__)

STOPPED = "The generation was stopped, so candidates were not trial-run."

# Sends one stream line; False once the client has gone away.
SendLine = Callable[[dict[str, Any]], Awaitable[bool]]


@dataclass(frozen=True)
class PromptInputs:
    """What a request's prompt is built from."""

    cells: list[dict[str, Any]]
    snapshot: KernelSnapshot
    history: list[Turn]
    notice: str | None


def model_intent(body: GenerateBody) -> str:
    """What the model is asked: the intent, or for a fix the failing code and its error, with
    the intent as the user's note."""
    if body.fix is None:
        return body.intent
    return fix_request(body.fix.code, body.fix.error, body.intent)


class GenerationService:
    """Runs generations and dry runs for the handlers; one per server."""

    def __init__(
        self,
        inspector: KernelInspector,
        contents_manager: Any,
        shared: SharedAssistant,
        ranker: KernelRanker,
    ) -> None:
        self.inspector = inspector
        self.contents_manager = contents_manager
        self.shared = shared
        self.ranker = ranker
        self.sessions = GenerationSessions()

    async def gather(self, body: GenerateBody) -> PromptInputs:
        """Cells, variable schemas and earlier turns for ``body``; never raises."""
        snapshot = await self.inspector.inspect(body.kernel_id)
        history, history_notice = await self.history(body.notebook_path)
        return PromptInputs(
            body.context_cells, snapshot, history, notices(snapshot.notice, history_notice)
        )

    async def history(self, path: str | None) -> tuple[list[Turn], str | None]:
        """The earlier turns saved in the notebook at ``path``, and a notice if unreadable."""
        if not path:
            return [], None
        try:
            return prompt_turns(await load_turns(self.contents_manager, path)), None
        except web.HTTPError as exc:
            reason = exc.log_message or f"HTTP {exc.status_code}"
            return [], f"Earlier questions could not be read from {path} ({reason})."
        except (OSError, ValueError, KeyError) as exc:
            return [], f"Earlier questions could not be read from {path} ({exc})."

    async def prepare(self, body: GenerateBody) -> None:
        """Load the model and evaluate, ahead of the first question, the fixed part of the
        prompt and this notebook's context up to where the question goes (`Backend.prepare`);
        never raises (the model's state tells how it went)."""
        inputs = await self.gather(body)

        def prefixes(assistant: Assistant) -> list[Any]:
            style = body.options.style
            packed = assistant.pack(
                body.intent,
                inputs.cells,
                inputs.snapshot.variables,
                inputs.history,
                style=style,
                include_outputs=body.options.include_outputs,
            )
            fixed = assistant.fixed_prefix(style=style)
            return [fixed, assistant.context_prefix(packed, style=style)]

        await self.shared.prepare(prefixes)

    async def prompt(self, body: GenerateBody) -> Prompt:
        """The exact prompt a generation of ``body`` would send now."""
        inputs = await self.gather(body)
        assistant = await self.shared.get()
        packed = await self._pack(assistant, body, inputs)
        return assistant.prompt_for(packed, style=body.options.style)

    async def stream(self, body: GenerateBody, cancellation: Cancellation, send: SendLine) -> None:
        """Generate for ``body``, sending each stream line as it is produced."""
        inputs = await self.gather(body)
        try:
            assistant = await self.shared.for_request(cancellation)
            packed = await self._pack(assistant, body, inputs)
            line = context_line(inputs.snapshot, inputs.notice, len(packed.cells))
            if not await send(line) or not await self._send_loading(send):
                return
            await self._relay(assistant, body, packed, cancellation, send)
        except Exception as exc:  # every failure reaches the user as the stream's last line
            self.shared.failed(exc)
            if not isinstance(exc, BackendError):
                log.exception("jupyter_pachinco: generation %s failed", body.request_id)
            await send(error_line(exc))

    async def _send_loading(self, send: SendLine) -> bool:
        """A request arriving while another one loads the model sees the progress too."""
        status = self.shared.status
        if status.state == "loading" and status.loading is not None:
            return await send(loading_line(status.loading))
        return True

    @staticmethod
    async def _pack(
        assistant: Assistant, body: GenerateBody, inputs: PromptInputs
    ) -> PackedContext:
        """What of the context goes into the prompt (off the event loop: it tokenizes)."""
        return await asyncio.to_thread(
            assistant.pack,
            model_intent(body),
            inputs.cells,
            inputs.snapshot.variables,
            inputs.history,
            style=body.options.style,
            include_outputs=body.options.include_outputs,
        )

    async def _relay(
        self,
        assistant: Assistant,
        body: GenerateBody,
        packed: PackedContext,
        cancellation: Cancellation,
        send: SendLine,
    ) -> None:
        options = body.options
        # `Assistant.generate` is an async generator: closing it early cancels the backend.
        events = cast(
            AsyncGenerator[AssistantEvent, None],
            assistant.generate(packed.intent, packed=packed, options=options.for_assistant()),
        )
        try:
            async for event in events:
                self.shared.observe(event)
                ranked = not isinstance(event, Done) or await self._send_ranking(body, event, send)
                if not ranked or not await send(event_line(event, options.layout)):
                    cancellation.cancel()  # nobody listens any more
                    return
        finally:
            await events.aclose()

    async def _send_ranking(self, body: GenerateBody, done: Done, send: SendLine) -> bool:
        """Trial-run the finished candidates and send the ranking (when ranking is on); False
        once nobody listens."""
        if not body.ranking_wanted:
            return True
        codes = [candidate.code for candidate in done.candidates]
        if (
            "cancelled" in done.finish_reasons
        ):  # stopped answers are not worth forking the kernel for
            return await send(ranking_line(unranked(codes, STOPPED)))
        if not await send(ranking_started_line(len(codes))):
            return False
        ranking = await self.ranker.rank(body.kernel_id, codes, likelihoods=done.likelihoods)
        if body.fix is not None:  # a fix must still do what the failing cell meant to do
            ranking = judge_fixes(ranking, body.fix.code)
        return await send(ranking_line(ranking))
