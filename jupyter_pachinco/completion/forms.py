"""Which prompt form an inline-completion model gets: ``fim``, ``suffix`` or ``prefix``.

``CompletionSettings.fim`` may force one: a FIM family's name, ``suffix`` (the OpenAI
``suffix`` field) or ``prefix`` (the text before the cursor only). Left at ``auto``, the
backend is asked: the FIM family its model speaks (`Backend.fim_family`: from the tokenizer's
vocabulary in process, from the served model's name for a server), else its own plain form
(`Backend.completion_without_fim`). No backend is asked its name, so a third-party backend
that describes itself gets the same choice as the built-in ones.
"""

from __future__ import annotations

from ..backends.fim import FIM_FAMILIES, FimFamily, fim_family
from ..backends.protocol import Backend
from .prompts import CompletionMode

FIM_CHOICES = ["auto", *FIM_FAMILIES, "suffix", "prefix"]


def choose_mode(fim: str, backend: Backend) -> tuple[CompletionMode, FimFamily | None]:
    """The prompt form for the ``fim`` setting and the model ``backend`` runs (may read the
    model's tokenizer: call it from a worker thread)."""
    if fim in FIM_FAMILIES:
        return "fim", fim_family(fim)
    if fim in ("suffix", "prefix"):
        return ("suffix" if fim == "suffix" else "prefix"), None
    family = backend.fim_family()
    if family is not None:
        return "fim", family
    return backend.completion_without_fim, None
