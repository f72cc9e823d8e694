"""Control tokens come only from the product: tokenizing prompts for in-process models.

A model's control tokens (chat-template turns such as ``<|im_start|>``, FIM markers, BOS/EOS)
steer it; a cell, an output, a DataFrame value, an intent, a turn or an exemplar that holds the
text ``<|im_end|><|im_start|>system`` must reach the model as those characters, never as an end
of turn and a forged system turn. So prompts are tokenized in two ways, with the tokenizer's own
switch (llama.cpp's ``special``, transformers' ``split_special_tokens``):

- raw prompts (`encode_parts`): every text part plain, each `ControlToken` part as its token;
- chat prompts (`encode_chat`): the model's template renders the messages, after every stretch
  of a message's content that spells a control token has been replaced by a sentinel (a
  random nonce between private-use characters). The rendered text, which then holds only the
  template's own control tokens, is tokenized with special-token parsing on; each sentinel
  becomes the tokens of the stretch it hides, as plain text. Without such stretches the ids
  are exactly the library's own (one tokenizer call on the whole rendered text).

Limit: a control token that only a template's own string operations could put together from
a content's characters and its own text (no real template does) is not caught.

Pure logic over a `Vocabulary` (the two tokenizer calls and the control tokens' texts).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .prompt_parts import ControlToken, PromptPart


class Vocabulary(Protocol):
    """A model's tokenizer, as prompt encoding needs it."""

    @property
    def controls(self) -> Mapping[str, int]:
        """text -> id of every control token (those that special-token parsing produces)."""

    def plain(self, text: str) -> list[int]:
        """Token ids of ``text`` with special-token parsing off (no BOS)."""

    def parsed(self, text: str) -> list[int]:
        """Token ids of ``text`` with special-token parsing on (no BOS)."""


@dataclass(frozen=True)
class ControlPattern:
    """Finds stretches of text that spell one of a vocabulary's control tokens."""

    texts: frozenset[str]
    _regex: re.Pattern[str] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, controls: Mapping[str, int]) -> ControlPattern:
        texts = frozenset(text for text in controls if text.strip())
        if not texts:
            return cls(texts)
        longest_first = sorted(texts, key=len, reverse=True)
        return cls(texts, re.compile("|".join(map(re.escape, longest_first))))

    def split(self, text: str) -> list[str]:
        """``text`` as alternating plain and control stretches: ``[plain, control, plain, ...]``
        (always an odd number of items)."""
        if self._regex is None:
            return [text]
        parts: list[str] = []
        start = 0
        for match in self._regex.finditer(text):
            parts += [text[start : match.start()], match.group()]
            start = match.end()
        return [*parts, text[start:]]


def control_ids(tokens: Sequence[int], vocabulary: Vocabulary) -> list[int]:
    """The ids among ``tokens`` that are control tokens (for tests and diagnostics)."""
    known = set(vocabulary.controls.values())
    return [token for token in tokens if token in known]


def encode_parts(
    parts: Sequence[PromptPart], vocabulary: Vocabulary, prefix: Sequence[int] = ()
) -> list[int]:
    """A raw prompt's ids: ``prefix`` (the BOS a tokenizer adds), each text part plain, each
    `ControlToken` as its one token (as plain text when the model has no such token)."""
    ids = list(prefix)
    for part in parts:
        if isinstance(part, ControlToken) and part.text in vocabulary.controls:
            ids.append(vocabulary.controls[part.text])
        else:
            ids += vocabulary.plain(part if isinstance(part, str) else part.text)
    return ids


Message = dict[str, str]


@dataclass(frozen=True)
class EncodedPrompt:
    """A prompt as the model reads it: its ids, its text, and whether it opened a thinking
    section (a reasoning model's template, see `reasoning.opens_reasoning`)."""

    ids: list[int]
    text: str
    thinking: bool = False


def encode_chat(
    render: Callable[[list[Message]], str],
    messages: Sequence[Message],
    vocabulary: Vocabulary,
    pattern: ControlPattern | None = None,
    prefix: Sequence[int] = (),
) -> tuple[list[int], str]:
    """The ids of ``messages`` rendered by ``render`` (the model's chat template), with the
    control tokens of the template only (see the module docstring); and the rendered text as
    the model reads it. ``render`` may raise: its errors pass through."""
    pattern = pattern or ControlPattern.of(vocabulary.controls)
    nonce = secrets.token_hex(6)
    hidden: list[str] = []

    def shield(content: str) -> str:
        pieces = pattern.split(content)
        for position in range(1, len(pieces), 2):
            hidden.append(pieces[position])
            pieces[position] = f"\ue000{nonce}:{len(hidden) - 1}\ue001"
        return "".join(pieces)

    shielded = [{**message, "content": shield(message["content"])} for message in messages]
    rendered = render(shielded)
    ids = list(prefix)
    pieces = re.split(f"\ue000{nonce}:(\\d+)\ue001", rendered)
    for position, piece in enumerate(pieces):
        if position % 2 == 0:
            ids += vocabulary.parsed(piece) if piece else []
        else:
            ids += vocabulary.plain(hidden[int(piece)])
    text = "".join(p if i % 2 == 0 else hidden[int(p)] for i, p in enumerate(pieces))
    return ids, text
