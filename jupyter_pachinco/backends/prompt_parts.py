"""The parts of a raw prompt: plain text and control tokens the product writes (no I/O).

Its own module so that the FIM families (``fim``) and the backend protocol (``protocol``, which
re-exports both names) can each use it without importing the other back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlToken:
    """A control token that the product writes into a raw prompt (a FIM marker), by its text.

    In-process backends send it as the model's one control token of that text; every other
    part of a prompt is plain text, tokenized with special-token parsing off, so that text
    from cells or values can never become a control token (see `control_tokens`)."""

    text: str


PromptPart = str | ControlToken
