"""Prompting: context into prompts in ARCADE's styles, and model text into explained steps.

- ``build_completion_prompt`` / ``build_chat_messages``: the two forms of a prompt, in one of
  the styles named in ``PROMPT_STYLES`` (``vanilla``, ``stepwise``, ``stepwise-preamble``,
  ``explained``; default ``explained``), with our own exemplars (``EXEMPLARS``);
- ``parse_answer`` / ``StreamingParser``: model text into a ``Candidate`` of ``Step``s;
- ``insertion_cells``: a candidate as the cells to insert, in one of ``LAYOUTS``.

Pure logic: no model calls and no I/O.
"""

from __future__ import annotations

from .chat import PromptMessage, build_chat_messages
from .completion import build_completion_prompt, exemplar_prefix
from .exemplars import EXEMPLARS, Exemplar, ExemplarStep
from .layouts import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    InsertionCell,
    UnknownLayoutError,
    insertion_cells,
)
from .parsing import Candidate, ReadAnswer, parse_answer, read_answer
from .steps import Step
from .streaming import StreamingParser
from .styles import (
    DEFAULT_STYLE,
    PROMPT_STYLES,
    PromptStyle,
    UnknownStyleError,
    get_style,
    style_names,
)

__all__ = [
    "DEFAULT_LAYOUT",
    "DEFAULT_STYLE",
    "EXEMPLARS",
    "LAYOUTS",
    "PROMPT_STYLES",
    "Candidate",
    "Exemplar",
    "ExemplarStep",
    "InsertionCell",
    "PromptMessage",
    "PromptStyle",
    "ReadAnswer",
    "Step",
    "StreamingParser",
    "UnknownLayoutError",
    "UnknownStyleError",
    "build_chat_messages",
    "build_completion_prompt",
    "exemplar_prefix",
    "get_style",
    "insertion_cells",
    "parse_answer",
    "read_answer",
    "style_names",
]
