"""The server's one `Assistant`, built on first use from `BackendSettings`, and the model's
state for ``GET /pachinco/status``.

Building happens in a worker thread (a local model folder means reading its tokenizer), once,
however many requests arrive together. The model itself loads inside the backend on the first
generation; its ``Loading`` events, seen by every generation, are kept here so that
``/status`` can show the progress to a sidebar that did not start that generation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from traitlets.config import Config

from ..assistant import Answer, Assistant, AssistantEvent, Delta, Loading, Reasoning
from ..backends import BackendError, Cancellation, GenerationRequest, LoadingProgress
from ..backends.errors import ConfigurationError, ModelError
from ..backends.settings import BackendSettings
from .sessions import FollowingBackend, RequestBackend

ModelState = Literal["not-loaded", "loading", "ready", "error"]
PrefixesFor = Callable[[Assistant], Sequence[GenerationRequest]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelStatus:
    """Where the model stands; ``loading`` is the latest progress report while it loads,
    ``error`` why it could not load (typed backend errors never carry an API key)."""

    state: ModelState
    loading: Loading | None
    error: str | None = None


def settings_config(settings: BackendSettings) -> Config:
    """A traitlets `Config` holding every configurable value of ``settings`` as resolved now."""
    config = Config()
    for name in settings.trait_names(config=True):
        config.BackendSettings[name] = getattr(settings, name)
    return config


class SharedAssistant:
    """Builds the `Assistant` lazily and tracks the model's loading progress."""

    def __init__(self, settings: BackendSettings) -> None:
        self.settings = settings
        self._assistant: Assistant | None = None
        self._building = asyncio.Lock()
        self._status = ModelStatus("not-loaded", None)

    @property
    def status(self) -> ModelStatus:
        return self._status

    async def get(self) -> Assistant:
        """The shared assistant; `BackendError` when the settings cannot work."""
        async with self._building:
            if self._assistant is None:
                config = settings_config(self.settings)
                try:
                    self._assistant = await asyncio.to_thread(Assistant.from_config, config)
                except BackendError as exc:
                    self._status = ModelStatus("error", None, str(exc))
                    raise
                except (OSError, ValueError) as exc:
                    # A damaged local model folder: its tokenizer could not be read.
                    self._status = ModelStatus("error", None, str(exc))
                    raise ConfigurationError(
                        f"The model {self.settings.model!r} could not be prepared: {exc}"
                    ) from exc
            return self._assistant

    async def for_request(self, cancellation: Cancellation) -> Assistant:
        """An assistant like the shared one whose generations obey ``cancellation``."""
        shared = await self.get()
        return Assistant(
            RequestBackend(shared.backend, cancellation),
            count_tokens=shared.count_tokens,
            budget=shared.budget,
            style=shared.style,
            form=shared.form,
        )

    async def for_agent(self, cancellation: Cancellation) -> Assistant:
        """An assistant like the shared one for a run of several generations that all stop
        when ``cancellation`` fires (`FollowingBackend`)."""
        shared = await self.get()
        return Assistant(
            FollowingBackend(shared.backend, cancellation),
            count_tokens=shared.count_tokens,
            budget=shared.budget,
            style=shared.style,
            form=shared.form,
        )

    async def close(self) -> None:
        """Release the backend's connections (the server is stopping, or the model changes:
        the next request builds the assistant afresh from the settings)."""
        async with self._building:
            if self._assistant is not None:
                await self._assistant.backend.aclose()
                self._assistant = None
            self._status = ModelStatus("not-loaded", None)

    async def prepare(self, prefixes_for: PrefixesFor) -> None:
        """Load the model and evaluate the prefixes ``prefixes_for(assistant)`` gives (see
        `Backend.prepare`), with the progress in `status`; never raises (a failure is the
        model's state, as for a generation)."""
        try:
            assistant = await self.get()
            async for event in assistant.backend.prepare(prefixes_for(assistant)):
                if isinstance(event, LoadingProgress):
                    self.observe(Loading(event.stage, event.message, event.fraction))
        except Exception as exc:
            self.failed(exc)
            if not isinstance(exc, BackendError):
                log.exception("jupyter_pachinco: preparing the model failed")

    def observe(self, event: AssistantEvent) -> None:
        """Keep the model's state up to date from a generation's events."""
        if isinstance(event, Loading):
            state: ModelState = "ready" if event.stage == "ready" else "loading"
            self._status = ModelStatus(state, event)
        elif isinstance(event, Delta | Reasoning | Answer) and self._status.state != "ready":
            self._status = ModelStatus("ready", self._status.loading)

    def failed(self, error: BaseException) -> None:
        """A generation failed: a model that could not load puts the model in error."""
        if isinstance(error, ModelError):
            # Loading is over: the last progress message ("Fetching ...") would now mislead.
            self._status = ModelStatus("error", None, str(error))
        elif self._status.state == "loading":
            self._status = ModelStatus("not-loaded", None)
