"""The objects behind the HTTP API, built once per server by `PachincoApp`.

Handlers reach them as ``self.pachinco`` (the web app's ``settings["pachinco"]``), so no
handler module needs the application class, and the application alone collects the routes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.settings import BackendSettings
from .agent_service import AgentService
from .completion_service import CompletionService
from .generation import GenerationService
from .kernels.inspection import KernelInspector
from .kernels.ranking import KernelRanker
from .kernels.scratch import KernelScratches
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
    completions: CompletionService

    async def close(self) -> None:
        """Stop what runs and let go of models and kernel connections (server shutdown)."""
        self.generation.sessions.cancel_all()
        self.agent.sessions.cancel_all()
        self.completions.sessions.cancel_all()
        await self.completions.model.close()
        await self.shared_assistant.close()
        await self.inspector.close()
        await self.ranker.close()
        await self.scratches.close()
