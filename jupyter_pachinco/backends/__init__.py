"""Model backends behind one async protocol; see `protocol` and `errors`.

Backends are registered by entry point (group ``jupyter_pachinco.backends``) and chosen by
`BackendSettings`. Heavy dependencies (torch, transformers) load only when a backend needs them.
"""

from __future__ import annotations

from .errors import BackendError
from .protocol import (
    PREFIX_END,
    Backend,
    Cancellation,
    CandidateFinished,
    ChatMessage,
    Completion,
    Event,
    FinishReason,
    Generation,
    GenerationRequest,
    LoadingProgress,
    TextDelta,
    Usage,
)
from .registry import available_backends, backend_from_settings, build_backend, load_backend_class
from .settings import DEFAULT_MODEL, BackendSettings

__all__ = [
    "DEFAULT_MODEL",
    "PREFIX_END",
    "Backend",
    "BackendError",
    "BackendSettings",
    "Cancellation",
    "CandidateFinished",
    "ChatMessage",
    "Completion",
    "Event",
    "FinishReason",
    "Generation",
    "GenerationRequest",
    "LoadingProgress",
    "TextDelta",
    "Usage",
    "available_backends",
    "backend_from_settings",
    "build_backend",
    "load_backend_class",
]
