"""The server extension application: settings are traitlets, read by server and magic alike."""

from __future__ import annotations

from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float

from ..backends import Backend
from ..backends.settings import BackendSettings
from .completion_model import CompletionModel, CompletionSettings
from .completion_service import CompletionService
from .generation import GenerationService
from .handlers import pachinco_handlers
from .kernels.inspection import DEFAULT_WAIT_S, KernelInspector
from .kernels.ranking import DEFAULT_BUSY_WAIT_S, KernelRanker
from .shared_assistant import SharedAssistant


class PachincoApp(ExtensionApp):
    """Serves the assistant's HTTP API under ``/pachinco``.

    Model settings live in `BackendSettings` (``--BackendSettings.model=...`` or
    ``c.BackendSettings.model`` in a config file), shared with the ``%%pachinco`` magic.
    """

    name = "jupyter_pachinco"
    description = "An AI pair programmer for pandas notebooks."
    load_other_extensions = True

    variables_wait_s = Float(
        DEFAULT_WAIT_S,
        help=(
            "How long (seconds) to wait for a busy kernel to describe its variables before "
            "answering from the last snapshot, marked stale."
        ),
    ).tag(config=True)

    ranking_busy_wait_s = Float(
        DEFAULT_BUSY_WAIT_S,
        help=(
            "How long (seconds) to wait for a busy kernel before giving up on trial-running "
            "the candidates; they are then offered in sample order with a notice."
        ),
    ).tag(config=True)

    def initialize_settings(self) -> None:
        if self.serverapp is None:  # pragma: no cover - ExtensionApp always links one
            raise RuntimeError("jupyter_pachinco must be loaded by a Jupyter server")
        self.backend_settings = BackendSettings(parent=self)
        self.inspector = KernelInspector(
            self.serverapp.kernel_manager, wait_s=self.variables_wait_s
        )
        self.ranker = KernelRanker(
            self.serverapp.kernel_manager, busy_wait_s=self.ranking_busy_wait_s
        )
        # One assistant per server, built on first use: starting the server stays fast.
        self.shared_assistant = SharedAssistant(self.backend_settings)
        self.generation = GenerationService(
            self.inspector, self.serverapp.contents_manager, self.shared_assistant, self.ranker
        )
        self.completion_settings = CompletionSettings(parent=self)
        self.completions = CompletionService(
            self.inspector,
            CompletionModel(self.completion_settings, self.backend_settings, self._chat_backend),
            self.completion_settings,
        )
        self.settings["pachinco"] = self
        self.log.info(
            "jupyter_pachinco: backend=%s model=%s",
            self.backend_settings.backend,
            self.backend_settings.model,
        )

    async def _chat_backend(self) -> Backend:
        return (await self.shared_assistant.get()).backend

    def initialize_handlers(self) -> None:
        self.handlers.extend(pachinco_handlers())

    async def stop_extension(self) -> None:
        self.generation.sessions.cancel_all()
        self.completions.sessions.cancel_all()
        await self.completions.model.close()
        await self.shared_assistant.close()
        await self.inspector.close()
        await self.ranker.close()

    def public_status(self) -> dict[str, Any]:
        """What the browser may know about the configuration: never secrets."""
        from .. import __version__

        settings = self.backend_settings
        model = self.shared_assistant.status
        loading = model.loading
        return {
            "version": __version__,
            "backend": settings.backend,
            "model": settings.model,
            "base_url": settings.base_url or None,
            "model_state": model.state,
            "loading": None
            if loading is None
            else {"stage": loading.stage, "message": loading.message, "fraction": loading.fraction},
            "error": model.error,
        }
