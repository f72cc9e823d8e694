"""The objects behind the HTTP API, built once per server by `PachincoApp`.

Handlers reach them as ``self.pachinco`` (the web app's ``settings["pachinco"]``), so no
handler module needs the application class, and the application alone collects the routes.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

from ..backends.choice import ACTIVE_MODEL_ENV
from ..backends.settings import BackendSettings
from .agent_service import AgentService
from .completion_service import CompletionService
from .generation import GenerationService
from .kernels.inspection import KernelInspector
from .kernels.ranking import KernelRanker
from .kernels.scratch import KernelScratches
from .model_service import ModelService
from .notebook_tools import NotebookTools
from .shared_assistant import SharedAssistant


@dataclass
class PachincoServices:
    """The server's settings, kernel bridge, shared assistant and the work behind the routes."""

    backend_settings: BackendSettings
    inspector: KernelInspector
    ranker: KernelRanker
    shared_assistant: SharedAssistant
    generation: GenerationService
    scratches: KernelScratches
    agent: AgentService
    tools: NotebookTools
    completions: CompletionService
    models: ModelService
    #: Work a request started that outlives it (preparing the model ahead of a question).
    background: set[asyncio.Task[None]] = field(default_factory=set)

    async def stop_model_work(self) -> None:
        """Before the model changes: stop what runs on the old one."""
        self.generation.sessions.cancel_all()
        self.agent.sessions.cancel_all()
        self.completions.sessions.cancel_all()
        await self.completions.model.close()

    async def close(self) -> None:
        """Stop what runs and let go of models and kernel connections (server shutdown)."""
        for task in list(self.background):
            task.cancel()
        await self.stop_model_work()
        await self.shared_assistant.close()
        await self.inspector.close()
        await self.ranker.close()
        await self.tools.scratch.close_all()
        await self.scratches.close()
        self.models.runtime_file.unlink(missing_ok=True)
        if os.environ.get(ACTIVE_MODEL_ENV) == str(self.models.runtime_file):
            del os.environ[ACTIVE_MODEL_ENV]
