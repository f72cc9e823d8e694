"""The assistant's options, and the one definition of what a request may ask for.

Both doors parse into these: the sidebar's ``POST /pachinco/generate`` body (its ``options``,
read by `server.validation`) and the ``%%pachinco`` line (`magic.options`) each become an
`AskOptions`, which gives the assistant its `GenerateOptions` and decides whether the answers
are trial-run and ranked. The limits and defaults below are written here only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .prompting import DEFAULT_LAYOUT

MAX_CANDIDATES = 8
MAX_NEW_TOKENS = 2048
MAX_INTENT_CHARS = 10_000
MAX_TEMPERATURE = 2.0
DEFAULT_MAX_NEW_TOKENS = 384
#: The sampling temperature when several candidates are asked for and no temperature is
#: given: above 0, so that the candidates can differ and their vote means something (one
#: candidate, or a temperature of 0, is greedy decoding).
SAMPLING_TEMPERATURE = 0.7


def sampling_temperature(n: int, temperature: float | None) -> float:
    """The temperature a request samples with: the one given, else 0 (greedy) for one
    candidate and `SAMPLING_TEMPERATURE` for several."""
    if temperature is not None:
        return temperature
    return SAMPLING_TEMPERATURE if n > 1 else 0.0


PromptForm = Literal["chat", "completion"]


@dataclass
class GenerateOptions:
    """Per-request choices of `Assistant.generate`; the defaults are the assistant's own."""

    n: int = 1
    style: str | None = None
    form: PromptForm | None = None
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    #: None: `sampling_temperature` decides (greedy for one candidate, sampled for several).
    temperature: float | None = None
    top_p: float = 1.0
    seed: int | None = None
    include_outputs: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AskOptions:
    """What one ask (or fix) through either door asks for, defaults filled in: ``n``
    candidates (1 to `MAX_CANDIDATES`), at most ``max_new_tokens`` each (1 to
    `MAX_NEW_TOKENS`), the prompt ``style`` (None: the assistant's), the insertion ``layout``,
    and ``rank``: trial-run and rank the answers (None: the policy of `ranked`)."""

    n: int = 1
    style: str | None = None
    layout: str = DEFAULT_LAYOUT
    include_outputs: bool = False
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    #: None: `sampling_temperature` decides (greedy for one candidate, sampled for several).
    temperature: float | None = None
    rank: bool | None = None

    def ranked(self, *, fixing: bool) -> bool:
        """Whether the answers are trial-run and ranked: always for a fix (nothing that still
        fails is offered as a fix without saying so), else as asked, else when several
        candidates are asked for."""
        if fixing:
            return True
        if self.rank is not None:
            return self.rank
        return self.n > 1

    def for_assistant(self) -> GenerateOptions:
        """The assistant's options for this ask."""
        return GenerateOptions(
            n=self.n,
            style=self.style,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            include_outputs=self.include_outputs,
        )
