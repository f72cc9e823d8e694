"""The one async protocol every backend speaks.

A backend turns a `GenerationRequest` into an async stream of events: optional
`LoadingProgress`, then `TextDelta`s tagged with their candidate index, and finally one
`CandidateFinished` per candidate (finish reason and usage). Cancellation is part of the
protocol: a backend watches its `Cancellation` and, once it fires, stops promptly and finishes
every unfinished candidate with reason ``"cancelled"``.

Callers use `Backend.generate`, which returns a `Generation`: an async iterator of the events
that also owns cancellation, per-candidate buffering and the final `Completion`.
"""

from __future__ import annotations

import abc
import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from .errors import InvalidRequest
from .fim import FimFamily, detect_fim_family
from .prompt_parts import ControlToken, PromptPart

if TYPE_CHECKING:
    from typing_extensions import Self

    from .settings import BackendSettings

FinishReason = Literal["stop", "length", "cancelled"]
LoadingStage = Literal["download", "load", "ready"]


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat: ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate: a raw prompt to continue, or chat messages to answer.

    ``prompt`` is plain text, or a tuple of plain text and `ControlToken` parts (a FIM
    prompt); `prompt_text` joins them for servers that tokenize the text themselves. Chat
    message contents are always plain text: only the chat template writes control tokens.

    ``suffix`` is the text after the insertion point, for servers whose completions endpoint
    fills in the middle itself (OpenAI-compatible ``suffix``). In-process backends have no such
    endpoint and do not read it: the completion service sends it only to the ``openai`` one.

    ``stop_tokens``: control tokens (by their text, e.g. ``<|fim_pad|>``) that end a candidate
    when the model generates them. In-process backends match them by token id, never by text
    (the same characters inside code are data); servers stop at their own end tokens.
    """

    prompt: str | tuple[PromptPart, ...] | None = None
    messages: tuple[ChatMessage, ...] | None = None
    n: int = 1
    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    suffix: str | None = None
    stop_tokens: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = request_problem(self)
        if problem:
            raise InvalidRequest(problem)

    @property
    def is_chat(self) -> bool:
        return self.messages is not None

    @property
    def prompt_parts(self) -> tuple[PromptPart, ...]:
        """The raw prompt as parts (a plain text prompt is one part; () for chat)."""
        if self.prompt is None:
            return ()
        return (self.prompt,) if isinstance(self.prompt, str) else self.prompt

    @property
    def prompt_text(self) -> str:
        """The raw prompt as one text, control tokens written out ("" for chat)."""
        return "".join(p if isinstance(p, str) else p.text for p in self.prompt_parts)


def request_problem(request: GenerationRequest) -> str | None:
    """Why a request cannot be honoured, or None when it can."""
    if (request.prompt is None) == (request.messages is None):
        return "A request needs exactly one of `prompt` (raw text) or `messages` (chat)."
    if request.messages is not None and not request.messages:
        return "A chat request needs at least one message."
    if request.n < 1:
        return f"`n` must be at least 1 (got {request.n})."
    if request.max_new_tokens < 1:
        return f"`max_new_tokens` must be at least 1 (got {request.max_new_tokens})."
    if request.temperature < 0:
        return f"`temperature` must not be negative (got {request.temperature})."
    if not 0 < request.top_p <= 1:
        return f"`top_p` must be in (0, 1] (got {request.top_p})."
    if request.suffix is not None and request.prompt is None:
        return "A `suffix` goes with a raw `prompt`, not with chat messages."
    if any(not stop for stop in (*request.stop, *request.stop_tokens)):
        return "Stop strings must not be empty."
    if not isinstance(request.prompt, str | None) and any(
        not isinstance(part, str | ControlToken) for part in request.prompt
    ):
        return "A prompt's parts are text or `ControlToken`s."
    return None


@dataclass(frozen=True)
class Usage:
    """Token counts; None where the backend cannot know them."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True)
class LoadingProgress:
    """The model is being prepared; ``fraction`` is in [0, 1] when known."""

    stage: LoadingStage
    message: str
    fraction: float | None = None


@dataclass(frozen=True)
class TextDelta:
    """New text for candidate ``index``; ``reasoning``: the model's thinking (a reasoning
    model's ``<think>`` section or a server's reasoning field), never part of the answer."""

    index: int
    text: str
    reasoning: bool = False


@dataclass(frozen=True)
class CandidateFinished:
    """Candidate ``index`` is complete; no more deltas follow for it.

    ``logprobs``: the natural-log probability the model gave each generated token, where the
    backend can know it (None otherwise)."""

    index: int
    reason: FinishReason
    usage: Usage = field(default_factory=Usage)
    logprobs: tuple[float, ...] | None = None


Event = LoadingProgress | TextDelta | CandidateFinished


class Cancellation:
    """A cancellation flag visible to worker threads and awaitable on the event loop."""

    def __init__(self) -> None:
        self._flag = threading.Event()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set()

    def cancel(self) -> None:
        """Fire the flag; safe to call from any thread, any number of times."""
        self._flag.set()
        for loop, event in self._waiters:
            loop.call_soon_threadsafe(event.set)

    async def wait(self) -> None:
        """Return once cancelled."""
        event = asyncio.Event()
        self._waiters.append((asyncio.get_running_loop(), event))
        if self.cancelled:
            return
        await event.wait()


@dataclass
class Completion:
    """The whole answer of a generation, candidate by candidate (``reasonings``: each
    candidate's thinking, apart from its text)."""

    texts: list[str]
    finish_reasons: list[FinishReason | None]
    usages: list[Usage]
    reasonings: list[str] = field(default_factory=list)


class Generation:
    """A running generation: iterate it for events, `cancel()` it, or `collect()` it."""

    def __init__(
        self, events: AsyncIterator[Event], request: GenerationRequest, cancellation: Cancellation
    ) -> None:
        self.request = request
        self._events = events
        self._cancellation = cancellation
        self.texts = [""] * request.n
        self.reasonings = [""] * request.n
        self.finish_reasons: list[FinishReason | None] = [None] * request.n
        self.usages = [Usage()] * request.n

    def cancel(self) -> None:
        """Ask the backend to stop; the stream then ends with ``cancelled`` finishes."""
        self._cancellation.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancellation.cancelled

    def __aiter__(self) -> Generation:
        return self

    async def __anext__(self) -> Event:
        event = await self._events.__anext__()
        self._record(event)
        return event

    def _record(self, event: Event) -> None:
        if isinstance(event, TextDelta) and event.reasoning:
            self.reasonings[event.index] += event.text
        elif isinstance(event, TextDelta):
            self.texts[event.index] += event.text
        elif isinstance(event, CandidateFinished):
            self.finish_reasons[event.index] = event.reason
            self.usages[event.index] = event.usage

    async def collect(self) -> Completion:
        """Run to the end and return every candidate's text, finish reason and usage."""
        async for _ in self:
            pass
        return Completion(
            list(self.texts), list(self.finish_reasons), list(self.usages), list(self.reasonings)
        )

    async def aclose(self) -> None:
        """Stop early: cancel, then let the backend release what it holds."""
        self.cancel()
        aclose = getattr(self._events, "aclose", None)
        if aclose is not None:
            await aclose()


#: Marks where a prefix given to `Backend.prepare` ends (a private-use character, which no
#: notebook or answer text is expected to hold).
PREFIX_END = "\ue000"


async def _no_events() -> AsyncIterator[Event]:
    return
    yield  # an async generator that yields nothing


class Backend(abc.ABC):
    """A model backend. Subclasses implement `from_settings` and `stream`."""

    name: ClassVar[str]

    @classmethod
    @abc.abstractmethod
    def from_settings(cls, settings: BackendSettings) -> Self:
        """Build the backend from the shared traitlets settings."""

    @abc.abstractmethod
    def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        """Yield the events of one request, honouring `cancellation` (see module docstring)."""

    def generate(self, request: GenerationRequest) -> Generation:
        """Start a generation; nothing happens until it is iterated."""
        cancellation = Cancellation()
        return Generation(self.stream(request, cancellation), request, cancellation)

    @property
    def context_length(self) -> int | None:
        """The model's context length in tokens (prompt plus answer), when the backend knows."""
        return None

    def token_counter(self) -> Callable[[str], int] | None:
        """Counts tokens with the model's own tokenizer, when the backend has it at hand."""
        return None

    def prepare(self, prefixes: Sequence[GenerationRequest] = ()) -> AsyncIterator[Event]:
        """Get ready for requests to come: load the model (its `LoadingProgress` events are
        yielded) and, where the backend can, evaluate each prefix once so that requests that
        begin with it start from there. A prefix is a request whose prompt, or whose last
        message, holds `PREFIX_END` where the requests to come begin to differ; what comes
        after it is ignored. Backends that load nothing and keep no state do nothing."""
        return _no_events()

    # --- what the backend says about itself (nothing outside a backend asks its name) -----

    #: The inline-completion prompt form when the model speaks no FIM family: ``"suffix"`` for
    #: a server that takes the OpenAI ``suffix`` field, else ``"prefix"`` (the text before the
    #: cursor only).
    completion_without_fim: ClassVar[Literal["suffix", "prefix"]] = "prefix"

    def vocabulary(self) -> list[str]:
        """The tokens of the model's vocabulary and its special tokens, as far as the backend
        can read them without loading the model (may read files: call it from a worker
        thread); empty when it cannot."""
        return []

    def fim_family(self) -> FimFamily | None:
        """The fill-in-the-middle family the model speaks, if any: by default the one whose
        tokens are all in `vocabulary`."""
        return detect_fim_family(self.vocabulary())

    @classmethod
    def settings_rows(cls, settings: BackendSettings) -> list[tuple[str, str]]:
        """The settings this backend uses beyond the model and the server, as (name, value)
        rows for people to read (``%pachinco config``); never a secret."""
        return []

    @classmethod  # noqa: B027 - most backends have no local files to check
    def check_model(cls, model: str, gguf_file: str = "") -> None:
        """Raise a `BackendError` that says what is wrong (`ModelNotFound`, saying where it
        looked; `ModelLoadError`) when the local file or folder that ``model`` and
        ``gguf_file`` name is missing or not a model of this backend. Nothing is loaded or
        downloaded; a hub id or a served name passes. By default nothing is checked."""

    async def aclose(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release connections or other resources held by the backend."""
