"""The body of ``POST /pachinco/complete``, read strictly (see `validation` for the rules).

Pure functions, no I/O: every problem becomes a `BadRequest` that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .validation import (
    MAX_BODY_BYTES,
    MAX_REQUEST_ID_CHARS,
    BadRequest,
    _int_in,
    _no_unknown_fields,
    _optional_text,
    _text,
    read_cells,
    read_json_object,
)

COMPLETE_FIELDS = frozenset(
    {"request_id", "prefix", "suffix", "cells", "kernel_id", "notebook_path", "options"}
)
COMPLETE_OPTION_FIELDS = frozenset({"max_chars", "max_new_tokens"})
MAX_SUGGESTION_CHARS = 2000
MAX_COMPLETION_TOKENS = 512


@dataclass(frozen=True)
class CompleteBody:
    """A validated completion request: the active cell split at the cursor into ``prefix`` and
    ``suffix``, the ``cells`` above it (oldest first) and the notebook's kernel."""

    request_id: str
    prefix: str
    suffix: str = ""
    cells: list[dict[str, Any]] = field(default_factory=list)
    kernel_id: str | None = None
    notebook_path: str | None = None
    max_chars: int = 400
    max_new_tokens: int = 64


def read_complete_body(body: bytes) -> CompleteBody:
    """A completion request, or `BadRequest` saying what is wrong with it."""
    data = read_json_object(body)
    _no_unknown_fields(data, COMPLETE_FIELDS, "")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise BadRequest("`options` must be an object.")
    _no_unknown_fields(options, COMPLETE_OPTION_FIELDS, "options.")
    defaults = CompleteBody(request_id="", prefix="")
    return CompleteBody(
        request_id=_text(data, "request_id", 1, MAX_REQUEST_ID_CHARS),
        prefix=_text(data, "prefix", 0, MAX_BODY_BYTES),
        suffix=_text(data, "suffix", 0, MAX_BODY_BYTES) if "suffix" in data else "",
        cells=read_cells(data.get("cells", [])),
        kernel_id=_optional_text(data, "kernel_id"),
        notebook_path=_optional_text(data, "notebook_path"),
        max_chars=_int_in(options, "max_chars", 1, MAX_SUGGESTION_CHARS, defaults.max_chars),
        max_new_tokens=_int_in(
            options, "max_new_tokens", 1, MAX_COMPLETION_TOKENS, defaults.max_new_tokens
        ),
    )
