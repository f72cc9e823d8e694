"""The agent: work through a task on a scratch copy of the kernel, step by step.

- `Agent` / `AgentOptions` / `AgentTask`: the loop (plan, candidates per step trial-run in
  forks of the scratch, observations, repairs, stop rules), in ``loop``; `DoneCode`: a step
  of an earlier run that it replays;
- the events it yields, in ``events``;
- `ScratchSession`: the driver's side of a scratch (``trial``, ``advance``, ``variables``,
  ``close``), usable by any caller; `open_local_session` forks one from this process;
- observations are written for the model by ``prompting.observations``.
"""

from __future__ import annotations

from .events import (
    AcceptedStep,
    AgentDone,
    AgentEvent,
    CellsReady,
    ModelText,
    PlanMade,
    RepairStarted,
    StepObserved,
    StepStarted,
    TrialDone,
)
from .loop import Agent, OpenScratch
from .scratch_client import Advance, ScratchError, ScratchSession, open_local_session
from .task import AgentOptions, AgentTask, DoneCode

__all__ = [
    "AcceptedStep",
    "Advance",
    "Agent",
    "AgentDone",
    "AgentEvent",
    "AgentOptions",
    "AgentTask",
    "CellsReady",
    "DoneCode",
    "ModelText",
    "OpenScratch",
    "PlanMade",
    "RepairStarted",
    "ScratchError",
    "ScratchSession",
    "StepObserved",
    "StepStarted",
    "TrialDone",
    "open_local_session",
]
