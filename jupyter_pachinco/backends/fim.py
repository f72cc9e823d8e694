"""Fill-in-the-middle (FIM) token families, and how to tell which one a model speaks.

A FIM model sees the code before the cursor and the code after it, and writes the middle. The
three families here use the prefix-suffix-middle (PSM) order, each with its own special tokens
(from the models' tokenizer files and papers):

- ``qwen``: Qwen2.5-Coder, ``<|fim_prefix|>`` ``<|fim_suffix|>`` ``<|fim_middle|>``;
- ``starcoder``: StarCoder/StarCoder2, ``<fim_prefix>`` ``<fim_suffix>`` ``<fim_middle>``;
- ``deepseek``: DeepSeek-Coder, ``fim begin``, ``fim hole``, ``fim end`` between full-width
  bars (U+FF5C), with U+2581 for the space, exactly as in its vocabulary (see `DEEPSEEK`).

A model is detected from its vocabulary or special tokens (`detect_fim_family`): the family
whose three tokens all appear; each backend answers for its own model (`Backend.fim_family`).
Models without any get the backend's plain completion form (see `completion.forms`). Pure logic,
no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .prompt_parts import ControlToken, PromptPart


@dataclass(frozen=True)
class FimFamily:
    """The special tokens of one FIM family, in PSM order, and the tokens that end a middle."""

    name: str
    prefix: str
    suffix: str
    middle: str
    stops: tuple[str, ...]

    def prompt(self, before: str, after: str) -> str:
        """The PSM prompt as text: the model continues it with the middle."""
        return f"{self.prefix}{before}{self.suffix}{after}{self.middle}"

    def prompt_parts(self, before: str, after: str) -> tuple[PromptPart, ...]:
        """The PSM prompt with its markers as control tokens and the code as plain text, so a
        cell that holds a marker's characters cannot move the hole."""
        prefix, suffix, middle = (ControlToken(token) for token in self.tokens)
        return (prefix, before, suffix, after, middle)

    @property
    def tokens(self) -> tuple[str, str, str]:
        return (self.prefix, self.suffix, self.middle)


QWEN = FimFamily(
    name="qwen",
    prefix="<|fim_prefix|>",
    suffix="<|fim_suffix|>",
    middle="<|fim_middle|>",
    stops=("<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<|im_end|>"),
)
STARCODER = FimFamily(
    name="starcoder",
    prefix="<fim_prefix>",
    suffix="<fim_suffix>",
    middle="<fim_middle>",
    stops=("<|endoftext|>", "<fim_pad>", "<file_sep>", "<repo_name>"),
)
DEEPSEEK = FimFamily(
    name="deepseek",
    prefix="<\uff5cfim\u2581begin\uff5c>",
    suffix="<\uff5cfim\u2581hole\uff5c>",
    middle="<\uff5cfim\u2581end\uff5c>",
    stops=("<\uff5cend\u2581of\u2581sentence\uff5c>", "<|EOT|>"),
)

FIM_FAMILIES: dict[str, FimFamily] = {f.name: f for f in (QWEN, STARCODER, DEEPSEEK)}


def fim_family(name: str) -> FimFamily:
    """The family called ``name``; `KeyError` naming the known ones otherwise."""
    try:
        return FIM_FAMILIES[name]
    except KeyError:
        known = ", ".join(FIM_FAMILIES)
        raise KeyError(f"Unknown FIM family {name!r}; known: {known}.") from None


def detect_fim_family(tokens: Iterable[str]) -> FimFamily | None:
    """The family whose three FIM tokens are all among ``tokens`` (a vocabulary's or a
    tokenizer's special tokens), or None when the model has no FIM tokens we know."""
    present = set(tokens)
    for family in FIM_FAMILIES.values():
        if all(token in present for token in family.tokens):
            return family
    return None
