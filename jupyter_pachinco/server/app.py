"""The server extension application: every setting is a traitlet, read by server and magic alike."""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode, default

from .handlers import status_handlers


def _from_env(name: str, fallback: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or fallback


class PachincoApp(ExtensionApp):
    """Serves the assistant's HTTP API under ``/pachinco``."""

    name = "jupyter_pachinco"
    description = "An AI pair programmer for pandas notebooks."
    load_other_extensions = True

    backend = Unicode(
        help=(
            "Which model backend answers requests: 'transformers' (in process) or "
            "'openai' (any OpenAI-compatible server). Defaults to 'openai' when base_url "
            "is set, else 'transformers'. Environment: PACHINCO_BACKEND."
        ),
    ).tag(config=True)

    model = Unicode(
        help=(
            "Model id (Hugging Face id or local path for 'transformers'; the served model "
            "name for 'openai'). Environment: PACHINCO_MODEL."
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
            "Name of the environment variable that holds the API key for the "
            "OpenAI-compatible server. The key itself is never configured, logged or "
            "sent to the browser."
        ),
    ).tag(config=True)

    @default("backend")
    def _default_backend(self) -> str:
        explicit = _from_env("PACHINCO_BACKEND", "")
        if explicit:
            return explicit
        return "openai" if self.base_url else "transformers"

    @default("model")
    def _default_model(self) -> str:
        return _from_env("PACHINCO_MODEL", DEFAULT_MODEL)

    @default("base_url")
    def _default_base_url(self) -> str:
        return _from_env("PACHINCO_BASE_URL", "")

    def initialize_settings(self) -> None:
        self.settings["pachinco"] = self
        self.log.info(
            "jupyter_pachinco: backend=%s model=%s", self.backend, self.model or "(default)"
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend(status_handlers)

    def public_status(self) -> dict[str, Any]:
        """What the browser may know about the configuration: never secrets."""
        from .. import __version__

        return {
            "version": __version__,
            "backend": self.backend,
            "model": self.model,
            "base_url": self.base_url or None,
        }


# A small, permissively licensed (Apache-2.0), instruction-tuned code model that runs on a
# laptop CPU. Users point elsewhere with `make lab MODEL=...` or PachincoApp.model.
DEFAULT_MODEL = "Qwen/Qwen2.5-Coder-0.5B-Instruct"
