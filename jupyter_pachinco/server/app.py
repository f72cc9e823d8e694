"""The server extension application: its traitlets settings, the services it builds, and the
route table collected from the handler modules. Settings are traitlets, read by server and magic
alike."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir, jupyter_runtime_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Dict, Float, List, Unicode

from ..backends import Backend
from ..backends.choice import ChoiceError
from ..backends.discovery_servers import ServerEntry
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
from .model_handlers import model_handlers
from .model_service import ModelService
from .notebook_tools import NotebookTools
from .services import PachincoServices
from .shared_assistant import SharedAssistant
from .status_handlers import status_handlers
from .tool_handlers import tool_handlers


def pachinco_handlers() -> list[tuple[str, type[PachincoHandler]]]:
    """Every route of the assistant's API, as each handler module lists its own."""
    return [
        *status_handlers,
        *generate_handlers,
        *completion_handlers,
        *history_handlers,
        *agent_handlers,
        *model_handlers,
        *tool_handlers,
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

    model_choice_file = Unicode(
        "",
        help=(
            "Where the model chosen in the sidebar's picker is saved, so that it survives a "
            "restart (JSON; default: <jupyter data dir>/pachinco/model-choice.json). A model "
            "given explicitly at start (PACHINCO_MODEL, config, command line) wins over it."
        ),
    ).tag(config=True)

    servers = List(
        Dict(),
        help=(
            "OpenAI-compatible servers the model picker lists the models of, each "
            '{"base_url": "http://host:8000/v1", "api_key_env": "NAME_OF_KEY_VARIABLE", '
            '"name": "..."}: the key is read from that environment variable, never stored.'
        ),
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
        models = ModelService(
            backend_settings,
            shared,
            choice_file=Path(self.model_choice_file or default_choice_file()),
            runtime_file=Path(jupyter_runtime_dir()) / f"pachinco-model-{os.getpid()}.json",
            servers=self._configured_servers(),
        )
        models.start()

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
            tools=NotebookTools(self.serverapp, inspector, ranker, generation, shared, scratches),
            completions=CompletionService(
                inspector,
                CompletionModel(completion_settings, backend_settings, chat_backend),
                completion_settings,
            ),
            models=models,
        )
        models.before_switch = self.services.stop_model_work
        self.settings["pachinco"] = self.services
        self.log.info(
            "jupyter_pachinco: backend=%s model=%s",
            backend_settings.backend,
            backend_settings.model,
        )

    def _configured_servers(self) -> list[ServerEntry]:
        entries = []
        for server in self.servers:
            try:
                entries.append(ServerEntry.from_json(server))
            except ChoiceError as exc:
                self.log.warning("jupyter_pachinco: PachincoApp.servers: %s (left out)", exc)
        return entries

    def initialize_handlers(self) -> None:
        self.handlers.extend(pachinco_handlers())

    async def stop_extension(self) -> None:
        await self.services.close()


def default_choice_file() -> Path:
    return Path(jupyter_data_dir()) / "pachinco" / "model-choice.json"
