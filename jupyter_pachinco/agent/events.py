"""What the agent loop reports as it works: one event per thing a person would want to see.

The server turns each into one NDJSON line (``server.agent_lines``), the magic into a line of
its timeline, the harness keeps the last `CellsReady`. In the order a run gives them:

``PlanMade`` (revision 0; later revisions after an observation), then per step ``StepStarted``,
``ModelText`` while the model writes, ``TrialDone`` (the candidates, their votes and previews),
``RepairStarted`` before each repair attempt, ``StepObserved`` once the chosen code has
advanced the scratch (a step replayed from an earlier run gives only ``StepStarted`` and
``StepObserved``); at the end ``CellsReady`` (the accepted steps, also after a failure)
and ``AgentDone``. Model loading progress passes through as the assistant's ``Loading``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..assistant import Loading
from ..execution.ranking import Ranking
from ..prompting import InsertionCell

Phase = Literal["plan", "step"]
DoneStatus = Literal["finished", "planned", "max_steps", "failed", "cancelled"]


@dataclass(frozen=True)
class PlanMade:
    """The plan's steps; ``revision`` 0 is the first plan, later ones replace the steps after
    step ``after`` (``reason`` says why); ``given`` when the request brought the plan."""

    steps: list[str]
    revision: int = 0
    after: int = 0
    reason: str | None = None
    given: bool = False


@dataclass(frozen=True)
class StepStarted:
    number: int
    text: str


@dataclass(frozen=True)
class ModelText:
    """Streamed text of candidate ``index`` (``phase`` plan: ``number`` is 0)."""

    phase: Phase
    number: int
    attempt: int
    index: int
    text: str


@dataclass(frozen=True)
class TrialDone:
    """The step's candidates trial-run in forks of the scratch, ranked; ``chosen`` is the
    sample index of the one that advances the scratch (None: none can)."""

    number: int
    attempt: int
    ranking: Ranking
    chosen: int | None
    failure: str | None = None


@dataclass(frozen=True)
class RepairStarted:
    """Attempt ``attempt`` (1, 2, ...) at step ``number``, after ``reason``, with ``error``
    (the traceback's last line, when the failure was an error)."""

    number: int
    attempt: int
    reason: str
    error: str | None
    code: str


@dataclass(frozen=True)
class AcceptedStep:
    """A step that ran on the scratch: the plan's text, the code, what it gave, and the cells
    that put it into the notebook."""

    number: int
    text: str
    code: str
    explanation: str
    observation: dict[str, Any]
    observation_text: str
    cells: list[InsertionCell] = field(default_factory=list)
    repairs: int = 0


@dataclass(frozen=True)
class StepObserved:
    """``step`` advanced the scratch; ``replayed`` when its code came from an earlier run
    (``AgentOptions.done``), not from the model."""

    step: AcceptedStep
    replayed: bool = False


@dataclass(frozen=True)
class CellsReady:
    """Every accepted step, in order: the cells known to run, one after the other."""

    steps: list[AcceptedStep]


@dataclass(frozen=True)
class AgentDone:
    """Why the run ended; ``failed_step`` and ``reason`` say what could not be done."""

    status: DoneStatus
    steps_done: int
    failed_step: int | None = None
    reason: str | None = None


AgentEvent = (
    Loading
    | PlanMade
    | StepStarted
    | ModelText
    | TrialDone
    | RepairStarted
    | StepObserved
    | CellsReady
    | AgentDone
)
