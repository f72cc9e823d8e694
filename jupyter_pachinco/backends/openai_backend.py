"""Any OpenAI-compatible server (vLLM, TGI, llama.cpp, Ollama, hosted APIs), streamed.

Raw prompts go to ``/v1/completions`` (ARCADE-style continuation), chat messages to
``/v1/chat/completions``. Servers that return fewer choices than ``n`` (llama.cpp returns one)
get the missing candidates filled by parallel single-choice requests; once a server has done
that, later requests go out in parallel from the start. Requests answered with 429 or 5xx are
retried with backoff, only before their first token. The API key is read from the environment
variable named in the settings and never appears in a message, log line or repr.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import openai

from .errors import ProtocolError, ServerError
from .fim import FimFamily, fim_family
from .merge import merge_streams
from .openai_errors import is_retryable, retry_delay, translate_failure
from .protocol import (
    Backend,
    Cancellation,
    CandidateFinished,
    Event,
    FinishReason,
    GenerationRequest,
    TextDelta,
    Usage,
)
from .reasoning import ReasoningSplitter
from .stops import StopTrimmer
from .urls import public_url

if TYPE_CHECKING:
    from typing_extensions import Self

    from .settings import BackendSettings

log = logging.getLogger(__name__)

# Servers that need no key still get a syntactically valid Authorization header.
_NO_KEY = "no-key-configured"
# Served model names that tell the FIM family, since no tokenizer is at hand.
SERVED_NAME_HINTS = {
    "qwen": ("qwen2.5-coder", "qwen2-coder", "codeqwen"),
    "starcoder": ("starcoder",),
    "deepseek": ("deepseek-coder",),
}


def _reasoning_of(delta: Any) -> str:
    """A chat delta's reasoning text, in the fields servers use for it: ``reasoning_content``
    (DeepSeek, vLLM, llama.cpp's server) or ``reasoning`` (vLLM, Ollama, OpenRouter)."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(delta, name, None) if delta is not None else None
        if isinstance(value, str) and value:
            return value
    return ""


def _finish_reason(reported: str | None) -> FinishReason:
    return "length" if reported == "length" else "stop"


class OpenAIBackend(Backend):
    """Streams candidates from an OpenAI-compatible HTTP server."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Where messages and logs name the server: never its credentials.
        self.shown_url = public_url(self.base_url)
        self.model = model
        self.api_key_env = api_key_env
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        self.single_choice_server = False  # learned: the server ignores `n`
        self._client: openai.AsyncOpenAI | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> Self:
        return cls(
            settings.base_url,
            settings.model,
            api_key_env=settings.api_key_env,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_retries=settings.max_retries,
            retry_backoff=settings.retry_backoff,
        )

    # The server takes the text after the cursor as the OpenAI ``suffix`` field.
    completion_without_fim = "suffix"

    def fim_family(self) -> FimFamily | None:
        """The FIM family the served model's name tells, if any (its vocabulary is not at
        hand: the server only serves it)."""
        lowered = self.model.lower()
        for name, hints in SERVED_NAME_HINTS.items():
            if any(hint in lowered for hint in hints):
                return fim_family(name)
        return None

    @classmethod
    def settings_rows(cls, settings: BackendSettings) -> list[tuple[str, str]]:
        names = ("connect_timeout", "read_timeout", "max_retries")
        return [(name, str(getattr(settings, name))) for name in names]

    def __repr__(self) -> str:
        return (
            f"OpenAIBackend(base_url={self.shown_url!r}, model={self.model!r}, "
            f"api_key_env={self.api_key_env!r})"
        )

    def _secret(self) -> str | None:
        return os.environ.get(self.api_key_env) or None

    def _client_here(self) -> openai.AsyncOpenAI:
        """One client per event loop: its connection pool belongs to the loop it started on."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self._secret() or _NO_KEY,
                timeout=openai.Timeout(self.read_timeout, connect=self.connect_timeout),
                max_retries=0,  # we retry ourselves, only before the first token
            )
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._client_loop is asyncio.get_running_loop():
            await self._client.close()
        self._client = None

    async def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        finished: set[int] = set()
        everyone = list(range(request.n))
        groups = [[i] for i in everyone] if self.single_choice_server else [everyone]
        for attempt in ("asked", "filled"):
            sources = [self._one_request(request, group) for group in groups]
            async for event in merge_streams(sources, cancellation):
                if isinstance(event, CandidateFinished):
                    finished.add(event.index)
                yield event
            missing = [i for i in everyone if i not in finished]
            if not missing or cancellation.cancelled or attempt == "filled":
                break
            self.single_choice_server = True
            log.info(
                "%s returned %d of %d choices; filling the rest",
                self.shown_url,
                len(finished),
                request.n,
            )
            groups = [[i] for i in missing]
        for index in everyone:
            if index not in finished and cancellation.cancelled:
                yield CandidateFinished(index, "cancelled")
            elif index not in finished:
                raise ProtocolError(
                    f"The model server at {self.shown_url} never finished candidate {index}."
                )

    async def _open(self, request: GenerationRequest, choices: int, seed: int | None) -> Any:
        """Send the request, retrying 429/5xx with backoff; return the open stream."""
        client = self._client_here()
        attempt = 0
        while True:
            try:
                return await self._create(client, request, choices, seed)
            except openai.OpenAIError as exc:
                failure = exc
            # raised outside the except block, so no exception text rides along as __context__
            delay = self._retry_delay(failure, attempt)
            if delay is None:
                raise self._error(failure, streaming=False) from self._cause(failure)
            attempt += 1
            log.warning(
                "%s answered HTTP %d; retry %d of %d in %.2f s",
                self.shown_url,
                getattr(failure, "status_code", 0),
                attempt,
                self.max_retries,
                delay,
            )
            await asyncio.sleep(delay)

    def _retry_delay(self, failure: openai.OpenAIError, attempt: int) -> float | None:
        """Seconds before the next try, or None when this failure is final."""
        if not isinstance(failure, openai.APIStatusError) or attempt >= self.max_retries:
            return None
        if not is_retryable(failure.status_code):
            return None
        return retry_delay(attempt, self.retry_backoff, failure.response.headers.get("retry-after"))

    async def _create(
        self, client: openai.AsyncOpenAI, request: GenerationRequest, choices: int, seed: int | None
    ) -> Any:
        common: dict[str, Any] = {
            "model": self.model,
            "n": choices,
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.stop:
            common["stop"] = list(request.stop)
        if seed is not None:
            common["seed"] = seed
        if request.messages is None:
            if request.suffix is not None:
                common["suffix"] = request.suffix
            return await client.completions.create(prompt=request.prompt_text, **common)
        messages: Any = [{"role": m.role, "content": m.content} for m in request.messages]
        return await client.chat.completions.create(messages=messages, **common)

    def _error(self, exc: Exception, *, streaming: bool) -> ServerError:
        return translate_failure(exc, self.shown_url, self.api_key_env, self._secret(), streaming)

    async def _one_request(
        self, request: GenerationRequest, indices: list[int]
    ) -> AsyncIterator[Event]:
        """One HTTP request for the candidates `indices` (choice k is candidate indices[k])."""
        seed = request.seed
        if seed is not None and len(indices) == 1:
            seed += indices[0]  # distinct samples from single-choice requests
        stream = await self._open(request, len(indices), seed)
        answer = _Answer(indices, request.stop)
        failure: Exception | None = None
        try:
            async for chunk in stream:
                for event in answer.take(chunk):
                    yield event
        except (openai.OpenAIError, ValueError, TypeError, KeyError, AttributeError) as exc:
            failure = exc
        finally:
            await stream.close()
        if failure is not None:
            raise self._error(failure, streaming=True) from self._cause(failure)
        for event in answer.finish(self.shown_url):
            yield event

    def _cause(self, exc: Exception) -> Exception | None:
        """The exception to chain, unless its text would reveal the key (a server echoed it)
        or the credentials of the URL."""
        text = f"{exc} {getattr(exc, 'body', '')}"
        hidden = [self._secret(), *_url_credentials(self.base_url)]
        return None if any(secret and secret in text for secret in hidden) else exc


def _url_credentials(url: str) -> list[str]:
    """What `public_url` leaves out of ``url`` that could be a secret."""
    parts = urlsplit(url)
    return [part for part in (parts.username, parts.password, parts.query) if part]


class _Answer:
    """The choices of one streamed response, turned into events (pure)."""

    def __init__(self, indices: list[int], stops: tuple[str, ...]) -> None:
        self.indices = indices
        self.trimmers = {k: StopTrimmer(stops) for k in range(len(indices))}
        self.splitters = {k: ReasoningSplitter() for k in range(len(indices))}
        self.reasons: dict[int, FinishReason] = {}
        self.seen: set[int] = set()
        self.usage: Any = None

    def take(self, chunk: Any) -> list[Event]:
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        events: list[Event] = []
        for choice in chunk.choices or ():
            k = choice.index
            if not 0 <= k < len(self.indices):
                raise ValueError(f"choice index {k} out of range")
            self.seen.add(k)
            delta = getattr(choice, "delta", None)
            text = (delta.content if delta is not None else choice.text) or ""
            if k not in self.reasons:
                thought, text = self.splitters[k].feed(text)
                events += self._send(k, _reasoning_of(delta) + thought, text)
                if self.trimmers[k].stopped:
                    self.reasons[k] = "stop"
                elif choice.finish_reason:
                    self.reasons[k] = _finish_reason(choice.finish_reason)
        return events

    def finish(self, base_url: str) -> list[Event]:
        unfinished = self.seen - set(self.reasons)
        if unfinished:
            raise ProtocolError(
                f"The model server at {base_url} ended its stream before finishing the answer "
                "(no finish_reason). It may have crashed or dropped the connection."
            )
        events: list[Event] = []
        for k in sorted(self.seen):
            if not self.trimmers[k].stopped:
                events += self._send(k, *self.splitters[k].flush())
            rest = self.trimmers[k].flush()
            if rest:
                events.append(TextDelta(self.indices[k], rest))
            events.append(CandidateFinished(self.indices[k], self.reasons[k], self._usage()))
        return events

    def _send(self, k: int, reasoning: str, answer: str) -> list[Event]:
        """Reasoning as it is, the answer through the stop strings."""
        events: list[Event] = []
        if reasoning:
            events.append(TextDelta(self.indices[k], reasoning, reasoning=True))
        safe = self.trimmers[k].feed(answer)
        if safe:
            events.append(TextDelta(self.indices[k], safe))
        return events

    def _usage(self) -> Usage:
        if self.usage is None:
            return Usage()
        completion = self.usage.completion_tokens if len(self.seen) == 1 else None
        return Usage(self.usage.prompt_tokens, completion)
