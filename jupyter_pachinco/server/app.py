"""The server extension application: its traitlets settings, the services it builds, and the
route table collected from the handler modules. Settings are traitlets, read by server and magic
alike."""

from __future__ import annotations

from dataclasses import replace

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float

from ..backends import Backend
from ..backends.settings import BackendSettings
from ..execution.kernel_trials import DEFAULT_LIMITS
from .agent_handlers import agent_handlers
from .agent_service import DEFAULT_RUN_TIMEOUT_S, AgentService
from .completion_handlers import completion_handlers
from .completion_model import CompletionModel, CompletionSettings
from .completion_service import CompletionService
from .generate_handlers import generate_handlers
from .generation import GenerationService
from .handlers import PachincoHandler
from .history_handlers import history_handlers
from .kernels.inspection import DEFAULT_WAIT_S, KernelInspector
from .kernels.ranking import DEFAULT_BUSY_WAIT_S, KernelRanker
from .kernels.scratch import DEFAULT_BUSY_WAIT_S as SCRATCH_BUSY_WAIT_S
from .kernels.scratch import KernelScratches
from .services import PachincoServices
from .shared_assistant import SharedAssistant
from .status_handlers import status_handlers


def pachinco_handlers() -> list[tuple[str, type[PachincoHandler]]]:
    """Every route of the assistant's API, as each handler module lists its own."""
    return [
        *status_handlers,
        *generate_handlers,
        *completion_handlers,
        *history_handlers,
        *agent_handlers,
    ]


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

    trial_time_s = Float(
        DEFAULT_LIMITS.wall_time_s,
        help=(
            "How long (seconds, wall and CPU time alike) each candidate's trial run may take "
            "before it is stopped and reported as timed out."
        ),
    ).tag(config=True)

    agent_busy_wait_s = Float(
        SCRATCH_BUSY_WAIT_S,
        help=(
            "How long (seconds) an agent run waits for a busy kernel before it gives up on "
            "making the scratch copy (the copy is taken when the kernel is idle)."
        ),
    ).tag(config=True)

    agent_timeout_s = Float(
        DEFAULT_RUN_TIMEOUT_S,
        help="How long (seconds) one agent run may take; past it, it stops and its scratch ends.",
    ).tag(config=True)

    def initialize_settings(self) -> None:
        if self.serverapp is None:  # pragma: no cover - ExtensionApp always links one
            raise RuntimeError("jupyter_pachinco must be loaded by a Jupyter server")
        backend_settings = BackendSettings(parent=self)
        kernels = self.serverapp.kernel_manager
        inspector = KernelInspector(kernels, wait_s=self.variables_wait_s)
        limits = replace(
            DEFAULT_LIMITS, wall_time_s=self.trial_time_s, cpu_time_s=self.trial_time_s
        )
        ranker = KernelRanker(kernels, limits=limits, busy_wait_s=self.ranking_busy_wait_s)
        # One assistant per server, built on first use: starting the server stays fast.
        shared = SharedAssistant(backend_settings)

        async def chat_backend() -> Backend:
            return (await shared.get()).backend

        completion_settings = CompletionSettings(parent=self)
        generation = GenerationService(inspector, self.serverapp.contents_manager, shared, ranker)
        scratches = KernelScratches(kernels, busy_wait_s=self.agent_busy_wait_s)
        self.services = PachincoServices(
            backend_settings=backend_settings,
            inspector=inspector,
            ranker=ranker,
            shared_assistant=shared,
            generation=generation,
            scratches=scratches,
            agent=AgentService(
                inspector, generation, shared, scratches, run_timeout_s=self.agent_timeout_s
            ),
            completions=CompletionService(
                inspector,
                CompletionModel(completion_settings, backend_settings, chat_backend),
                completion_settings,
            ),
        )
        self.settings["pachinco"] = self.services
        self.log.info(
            "jupyter_pachinco: backend=%s model=%s",
            backend_settings.backend,
            backend_settings.model,
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend(pachinco_handlers())

    async def stop_extension(self) -> None:
        await self.services.close()
