"""The work behind ``POST /pachinco/complete``, apart from HTTP.

A completion never waits for the kernel: the variable schemas come from the kernel's last
snapshot, and a refresh is started in the background (`KernelInspector.refresh`); a busy
kernel answers it when it goes idle, and the next completion sees the new snapshot. The
prompt is assembled from the request alone (`assemble`, pure and fast), streamed from the
completion backend, and each delta is post-processed into the suggestion so far. The stream
stops early once the block is complete or the suggestion is long enough.

Lines: ``suggestion`` (the whole suggestion so far, post-processed), then ``done`` (the final
suggestion, "" when it was dropped, with what the prompt held), or ``error``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ..backends import (
    BackendError,
    Cancellation,
    CandidateFinished,
    FinishReason,
    Generation,
    GenerationRequest,
    TextDelta,
)
from ..completion import (
    CompletionMode,
    CompletionPrompt,
    FimFamily,
    assemble_context,
    build_prompt,
    clean_suggestion,
)
from .completion_model import CompletionModel, CompletionSettings
from .completion_validation import CompleteBody
from .kernels.inspection import KernelInspector
from .sessions import GenerationSessions

SendLine = Callable[[dict[str, Any]], Awaitable[bool]]


def assemble(
    body: CompleteBody,
    variables: Sequence[Mapping[str, Any]],
    mode: CompletionMode,
    family: FimFamily | None,
    budget_chars: int,
) -> tuple[CompletionPrompt, tuple[str, ...]]:
    """The prompt for ``body`` in ``mode`` and the frames whose schema it holds (pure)."""
    context = assemble_context(
        body.prefix, body.suffix, body.cells, variables, budget_chars=budget_chars
    )
    return build_prompt(context, mode, family), context.frames


class CompletionService:
    """Streams inline completions for the handlers; one per server."""

    def __init__(
        self, inspector: KernelInspector, model: CompletionModel, settings: CompletionSettings
    ) -> None:
        self.inspector = inspector
        self.model = model
        self.settings = settings
        self.sessions = GenerationSessions()

    def variables(self, kernel_id: str | None) -> tuple[list[dict[str, Any]], bool]:
        """The kernel's last described variables (and whether there were none yet); starts a
        background refresh. Never waits."""
        snapshot = self.inspector.last_snapshot(kernel_id) if kernel_id else None
        self.inspector.refresh(kernel_id)
        if snapshot is None:
            return [], True
        return list(snapshot.variables), False

    async def stream(self, body: CompleteBody, cancellation: Cancellation, send: SendLine) -> None:
        """Send the suggestion as it grows, then ``done``; model failures become ``error``."""
        variables, missing = self.variables(body.kernel_id)
        try:
            plan = await self.model.plan()
        except BackendError as error:
            await send({"type": "error", "message": str(error)})
            return
        prompt, frames = assemble(
            body, variables, plan.mode, plan.family, self.settings.budget_chars
        )
        request = GenerationRequest(
            prompt=prompt.parts,
            suffix=prompt.suffix,
            max_new_tokens=min(self.settings.max_new_tokens, body.max_new_tokens),
            temperature=0.0,
            stop=prompt.stop,
            stop_tokens=prompt.stop_tokens,
        )
        generation = Generation(plan.backend.stream(request, cancellation), request, cancellation)
        try:
            text, reason = await self._relay(generation, body, send)
        except BackendError as error:
            await send({"type": "error", "message": str(error)})
            return
        finally:
            await generation.aclose()
        final = clean_suggestion(
            text, body.prefix, body.suffix, max_chars=body.max_chars, truncated=reason == "length"
        )
        await send(
            {
                "type": "done",
                "text": final,
                "finish_reason": reason,
                "mode": prompt.mode,
                "family": prompt.family,
                "frames": list(frames),
                "schemas_pending": missing,
            }
        )

    async def _relay(
        self, generation: Generation, body: CompleteBody, send: SendLine
    ) -> tuple[str, FinishReason]:
        """Follow the generation, sending each new suggestion; stop once it is complete."""
        text, shown = "", ""
        reason: FinishReason = "stop"
        async for event in generation:
            if isinstance(event, CandidateFinished):
                reason = event.reason
            if not isinstance(event, TextDelta) or event.reasoning:
                continue  # a reasoning model's thinking is never ghost text
            text += event.text
            suggestion = clean_suggestion(
                text, body.prefix, body.suffix, max_chars=body.max_chars, final=False
            )
            if suggestion != shown:
                shown = suggestion
                if not await send({"type": "suggestion", "text": suggestion}):
                    generation.cancel()
                    return text, "cancelled"
            if _complete(text, suggestion, body.max_chars):
                return text, "stop"
        return text, reason


def _complete(text: str, suggestion: str, max_chars: int) -> bool:
    """Whether more text cannot change the suggestion: post-processing has cut a whole line
    off the end (the block ended), or it has reached its maximum length. Nothing shown yet is
    never complete: a chat model's prose or fence line may come before the code."""
    if len(suggestion) >= max_chars:
        return True
    if not suggestion:
        return False
    dropped = text[len(suggestion) :] if text.startswith(suggestion) else ""
    return "\n" in dropped.lstrip(" \t") and bool(dropped.strip())
