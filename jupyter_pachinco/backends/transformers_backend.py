"""In-process generation with Hugging Face transformers, off the event loop.

Generation runs in a worker thread. A stopping criterion sees every new token of every
candidate: it decodes the new text, trims stop strings, streams the deltas back to the event
loop, and stops a candidate on a stop string or the whole run on cancellation. The ``n``
candidates are sampled as one batch (``num_return_sequences``), or one after the other when
prompt-lookup decoding is on, since that only works on a batch of one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .control_tokens import EncodedPrompt
from .errors import BackendError, GenerationError, ModelNotFound
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
from .threaded import Emit, events_from_thread
from .transformers_loading import LoadedModel, choose_device, choose_dtype, shared_model
from .transformers_prompts import encode_hf_prompt

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from typing_extensions import Self

    from .settings import BackendSettings


@dataclass
class _Candidate:
    index: int
    trimmer: StopTrimmer
    splitter: ReasoningSplitter
    tokens: list[int] = field(default_factory=list)
    text: str = ""
    reason: FinishReason | None = None


class CandidateTracker:
    """Turns the growing token rows of one `generate` call into events (pure, no torch).

    A candidate ends at one of ``end_tokens`` (ids: the model's end of generation and the
    request's control-token stops), or at a stop string in its answer text. ``thinking``: the
    prompt opened a thinking section, so the text starts as reasoning (`ReasoningSplitter`).
    """

    def __init__(
        self,
        indices: Sequence[int],
        prompt_tokens: int,
        stops: Sequence[str],
        end_tokens: set[int],
        decode: Callable[[list[int]], str],
        emit: Emit,
        *,
        thinking: bool = False,
    ) -> None:
        self.candidates = [
            _Candidate(index, StopTrimmer(stops), ReasoningSplitter(thinking)) for index in indices
        ]
        self.prompt_tokens = prompt_tokens
        self._end_tokens = end_tokens
        self._decode = decode
        self._emit = emit

    def update(self, rows: Sequence[Sequence[int]]) -> list[bool]:
        """Take each candidate's generated tokens so far; return which candidates are done."""
        for candidate, row in zip(self.candidates, rows, strict=True):
            if candidate.reason is None:
                self._advance(candidate, row)
        return [candidate.reason is not None for candidate in self.candidates]

    def _advance(self, candidate: _Candidate, row: Sequence[int]) -> None:
        new_tokens = list(row[len(candidate.tokens) :])
        ended = next((i for i, t in enumerate(new_tokens) if t in self._end_tokens), None)
        if ended is not None:
            candidate.tokens.extend(new_tokens[: ended + 1])
            text = self._decode(candidate.tokens[:-1])
        else:
            candidate.tokens.extend(new_tokens)
            text = self._decode(candidate.tokens)
            if text.endswith("\ufffd"):
                return  # half of a multi-byte character: wait for the rest
        self._send(candidate, *candidate.splitter.feed(text[len(candidate.text) :]))
        candidate.text = text
        if candidate.trimmer.stopped or ended is not None:
            self._finish(candidate, "stop")

    def _send(self, candidate: _Candidate, reasoning: str, answer: str) -> None:
        if reasoning:
            self._emit(TextDelta(candidate.index, reasoning, reasoning=True))
        safe = candidate.trimmer.feed(answer)
        if safe:
            self._emit(TextDelta(candidate.index, safe))

    def _finish(self, candidate: _Candidate, reason: FinishReason) -> None:
        if not candidate.trimmer.stopped:
            self._send(candidate, *candidate.splitter.flush())
        rest = candidate.trimmer.flush()
        if rest:
            self._emit(TextDelta(candidate.index, rest))
        candidate.reason = reason
        usage = Usage(self.prompt_tokens, len(candidate.tokens))
        self._emit(CandidateFinished(candidate.index, reason, usage))

    def finish_all(self, reason: FinishReason) -> None:
        """End every candidate still running (max tokens reached, or cancelled)."""
        for candidate in self.candidates:
            if candidate.reason is None:
                self._finish(candidate, reason)


def _stopping_criterion(
    tracker: CandidateTracker, prompt_tokens: int, cancellation: Cancellation
) -> Any:
    import torch
    from transformers import StoppingCriteria

    class TrackAndStop(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            rows = input_ids[:, prompt_tokens:].tolist()
            if len(rows) == 1:  # one greedy row stands for every candidate
                rows = rows * len(tracker.candidates)
            done = tracker.update(rows)
            if cancellation.cancelled or len(input_ids) == 1:
                done = [cancellation.cancelled or all(done)] * len(input_ids)
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return TrackAndStop()


def encode_request(loaded: LoadedModel, request: GenerationRequest) -> list[int]:
    """Prompt token ids (see `transformers_prompts`): control tokens only from the product."""
    return encode_hf_prompt(loaded.vocabulary, request, loaded.name).ids


class TransformersBackend(Backend):
    """A Hugging Face causal LM in this process, shared by every request."""

    name = "transformers"

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        dtype: str = "auto",
        prompt_lookup: bool = False,
        prompt_lookup_num_tokens: int = 10,
        local_files_only: bool = False,
    ) -> None:
        self.model = model
        self.device = device
        self.dtype = dtype
        self.prompt_lookup = prompt_lookup
        self.prompt_lookup_num_tokens = prompt_lookup_num_tokens
        self.local_files_only = local_files_only

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> Self:
        return cls(
            settings.model,
            device=settings.device,
            dtype=settings.dtype,
            prompt_lookup=settings.prompt_lookup,
            prompt_lookup_num_tokens=settings.prompt_lookup_num_tokens,
            local_files_only=settings.local_files_only,
        )

    def __repr__(self) -> str:
        return f"TransformersBackend(model={self.model!r}, device={self.device!r})"

    def vocabulary(self) -> list[str]:
        """The tokenizer's vocabulary and special tokens (the tokenizer alone is read)."""
        path = Path(self.model).expanduser()
        try:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(
                str(path) if path.is_dir() else self.model,
                local_files_only=self.local_files_only or path.is_dir(),
            )
        except (OSError, ValueError, ImportError) as exc:
            log.info("jupyter_pachinco: no tokenizer for %s (%s)", self.model, exc)
            return []
        return [*tokenizer.get_vocab(), *tokenizer.all_special_tokens]

    @classmethod
    def settings_rows(cls, settings: BackendSettings) -> list[tuple[str, str]]:
        return [("device", settings.device), ("dtype", settings.dtype)]

    @classmethod
    def check_model(cls, model: str, gguf_file: str = "") -> None:
        if model.startswith(("/", ".", "~")) and not Path(model).expanduser().is_dir():
            raise ModelNotFound(f"There is no model folder at {model!r}.")

    def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        return events_from_thread(
            lambda emit: self._generate(request, cancellation, emit), cancellation
        )

    def _loaded(self, emit: Emit) -> LoadedModel:
        import torch

        mps = getattr(torch.backends, "mps", None)
        device = choose_device(
            self.device, torch.cuda.is_available(), bool(mps and mps.is_available())
        )
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        dtype = choose_dtype(self.dtype, device, bf16)
        return shared_model(self.model, device, dtype, self.local_files_only, emit)

    def _generate(self, request: GenerationRequest, cancellation: Cancellation, emit: Emit) -> None:
        loaded = self._loaded(emit)
        with loaded.lock:  # one generation at a time per model: the CPU is the bottleneck anyway
            encoded = encode_hf_prompt(loaded.vocabulary, request, self.model)
            prompt = encoded.ids
            # Prompt lookup works on a batch of one: samples then go one after the other.
            # Greedy candidates are all the same answer, computed once.
            one_by_one = self.prompt_lookup and request.temperature > 0
            everyone = list(range(request.n))
            groups = [[i] for i in everyone] if one_by_one else [everyone]
            for indices in groups:
                tracker = self._tracker(loaded, request, indices, encoded, emit)
                if cancellation.cancelled:
                    tracker.finish_all("cancelled")
                    continue
                self._run_batch(loaded, request, prompt, tracker, cancellation)
                tracker.finish_all("cancelled" if cancellation.cancelled else "length")

    def _tracker(
        self,
        loaded: LoadedModel,
        request: GenerationRequest,
        indices: list[int],
        encoded: EncodedPrompt,
        emit: Emit,
    ) -> CandidateTracker:
        tokenizer = loaded.tokenizer
        end = loaded.model.generation_config.eos_token_id
        end_tokens = set(end if isinstance(end, list) else [end] if end is not None else [])
        controls = loaded.vocabulary.controls
        end_tokens |= {controls[text] for text in request.stop_tokens if text in controls}

        def decode(tokens: list[int]) -> str:
            text: str = tokenizer.decode(
                tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False
            )
            return text

        return CandidateTracker(
            indices,
            len(encoded.ids),
            request.stop,
            end_tokens,
            decode,
            emit,
            thinking=encoded.thinking,
        )

    def _run_batch(
        self,
        loaded: LoadedModel,
        request: GenerationRequest,
        prompt: list[int],
        tracker: CandidateTracker,
        cancellation: Cancellation,
    ) -> None:
        import torch
        from transformers import GenerationConfig, StoppingCriteriaList

        sampling = request.temperature > 0
        rows = len(tracker.candidates) if sampling else 1
        options: dict[str, Any] = {"max_new_tokens": request.max_new_tokens, "do_sample": sampling}
        if sampling:
            options.update(temperature=request.temperature, top_p=request.top_p)
        if self.prompt_lookup:
            options["prompt_lookup_num_tokens"] = self.prompt_lookup_num_tokens
        defaults = loaded.model.generation_config
        pad = defaults.pad_token_id
        config = GenerationConfig(  # type: ignore[no-untyped-call]
            num_return_sequences=rows,
            eos_token_id=defaults.eos_token_id,
            pad_token_id=loaded.tokenizer.pad_token_id if pad is None else pad,
            **options,
        )
        if request.seed is not None:
            torch.manual_seed(request.seed + tracker.candidates[0].index)
        criterion = _stopping_criterion(tracker, len(prompt), cancellation)
        input_ids = torch.tensor([prompt], device=loaded.device)
        try:
            with torch.inference_mode():
                loaded.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    generation_config=config,
                    stopping_criteria=StoppingCriteriaList([criterion]),
                )
        except BackendError:
            raise
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(
                f"The model {self.model!r} failed while generating: {exc}"
            ) from exc
