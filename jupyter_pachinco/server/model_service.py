"""Which model the server answers with, switched without a restart (the model picker).

At start the server's configured model is resolved (relative paths against the folder the
server was started in) and becomes `ModelService.configured`. A choice saved earlier in the
picker applies over it, unless the model was given explicitly at start (``make lab MODEL=...``,
``PACHINCO_MODEL``, a config file or the command line): an explicit model wins.

`ModelService.choose` switches: it stops the generations in flight, closes the old backend,
changes the shared `BackendSettings` in place (the chat assistant and the ghost-text model
both read them), saves the choice, and rewrites the runtime file named by
``PACHINCO_ACTIVE_MODEL``, which this server's kernels inherit: the magic reads it on its next
call. Nothing here ever holds an API key: only the name of its environment variable.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..backends.choice import (
    ACTIVE_MODEL_ENV,
    ChoiceError,
    ModelChoice,
    read_choice,
    write_choice,
)
from ..backends.discovery import Places, local_models, unique
from ..backends.discovery_servers import ServerEntry, served_models
from ..backends.errors import BackendError
from ..backends.llamacpp_loading import forget_shared_ggufs
from ..backends.registry import load_backend_class
from ..backends.settings import DEFAULT_MODEL, BackendSettings
from ..backends.urls import public_url
from .shared_assistant import SharedAssistant

DEFAULT_API_KEY_ENV = "OPENAI_API_KEY"


def choice_of(settings: BackendSettings, label: str = "") -> ModelChoice:
    """The model ``settings`` select, as a choice."""
    return ModelChoice(
        backend=settings.backend,
        model=settings.model,
        base_url=settings.base_url,
        gguf_file=settings.gguf_file,
        api_key_env=settings.api_key_env,
        label=label,
    )


def apply_choice(settings: BackendSettings, choice: ModelChoice) -> None:
    """Set the model of ``settings`` to ``choice``, in place (fields a choice leaves empty get
    their defaults, never the previous model's: a GGUF file name of another repository)."""
    settings.backend = choice.backend
    settings.model = choice.model
    settings.base_url = choice.base_url
    settings.gguf_file = choice.gguf_file
    settings.api_key_env = choice.api_key_env or DEFAULT_API_KEY_ENV


def check_choice(choice: ModelChoice) -> None:
    """`ChoiceError` for a choice that cannot load: an unknown backend, or a local file or
    folder that its backend finds missing or wrong (saying where it looked)."""
    try:
        load_backend_class(choice.backend).check_model(choice.model, choice.gguf_file)
    except BackendError as exc:
        raise ChoiceError(str(exc)) from exc


class ModelService:
    """The configured, saved and active model of one server, and the picker's candidates."""

    def __init__(
        self,
        settings: BackendSettings,
        shared: SharedAssistant,
        *,
        choice_file: Path,
        runtime_file: Path,
        servers: Sequence[ServerEntry] = (),
        before_switch: Any = None,
    ) -> None:
        self.settings = settings
        self.shared = shared
        self.choice_file = choice_file
        self.runtime_file = runtime_file
        self.servers = list(servers)
        self.before_switch = before_switch
        settings.resolve_paths()
        self.explicit = settings.explicit_model()
        self.configured = choice_of(settings, "Server configuration")
        self.chosen: ModelChoice | None = None
        self._switching = asyncio.Lock()

    def start(self) -> None:
        """Apply the saved choice (unless the model was given explicitly) and tell kernels
        started from now on where to read the active model."""
        saved = read_choice(self.choice_file)
        if saved is not None and not self.explicit:
            try:
                check_choice(saved)
            except ChoiceError:
                saved = None  # a saved model that is gone: the configured one answers
        if saved is not None and not self.explicit:
            apply_choice(self.settings, saved)
            self.chosen = saved
        self._write_runtime()
        os.environ[ACTIVE_MODEL_ENV] = str(self.runtime_file)

    @property
    def active(self) -> ModelChoice:
        return self.chosen or self.configured

    async def choose(self, choice: ModelChoice | None) -> None:
        """Answer with ``choice`` from now on (None: the configured model again)."""
        if choice is not None:
            base_url = self._known_url(choice.base_url)
            choice = ModelChoice(
                **{**choice.as_json(), "model": self._resolved(choice), "base_url": base_url}
            )
            check_choice(choice)
        async with self._switching:
            if self.before_switch is not None:
                await self.before_switch()
            await self.shared.close()
            forget_shared_ggufs()
            apply_choice(self.settings, choice or self.configured)
            self.chosen = choice
            write_choice(self.choice_file, choice)
            self._write_runtime()

    def _known_url(self, url: str) -> str:
        """The configured URL behind ``url`` as the browser was shown it (`public_url`: no
        credentials), so that choosing a server the picker listed keeps its credentials;
        any other URL as it is."""
        for entry in self._servers(()):
            if url and public_url(entry.base_url) == url:
                return entry.base_url
        return url

    def _resolved(self, choice: ModelChoice) -> str:
        probe = BackendSettings(config=None)
        apply_choice(probe, choice)
        probe.resolve_paths()
        return probe.model

    def _write_runtime(self) -> None:
        active = choice_of(self.settings, self.active.label)
        write_choice(self.runtime_file, active)

    async def discover(self, extra: Sequence[ServerEntry] = ()) -> dict[str, Any]:
        """The picker's candidates: on disk, from a local Ollama and from the servers."""
        found = await asyncio.to_thread(local_models, Places.from_environment())
        servers = self._servers(extra)
        served = await served_models(servers)
        models = unique([*found.models, *served.models])
        return {
            "models": [model.as_json() for model in models],
            "notes": [*found.notes, *served.notes],
            "active": self.active.public_json(),
            "configured": self.configured.public_json(),
            "default_download": DEFAULT_MODEL,
            "explicit": self.explicit,
        }

    def _servers(self, extra: Sequence[ServerEntry]) -> list[ServerEntry]:
        entries = [*self.servers, *extra]
        if self.configured.server_url:
            key_env = self.configured.api_key_env
            entries.insert(0, ServerEntry(self.configured.server_url, key_env, "configured server"))
        seen: set[str] = set()
        kept = []
        for entry in entries:
            if entry.base_url not in seen:
                seen.add(entry.base_url)
                kept.append(entry)
        return kept

    def public(self) -> dict[str, Any]:
        """What `/status` says about the choice (never a key: only its variable's name)."""
        return {
            "choice": self.active.public_json(),
            "chosen": self.chosen is not None,
            "explicit": self.explicit,
        }
