"""What an agent run is asked to do (`AgentTask`) and how it works (`AgentOptions`, with the
steps of an earlier run to replay, `DoneCode`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..context import Turn
from ..options import DEFAULT_MAX_NEW_TOKENS, PromptForm
from ..prompting import DEFAULT_LAYOUT


@dataclass(frozen=True)
class DoneCode:
    """A step that worked in an earlier run, replayed as it is (no model call): the
    explanation its cells showed, and its code."""

    explanation: str
    code: str


@dataclass(frozen=True)
class AgentOptions:
    """How the agent works; the defaults are the issue's (3 candidates, 2 repairs, 8 steps).

    ``plan``: the steps to work through (no new plan is made); ``done``: the code of its first
    steps, from an earlier run, replayed on the scratch before the loop works the rest.
    """

    n: int = 3
    max_steps: int = 8
    max_repairs: int = 2
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    plan_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int | None = None
    observation_tokens: int = 300
    style: str | None = None
    form: PromptForm | None = None
    layout: str = DEFAULT_LAYOUT
    include_outputs: bool = False
    go: bool = True
    plan: tuple[str, ...] | None = None
    done: tuple[DoneCode, ...] = ()


@dataclass(frozen=True)
class AgentTask:
    """What to work through, with the notebook's context. ``variables`` describe the kernel for
    a plan made without a scratch (``go=False``); with a scratch its own variables are used."""

    task: str
    cells: Sequence[object] = ()
    history: Sequence[Turn] = ()
    variables: Sequence[Mapping[str, Any]] = ()
