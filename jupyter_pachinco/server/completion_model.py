"""The model behind inline completions: its own settings, its backend, and its prompt form.

`CompletionSettings` (traitlets, ``c.CompletionSettings.model = ...``) names the completion
model. Left empty, completions use the chat model's backend itself (one model in memory);
set, they get a backend of their own, built like the chat one with these fields replaced, so
that a small, fast model can complete while a larger one chats.

The prompt form (`CompletionPlan.mode`) comes from ``fim``: a family name forces that FIM
family, ``suffix`` sends the cell's rest as the OpenAI ``suffix`` field, ``prefix`` sends the
prefix only, and ``auto`` (the default) detects the FIM family from the model's tokenizer
(transformers: the tokenizer's vocabulary; llama.cpp: the GGUF file's vocabulary), and for an
OpenAI-compatible server from the served model's name, else it uses ``suffix``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from traitlets import Enum, Int, Unicode
from traitlets.config import Configurable

from ..backends import Backend, BackendSettings, backend_from_settings
from ..completion import FIM_FAMILIES, CompletionMode, FimFamily, detect_fim_family, fim_family
from ..completion.prompts import DEFAULT_BUDGET_CHARS
from .shared_assistant import settings_config

log = logging.getLogger(__name__)

FIM_CHOICES = ["auto", *FIM_FAMILIES, "suffix", "prefix"]
# Served model names that tell the FIM family when no tokenizer is at hand.
NAME_HINTS = {"qwen": ("qwen2.5-coder", "qwen2-coder", "codeqwen"), "starcoder": ("starcoder",)}
NAME_HINTS["deepseek"] = ("deepseek-coder",)


class CompletionSettings(Configurable):
    """Which model writes inline completions, in which prompt form, with how much context."""

    model = Unicode(
        "",
        help=(
            "The completion model (Hugging Face id, local folder or GGUF file, or the served "
            "model name). Empty: the chat model (BackendSettings.model) completes too."
        ),
    ).tag(config=True)

    backend = Unicode(
        "", help="The completion model's backend; empty: the chat model's (BackendSettings)."
    ).tag(config=True)

    base_url = Unicode(
        "", help="The completion model's OpenAI-compatible server; empty: the chat model's."
    ).tag(config=True)

    fim = Enum(
        FIM_CHOICES,
        "auto",
        help=(
            "Prompt form: 'auto' detects the FIM family from the model's tokenizer; "
            "'qwen', 'starcoder', 'deepseek' force one; 'suffix' sends the OpenAI `suffix` "
            "field; 'prefix' sends the text before the cursor only."
        ),
    ).tag(config=True)

    budget_chars = Int(
        DEFAULT_BUDGET_CHARS,
        help="Characters of context (cells above, schemas, the cell) in a completion prompt.",
    ).tag(config=True)

    max_new_tokens = Int(64, help="The longest suggestion, in tokens.").tag(config=True)

    @property
    def own_model(self) -> bool:
        """Whether completions use a model of their own rather than the chat model's."""
        return bool(self.model or self.backend or self.base_url)


@dataclass(frozen=True)
class CompletionPlan:
    """The backend that completes, and the prompt form it takes."""

    backend: Backend
    mode: CompletionMode
    family: FimFamily | None


class CompletionModel:
    """Builds the completion backend and its plan once, on first use."""

    def __init__(
        self,
        settings: CompletionSettings,
        chat_settings: BackendSettings,
        chat_backend: Callable[[], Awaitable[Backend]],
    ) -> None:
        self.settings = settings
        self.chat_settings = chat_settings
        self._chat_backend = chat_backend
        self._plan: CompletionPlan | None = None
        self._building = asyncio.Lock()

    async def plan(self) -> CompletionPlan:
        """The plan; `BackendError` when the settings cannot work."""
        async with self._building:
            if self._plan is None:
                self._plan = await self._build()
            return self._plan

    async def close(self) -> None:
        """Release a backend of the completion model's own (the chat one is closed elsewhere)."""
        if self._plan is not None and self.settings.own_model:
            await self._plan.backend.aclose()
        self._plan = None

    def effective_settings(self) -> BackendSettings:
        """The backend settings of the completion model: the chat ones, with ours on top."""
        config = settings_config(self.chat_settings)
        for name in ("model", "backend", "base_url"):
            value = getattr(self.settings, name)
            if value:
                config.BackendSettings[name] = value
        if self.settings.base_url and not self.settings.backend:
            config.BackendSettings["backend"] = "openai"
        return BackendSettings(config=config)

    async def _build(self) -> CompletionPlan:
        settings = self.effective_settings()
        if self.settings.own_model:
            backend = await asyncio.to_thread(backend_from_settings, settings)
        else:
            backend = await self._chat_backend()
        mode, family = await asyncio.to_thread(choose_mode, self.settings.fim, settings)
        log.info(
            "jupyter_pachinco: completions by %s (%s), prompt form %s%s",
            settings.model,
            settings.backend,
            mode,
            f" ({family.name})" if family else "",
        )
        return CompletionPlan(backend, mode, family)


def choose_mode(fim: str, settings: BackendSettings) -> tuple[CompletionMode, FimFamily | None]:
    """The prompt form for the ``fim`` setting and the model that ``settings`` select."""
    if fim in FIM_FAMILIES:
        return "fim", fim_family(fim)
    if fim in ("suffix", "prefix"):
        return ("suffix" if fim == "suffix" else "prefix"), None
    if settings.backend == "openai":
        family = family_from_name(settings.model)
        return ("fim", family) if family else ("suffix", None)
    family = detect_fim_family(model_vocabulary(settings))
    return ("fim", family) if family else ("prefix", None)


def family_from_name(model: str) -> FimFamily | None:
    """The FIM family a served model's name tells, if any."""
    lowered = model.lower()
    for name, hints in NAME_HINTS.items():
        if any(hint in lowered for hint in hints):
            return fim_family(name)
    return None


def model_vocabulary(settings: BackendSettings) -> Iterable[str]:
    """The tokens of the model's vocabulary, or nothing when it cannot be read here."""
    path = Path(settings.model).expanduser()
    try:
        if path.is_file() and path.suffix == ".gguf":
            return gguf_vocabulary(path)
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(
            str(path) if path.is_dir() else settings.model,
            local_files_only=settings.local_files_only or path.is_dir(),
        )
        return [*tokenizer.get_vocab(), *tokenizer.all_special_tokens]
    except (OSError, ValueError, ImportError) as exc:
        log.info("jupyter_pachinco: no tokenizer for %s (%s); no FIM", settings.model, exc)
        return []


def gguf_vocabulary(path: Path) -> list[str]:
    """The token texts of a GGUF file's vocabulary, read by llama.cpp (vocabulary only: no
    weights are loaded)."""
    from ..backends.llamacpp_loading import open_llama, silence_llama_cpp

    silence_llama_cpp()
    vocab = open_llama(path, vocab_only=True, verbose=True)
    try:
        return [
            vocab.detokenize([token], special=True).decode("utf-8", "replace")
            for token in range(vocab.n_vocab())
        ]
    finally:
        vocab.close()
