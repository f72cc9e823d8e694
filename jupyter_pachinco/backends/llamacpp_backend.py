"""In-process generation with llama.cpp (``llama-cpp-python``) on a GGUF model, off the loop.

Scheduling: the ``n`` candidates are sampled one after the other on the model's one context,
each with its own seed (``seed + index``, or a fresh random seed when the request has none).
The prompt is evaluated once: llama-cpp-python keeps it in the KV cache and every later
candidate reuses that prefix. Greedy requests (temperature 0) compute one answer and give it to
every candidate. A lock per model serializes requests; cancellation is checked after every
token, and the lock is released as soon as the current token is done.

Chat requests go through the GGUF's own chat template (``tokenizer.chat_template`` in its
metadata, rendered by llama-cpp-python's `Jinja2ChatFormatter`); a base model without one gets a
plain ``Role: text`` transcript. Raw prompts are continued as they are. Either way only the
product's markers become control tokens (see `llamacpp_prompts`).

Each generated token's log-probability is read from the logits llama.cpp computed for it, and
reported on `CandidateFinished.logprobs`.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .control_tokens import EncodedPrompt
from .errors import BackendError, GenerationError, InvalidRequest
from .llamacpp_loading import (
    LoadedGGUF,
    check_gguf_file,
    parse_model,
    resolve_gguf,
    shared_gguf,
)
from .llamacpp_prompts import encode_gguf_prompt
from .llamacpp_tokens import GGUFTokenCounter, gguf_vocabulary
from .protocol import (
    PREFIX_END,
    Backend,
    Cancellation,
    CandidateFinished,
    Event,
    GenerationRequest,
)
from .threaded import Emit, events_from_thread
from .transformers_backend import CandidateTracker

if TYPE_CHECKING:
    from typing_extensions import Self

    from .settings import BackendSettings

DEFAULT_N_CTX = 4096


def encode_request(
    loaded: LoadedGGUF, request: GenerationRequest, *, up_to: str | None = None
) -> list[int]:
    """Prompt token ids (see `llamacpp_prompts`): control tokens only from the product; with
    ``up_to``, only the tokens before the one where its first occurrence begins (a prefix, see
    `Backend.prepare`)."""
    ids = encode_gguf_prompt(loaded.vocabulary, request, loaded.path.name).ids
    return ids if up_to is None else _ids_before(loaded, ids, up_to.encode("utf-8"))


def _ids_before(loaded: LoadedGGUF, ids: list[int], marker: bytes) -> list[int]:
    """``ids`` up to the token whose bytes begin ``marker``; all of them without one."""
    seen = b""
    starts: list[int] = []
    for token in ids:
        starts.append(len(seen))
        seen += loaded.llama.detokenize([token], special=True)
        found = seen.find(marker)
        if found >= 0:
            return ids[: max(i for i, start in enumerate(starts) if start <= found)]
    return ids


class LlamaCppBackend(Backend):
    """A GGUF model run by llama.cpp in this process, shared by every request."""

    name = "llamacpp"

    def __init__(
        self,
        model: str,
        *,
        gguf_file: str = "",
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int = 0,
        local_files_only: bool = False,
        prompt_lookup: bool = False,
        prompt_lookup_num_tokens: int = 10,
    ) -> None:
        self.model = model
        self.gguf_file = gguf_file
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.local_files_only = local_files_only
        self.prompt_lookup = prompt_lookup
        self.prompt_lookup_num_tokens = prompt_lookup_num_tokens

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> Self:
        return cls(
            settings.model,
            gguf_file=settings.gguf_file,
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            local_files_only=settings.local_files_only,
            prompt_lookup=settings.prompt_lookup,
            prompt_lookup_num_tokens=settings.prompt_lookup_num_tokens,
        )

    def __repr__(self) -> str:
        return f"LlamaCppBackend(model={self.model!r}, n_ctx={self.n_ctx})"

    @property
    def context_length(self) -> int | None:
        """The context length in tokens when set (0 means the model's own, known once loaded)."""
        return self.n_ctx if self.n_ctx > 0 else None

    def token_counter(self) -> GGUFTokenCounter:
        """The GGUF's own tokenizer as a token counter (finds or downloads the file first)."""
        return GGUFTokenCounter(self.gguf_path())

    def vocabulary(self) -> list[str]:
        """The GGUF file's vocabulary, when the file is here (never downloaded for this)."""
        try:
            path = resolve_gguf(self.model, self.gguf_file, True, lambda _: None)
            return gguf_vocabulary(path)
        except BackendError:
            return []

    @classmethod
    def settings_rows(cls, settings: BackendSettings) -> list[tuple[str, str]]:
        rows = [("gguf_file", settings.gguf_file)] if settings.gguf_file else []
        return [*rows, ("n_ctx", str(settings.n_ctx)), ("n_threads", str(settings.n_threads))]

    @classmethod
    def check_model(cls, model: str, gguf_file: str = "") -> None:
        target = parse_model(model, gguf_file)
        if isinstance(target, Path):
            check_gguf_file(target)

    def gguf_path(self, emit: Emit | None = None) -> Path:
        """The local GGUF file (downloaded first when the model names a hub file)."""
        return resolve_gguf(
            self.model, self.gguf_file, self.local_files_only, emit or (lambda _: None)
        )

    def loaded(self, emit: Emit | None = None) -> LoadedGGUF:
        """The shared model, loading it on first use (blocking: call from a worker thread)."""
        report = emit or (lambda _: None)
        path = self.gguf_path(report)
        draft = self.prompt_lookup_num_tokens if self.prompt_lookup else 0
        return shared_gguf(path, self.n_ctx, self.n_threads, report, draft)

    def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        return events_from_thread(
            lambda emit: self._generate(request, cancellation, emit), cancellation
        )

    def prepare(self, prefixes: Sequence[GenerationRequest] = ()) -> AsyncIterator[Event]:
        """Load the model, then evaluate each prefix once and keep its state (the first
        prefix given is pinned: the fixed part of every prompt; later ones are notebook
        contexts, the most recent few kept)."""
        return events_from_thread(lambda emit: self._prepare(prefixes, emit), Cancellation())

    def _prepare(self, prefixes: Sequence[GenerationRequest], emit: Emit) -> None:
        loaded = self.loaded(emit)
        for position, prefix in enumerate(prefixes):
            with loaded.lock:
                tokens = encode_request(loaded, prefix, up_to=PREFIX_END)
                pinned = position == 0
                loaded.prefixes.evaluate(loaded.llama, tokens, pinned=pinned)

    def _generate(self, request: GenerationRequest, cancellation: Cancellation, emit: Emit) -> None:
        loaded = self.loaded(emit)
        with loaded.lock:
            encoded = encode_gguf_prompt(loaded.vocabulary, request, loaded.path.name)
            prompt = encoded.ids
            loaded.prefixes.restore_for(loaded.llama, prompt)
            max_new = min(request.max_new_tokens, loaded.n_ctx - len(prompt))
            if max_new < 1:
                raise InvalidRequest(
                    f"The prompt has {len(prompt)} tokens; the model's context holds "
                    f"{loaded.n_ctx}. Shorten the context or raise BackendSettings.n_ctx."
                )
            everyone = list(range(request.n))
            groups = [[i] for i in everyone] if request.temperature > 0 else [everyone]
            for indices in groups:
                seed = _seed_for(request.seed, indices[0])
                self._candidate(
                    loaded, request, encoded, max_new, indices, seed, cancellation, emit
                )

    def _candidate(
        self,
        loaded: LoadedGGUF,
        request: GenerationRequest,
        encoded: EncodedPrompt,
        max_new: int,
        indices: list[int],
        seed: int,
        cancellation: Cancellation,
        emit: Emit,
    ) -> None:
        prompt = encoded.ids
        logprobs: list[float] = []

        def emit_with_logprobs(event: Event) -> None:
            if isinstance(event, CandidateFinished):
                event = dataclasses.replace(event, logprobs=tuple(logprobs))
            emit(event)

        def decode(tokens: list[int]) -> str:
            return str(loaded.llama.detokenize(tokens).decode("utf-8", errors="replace"))

        controls = loaded.vocabulary.controls
        ends = loaded.end_tokens | {controls[t] for t in request.stop_tokens if t in controls}
        tracker = CandidateTracker(
            indices,
            len(prompt),
            request.stop,
            ends,
            decode,
            emit_with_logprobs,
            thinking=encoded.thinking,
        )
        if cancellation.cancelled:
            tracker.finish_all("cancelled")
            return
        generated: list[int] = []
        try:
            for token in _sample(loaded, prompt, request, seed):
                logprobs.append(_token_logprob(loaded, len(prompt) + len(generated), token))
                generated.append(token)
                done = tracker.update([generated] * len(indices))
                if all(done) or cancellation.cancelled or len(generated) >= max_new:
                    break
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(f"llama.cpp failed while generating: {exc}") from exc
        tracker.finish_all("cancelled" if cancellation.cancelled else "length")


def _seed_for(seed: int | None, index: int) -> int:
    if seed is None:
        return random.randrange(2**31)
    return (seed + index) % 2**32


def _sample(
    loaded: LoadedGGUF, prompt: list[int], request: GenerationRequest, seed: int
) -> Iterator[int]:
    llama = loaded.llama
    llama.set_seed(seed)
    tokens: Iterator[int] = llama.generate(
        prompt,
        temp=request.temperature,
        top_p=request.top_p,
        top_k=0,
        min_p=0.0,
        repeat_penalty=1.0,
        reset=True,
    )
    return tokens


def _token_logprob(loaded: LoadedGGUF, position: int, token: int) -> float:
    """log p(token) under the model at ``position`` (the row of its logits), natural log."""
    import numpy as np

    llama = loaded.llama
    if loaded.logits_all:
        row = np.asarray(llama.scores[position - 1], dtype=np.float64)
    else:  # only the last position's logits exist: the ones that produced this token
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(llama.ctx, -1)
        row = np.ctypeslib.as_array(pointer, shape=(llama.n_vocab(),)).astype(np.float64)
    top = float(row.max())
    log_total = top + math.log(float(np.exp(row - top).sum()))
    return float(row[token]) - log_total
