"""Backend settings as traitlets, read the same way by the server extension and the magic.

Every setting can come from a traitlets config file or command line
(``--BackendSettings.base_url=...``); the first four also from environment variables, with the
same names and defaults the server extension uses. Settings never import a backend: the
registry (`registry.backend_from_settings`) builds the one they select.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Bool, Enum, Float, Int, Unicode, default
from traitlets.config import Configurable

from .choice import resolve_model_path

# The default for a new user with a network: Qwen2.5-Coder-1.5B-Instruct (Apache-2.0), a code
# model tuned to follow instructions, quantized to Q4_K_M (986 MB, downloaded once into the
# Hugging Face cache) and run by llama.cpp: on a laptop CPU it answers at reading speed, and at
# 1.5B it writes pandas a data scientist can use far more often than the 0.5B or 135M models.
DEFAULT_REPO = "lmstudio-community/Qwen2.5-Coder-1.5B-Instruct-GGUF"
DEFAULT_FILE = "Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf"
DEFAULT_MODEL = f"{DEFAULT_REPO}/{DEFAULT_FILE}"


def is_gguf_model(model: str) -> bool:
    """Whether a model setting names a GGUF file (local path or ``owner/repo/file.gguf``)."""
    return model.strip().lower().endswith(".gguf")


def _from_env(name: str, fallback: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or fallback


class BackendSettings(Configurable):
    """Which model answers, and how to reach it."""

    backend = Unicode(
        help=(
            "Which model backend answers requests: 'transformers' (in process), 'llamacpp' (a "
            "GGUF file in process), 'openai' (any OpenAI-compatible server) or any name "
            "registered under the 'jupyter_pachinco.backends' entry-point group. Defaults to "
            "'openai' when base_url is set, else 'llamacpp' when the model is a .gguf file "
            "(or gguf_file is set), else 'transformers'. Environment: PACHINCO_BACKEND."
        ),
    ).tag(config=True)

    model = Unicode(
        help=(
            "Model id (Hugging Face id or local folder for 'transformers'; a .gguf path or "
            "Hugging Face repo id for 'llamacpp'; the served model "
            f"name for 'openai'). Default: {DEFAULT_MODEL}. Environment: PACHINCO_MODEL."
        ),
    ).tag(config=True)

    base_url = Unicode(
        help=(
            "Base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1. "
            "Environment: PACHINCO_BASE_URL."
        ),
    ).tag(config=True)

    api_key_env = Unicode(
        "OPENAI_API_KEY",
        help=(
            "Name of the environment variable that holds the API key for the OpenAI-compatible "
            "server. The key itself is never configured, logged or sent to the browser."
        ),
    ).tag(config=True)

    connect_timeout = Float(
        10.0, help="Seconds to wait for a connection to the OpenAI-compatible server."
    ).tag(config=True)

    read_timeout = Float(
        60.0,
        help=(
            "Seconds the OpenAI-compatible server may stay silent, before its headers or "
            "between streamed tokens, before the request fails with a timeout error."
        ),
    ).tag(config=True)

    max_retries = Int(
        2,
        help=(
            "How many times a request answered with 429 or 5xx is retried, only before its "
            "first token arrives."
        ),
    ).tag(config=True)

    retry_backoff = Float(
        0.5,
        help="Seconds before the first retry; doubled for each further retry.",
    ).tag(config=True)

    device = Enum(
        ["auto", "cuda", "mps", "cpu"],
        "auto",
        help="Where the in-process model runs; 'auto' picks cuda, then mps, then cpu.",
    ).tag(config=True)

    dtype = Enum(
        ["auto", "float32", "float16", "bfloat16"],
        "auto",
        help="Weights' dtype for the in-process model; 'auto' picks per device.",
    ).tag(config=True)

    prompt_lookup = Bool(
        False,
        help=(
            "Prompt-lookup decoding for the in-process model: draft tokens are copied from the "
            "prompt (column and variable names), which speeds up answers that quote it."
        ),
    ).tag(config=True)

    prompt_lookup_num_tokens = Int(
        10, help="How many tokens prompt-lookup decoding drafts at a time."
    ).tag(config=True)

    gguf_file = Unicode(
        "",
        help=(
            "For 'llamacpp': the GGUF file to take from the Hugging Face repository named by "
            "`model` (e.g. model='bartowski/SmolLM2-135M-Instruct-GGUF', "
            "gguf_file='SmolLM2-135M-Instruct-Q4_K_M.gguf'). Empty when `model` is a .gguf path."
        ),
    ).tag(config=True)

    n_ctx = Int(
        4096,
        help=(
            "For 'llamacpp': the context length in tokens (prompt plus answer); 0 means the "
            "model's own. The prompt budget never exceeds n_ctx minus max_new_tokens."
        ),
    ).tag(config=True)

    n_threads = Int(
        0, help="For 'llamacpp': CPU threads for generation; 0 lets llama.cpp choose."
    ).tag(config=True)

    local_files_only = Bool(
        False,
        help="Never download the in-process model; use only local folders and the HF cache.",
    ).tag(config=True)

    @default("backend")
    def _default_backend(self) -> str:
        explicit = _from_env("PACHINCO_BACKEND", "")
        if explicit:
            return explicit
        if self.base_url:
            return "openai"
        return "llamacpp" if is_gguf_model(self.model) or self.gguf_file else "transformers"

    @default("model")
    def _default_model(self) -> str:
        return _from_env("PACHINCO_MODEL", DEFAULT_MODEL)

    @default("base_url")
    def _default_base_url(self) -> str:
        return _from_env("PACHINCO_BASE_URL", "")

    def resolve_paths(self, base: Path | None = None) -> None:
        """Make a relative local ``model`` path absolute, against ``base`` (the current
        folder: where the setting was given), once; served model names stay as they are."""
        if self.backend != "openai":
            resolved = resolve_model_path(self.model, base)
            if resolved != self.model:
                self.model = resolved

    def explicit_model(self) -> bool:
        """Whether the model was given at start (config, command line or environment), so
        that it wins over a choice saved in the picker."""
        section = self.config.get("BackendSettings", {})
        given = any(name in section for name in ("model", "base_url", "backend"))
        env = ("PACHINCO_MODEL", "PACHINCO_BASE_URL", "PACHINCO_BACKEND")
        return given or any(os.environ.get(name, "").strip() for name in env)
