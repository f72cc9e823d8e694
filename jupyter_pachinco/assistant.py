"""The assistant: context -> prompt -> backend -> parsed steps, as one stream of events.

The server extension, the ``%%pachinco`` magic and the evaluation harness all use this facade;
none of them builds prompts or parses answers itself. It holds no logic of its own beyond
stringing the rooms together::

    assistant = Assistant.from_config()            # or Assistant(backend, ...)
    async for event in assistant.generate("mean fare per class", cells=cells,
                                          namespace_schemas=describe_variables(ns)):
        ...                  # Loading, Delta, Reasoning, StepsUpdate, Answer, Done

``build_prompt`` gives the exact prompt ``generate`` would send, for tests and for the harness.
``suggest_fixes`` asks for corrections of a failing cell and trial-runs them (repair).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from traitlets.config import Config

from .backends import (
    PREFIX_END,
    Backend,
    CandidateFinished,
    ChatMessage,
    FinishReason,
    GenerationRequest,
    LoadingProgress,
    TextDelta,
    build_backend,
)
from .backends.settings import BackendSettings
from .context import HuggingFaceTokenCounter, PackedContext, TokenCounter, Turn, pack_context
from .context.cells import CELL_MARKER
from .context.safe_text import safe_text
from .execution.ranking import Ranking
from .options import GenerateOptions, PromptForm, sampling_temperature
from .prompting import (
    DEFAULT_STYLE,
    Candidate,
    Step,
    StreamingParser,
    build_chat_messages,
    build_completion_prompt,
    exemplar_prefix,
    get_style,
)
from .prompting.fixes import fix_request

# The completion prompt ends inside the answer cell; the next cell header ends the answer.
CELL_STOP = CELL_MARKER
Prompt = str | tuple[ChatMessage, ...]
#: Prompt tokens for the notebook context, unless the model's context length allows fewer.
DEFAULT_BUDGET = 1536


def approximate_token_count(text: str) -> int:
    """About four characters a token: for models whose tokenizer is not at hand."""
    return (len(text) + 3) // 4


@dataclass(frozen=True)
class Loading:
    """The model is being downloaded or loaded (``fraction`` in [0, 1] when known)."""

    stage: str
    message: str
    fraction: float | None


@dataclass(frozen=True)
class Delta:
    """New text for candidate ``index``."""

    index: int
    text: str


@dataclass(frozen=True)
class Reasoning:
    """New thinking of candidate ``index`` (a reasoning model's), shown apart, never parsed."""

    index: int
    text: str


@dataclass(frozen=True)
class StepsUpdate:
    """The steps of candidate ``index`` known so far (for live display)."""

    index: int
    steps: list[Step]


@dataclass(frozen=True)
class Answer:
    """Candidate ``index`` is complete and parsed."""

    index: int
    candidate: Candidate
    finish_reason: FinishReason


@dataclass(frozen=True)
class Done:
    """Every candidate is complete; ``packed`` says what of the context the prompt held.

    ``likelihoods``: each candidate's mean log-probability per generated token (natural log),
    where the backend reports token log-probabilities (None otherwise); ranking breaks ties
    with it."""

    candidates: list[Candidate]
    finish_reasons: list[FinishReason | None]
    packed: PackedContext
    likelihoods: list[float | None] = field(default_factory=list)


AssistantEvent = Loading | Delta | Reasoning | StepsUpdate | Answer | Done


class Assistant:
    """Strings the context engine, the prompting module and a backend together."""

    def __init__(
        self,
        backend: Backend,
        *,
        count_tokens: TokenCounter = approximate_token_count,
        budget: int = DEFAULT_BUDGET,
        style: str = DEFAULT_STYLE,
        form: PromptForm = "chat",
    ) -> None:
        get_style(style)
        self.backend = backend
        self.count_tokens = count_tokens
        self.budget = budget
        self.style = style
        self.form = form

    @classmethod
    def from_config(cls, config: Config | None = None, **kwargs: Any) -> Assistant:
        """Build from traitlets config (`BackendSettings`), as the server and the magic do."""
        settings = BackendSettings(config=config) if config is not None else BackendSettings()
        backend = build_backend(config)
        folder = Path(settings.model).expanduser()
        counter = backend.token_counter() if "count_tokens" not in kwargs else None
        if counter is not None:
            kwargs["count_tokens"] = counter
        elif "count_tokens" not in kwargs and folder.is_dir():
            kwargs["count_tokens"] = HuggingFaceTokenCounter.from_path(folder)
        if backend.context_length is not None:  # leave room for the answer in the context
            room = backend.context_length - GenerateOptions().max_new_tokens
            kwargs["budget"] = max(1, min(kwargs.get("budget", DEFAULT_BUDGET), room))
        return cls(backend, **kwargs)

    def pack(
        self,
        intent: str,
        cells: Sequence[object] = (),
        namespace_schemas: Sequence[Mapping[str, Any]] = (),
        history: Sequence[Turn] = (),
        *,
        style: str | None = None,
        form: PromptForm | None = None,
        include_outputs: bool = False,
    ) -> PackedContext:
        """What of the context fits into the budget left beside the exemplars."""
        room = self.budget
        if (form or self.form) == "completion":
            room -= self.count_tokens(exemplar_prefix(style or self.style))
        return pack_context(
            intent,
            cells,
            namespace_schemas,
            history,
            budget=max(room, 1),
            count_tokens=self.count_tokens,
            include_outputs=include_outputs,
        )

    def prompt_for(
        self, packed: PackedContext, *, style: str | None = None, form: PromptForm | None = None
    ) -> Prompt:
        chosen = style or self.style
        if (form or self.form) == "completion":
            return backend_prompt(build_completion_prompt(packed, chosen))
        return backend_prompt(build_chat_messages(packed, chosen))

    def fixed_prefix(
        self, *, style: str | None = None, form: PromptForm | None = None
    ) -> GenerationRequest:
        """The part every prompt of this style and form begins with (the system text and the
        worked examples), as a prefix for `Backend.prepare`."""
        empty = pack_context(PREFIX_END, (), budget=1_000_000, count_tokens=approximate_token_count)
        prompt = self.prompt_for(empty, style=style, form=form)
        if isinstance(prompt, str):
            return GenerationRequest(prompt=prompt.split(PREFIX_END, 1)[0] + PREFIX_END)
        fixed = (*prompt[:-1], ChatMessage(role="user", content=PREFIX_END))
        return GenerationRequest(messages=fixed)

    def context_prefix(
        self, packed: PackedContext, *, style: str | None = None, form: PromptForm | None = None
    ) -> GenerationRequest:
        """The prompt for ``packed`` up to where its question begins, as a prefix for
        `Backend.prepare`: what the notebook's first question would otherwise evaluate."""
        prompt = self.prompt_for(replace(packed, intent=PREFIX_END), style=style, form=form)
        if isinstance(prompt, str):
            return GenerationRequest(prompt=prompt)
        return GenerationRequest(messages=prompt)

    def build_prompt(
        self,
        intent: str,
        cells: Sequence[object] = (),
        namespace_schemas: Sequence[Mapping[str, Any]] = (),
        history: Sequence[Turn] = (),
        *,
        style: str | None = None,
        form: PromptForm | None = None,
        include_outputs: bool = False,
    ) -> Prompt:
        """The exact prompt `generate` sends for these arguments."""
        packed = self.pack(
            intent,
            cells,
            namespace_schemas,
            history,
            style=style,
            form=form,
            include_outputs=include_outputs,
        )
        return self.prompt_for(packed, style=style, form=form)

    async def generate(
        self,
        intent: str,
        *,
        cells: Sequence[object] = (),
        namespace_schemas: Sequence[Mapping[str, Any]] = (),
        history: Sequence[Turn] = (),
        options: GenerateOptions | None = None,
        packed: PackedContext | None = None,
        **overrides: Any,
    ) -> AsyncIterator[AssistantEvent]:
        """Stream the answer's events; ``overrides`` set fields of `GenerateOptions`
        (``n=3, style="stepwise"``). Closing the iterator early cancels the generation.
        ``packed`` (from `pack` with the same arguments) saves packing the context again."""
        opts = options or GenerateOptions()
        for key, value in overrides.items():
            setattr(opts, key, value)
        if packed is None:
            packed = self.pack(
                intent,
                cells,
                namespace_schemas,
                history,
                style=opts.style,
                form=opts.form,
                include_outputs=opts.include_outputs,
            )
        prompt = self.prompt_for(packed, style=opts.style, form=opts.form)
        events = self.stream_prompt(prompt, opts, packed)
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()

    async def stream_prompt(
        self,
        prompt: Prompt,
        options: GenerateOptions,
        packed: PackedContext,
        stop: Sequence[str] = (),
    ) -> AsyncGenerator[AssistantEvent, None]:
        """Stream the events of answers to a prompt built elsewhere in ``prompting`` (the
        agent's), as `generate` does; ``stop`` strings end a completion-form answer too.
        ``packed`` is what the prompt holds of the context (it goes into `Done`)."""
        generation = self.backend.generate(request_for(prompt, options, stop))
        parsers = [StreamingParser() for _ in range(options.n)]
        thoughts = [""] * options.n
        candidates: list[Candidate | None] = [None] * options.n
        likelihoods: list[float | None] = [None] * options.n
        try:
            async for event in generation:
                if isinstance(event, CandidateFinished) and event.logprobs:
                    likelihoods[event.index] = sum(event.logprobs) / len(event.logprobs)
                for translated in _translate(event, parsers, candidates, thoughts):
                    yield translated
        finally:
            await generation.aclose()
        finished = [
            c if c is not None else _finished(parsers[i], thoughts[i])
            for i, c in enumerate(candidates)
        ]
        yield Done(finished, list(generation.finish_reasons), packed, likelihoods)


def backend_prompt(prompt: str | Sequence[Mapping[str, Any]]) -> Prompt:
    """A prompt from ``prompting`` as a backend takes it: completion text, or chat messages;
    valid Unicode whatever the form or the backend (see ``context.safe_text``)."""
    if isinstance(prompt, str):
        return safe_text(prompt)
    return tuple(ChatMessage(role=str(m["role"]), content=safe_text(m["content"])) for m in prompt)


def request_for(
    prompt: Prompt, options: GenerateOptions, stop: Sequence[str] = ()
) -> GenerationRequest:
    """The backend request for a prompt: completion prompts stop at the next cell header (and
    at ``stop``)."""
    common: dict[str, Any] = {
        "n": options.n,
        "max_new_tokens": options.max_new_tokens,
        "temperature": sampling_temperature(options.n, options.temperature),
        "top_p": options.top_p,
        "seed": options.seed,
    }
    if isinstance(prompt, str):
        return GenerationRequest(prompt=prompt, stop=(CELL_STOP, *stop), **common)
    return GenerationRequest(messages=prompt, **common)


def _translate(
    event: object,
    parsers: list[StreamingParser],
    candidates: list[Candidate | None],
    thoughts: list[str],
) -> list[AssistantEvent]:
    if isinstance(event, LoadingProgress):
        return [Loading(event.stage, event.message, event.fraction)]
    if isinstance(event, TextDelta) and event.reasoning:
        thoughts[event.index] += event.text
        return [Reasoning(event.index, event.text)]
    if isinstance(event, TextDelta):
        parser = parsers[event.index]
        before = _steps_so_far(parser)
        parser.feed(event.text)
        after = _steps_so_far(parser)
        out: list[AssistantEvent] = [Delta(event.index, event.text)]
        if after != before:
            out.append(StepsUpdate(event.index, after))
        return out
    if isinstance(event, CandidateFinished):
        candidate = _finished(parsers[event.index], thoughts[event.index])
        candidates[event.index] = candidate
        return [Answer(event.index, candidate, event.reason)]
    return []


def _finished(parser: StreamingParser, thought: str) -> Candidate:
    """The parsed candidate, with the backend's reasoning before any found in its text."""
    candidate = parser.finish()
    reasoning = "\n\n".join(part for part in (thought.strip(), candidate.reasoning) if part)
    return dataclasses.replace(candidate, reasoning=reasoning)


def _steps_so_far(parser: StreamingParser) -> list[Step]:
    """The known steps, then the one still being written."""
    partial = parser.partial_step
    return parser.feed("") + ([partial] if partial is not None else [])


RankCodes = Callable[[list[str]], Awaitable[Ranking]]


@dataclass(frozen=True)
class Repair:
    """The corrected candidates, as the model gave them, and their ranking by trial runs."""

    candidates: list[Candidate]
    ranking: Ranking


async def suggest_fixes(
    assistant: Assistant,
    code: str,
    traceback: str,
    rank: RankCodes,
    *,
    cells: Sequence[object] = (),
    namespace_schemas: Sequence[Mapping[str, Any]] = (),
    history: Sequence[Turn] = (),
    n: int = 4,
    **options: Any,
) -> Repair:
    """Ask for ``n`` corrections of ``code``, which raised ``traceback``, with the same context
    the first answer had, and trial-run them before anything is offered: ``rank`` is the
    caller's ranking step (the server's ``KernelRanker.rank`` or the magic's own). The
    best-ranked one leads."""
    finished: list[Candidate] = []
    async for event in assistant.generate(
        fix_request(code, traceback),
        cells=cells,
        namespace_schemas=namespace_schemas,
        history=history,
        n=n,
        **options,
    ):
        if isinstance(event, Done):
            finished = list(event.candidates)
    ranking = await rank([candidate.code for candidate in finished])
    return Repair(candidates=finished, ranking=ranking)
