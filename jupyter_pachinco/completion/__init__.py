"""Inline (ghost-text) completion: FIM prompts, context with live schemas, post-processing.

- `forms`: which prompt form a completion model gets (``fim``, ``suffix``, ``prefix``), asked
  of its backend (the FIM token families themselves are the backends', `backends.fim`);
- `prompts`: the context around the cursor (cells above, ARCADE schema comments) and the
  prompt in ``fim``, ``suffix`` or ``prefix`` form;
- `postprocess`: what of the model's text becomes the suggestion.

Pure logic, no I/O: the server's completion service does the waiting, never on a kernel.
"""

from __future__ import annotations

from ..backends.fim import (
    DEEPSEEK,
    FIM_FAMILIES,
    QWEN,
    STARCODER,
    FimFamily,
    detect_fim_family,
    fim_family,
)
from .postprocess import clean_suggestion, parses_or_incomplete
from .prompts import (
    CompletionContext,
    CompletionMode,
    CompletionPrompt,
    assemble_context,
    build_prompt,
)

__all__ = [
    "DEEPSEEK",
    "FIM_FAMILIES",
    "QWEN",
    "STARCODER",
    "CompletionContext",
    "CompletionMode",
    "CompletionPrompt",
    "FimFamily",
    "assemble_context",
    "build_prompt",
    "clean_suggestion",
    "detect_fim_family",
    "fim_family",
    "parses_or_incomplete",
]
