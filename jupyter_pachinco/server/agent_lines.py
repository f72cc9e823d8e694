"""The lines of the agent stream (``application/x-ndjson``), as JSON-ready dicts.

Pure translation of the agent's events (``agent.events``) into the fixed protocol the sidebar
and other clients read; the OpenAPI description (``AgentLine``) and ``src/agentProtocol.ts``
give each line's fields. In the order a run sends them:

``scratch`` (the scratch copy is ready: its process id), ``plan`` (and
again after a revision), per step ``step``, ``delta`` (model text; ``phase`` ``plan`` or
``step``), ``trial`` (the candidates ranked, with votes, previews and errors; ``chosen``),
``repair`` (before each repair attempt), ``observation`` (what the chosen code gave on the
scratch, figures as PNG included, and the step as accepted, so that a client can offer it at
once; ``replayed`` when the code came from the request's ``done``, whose steps have no
``delta``, ``trial`` or ``repair`` lines), then ``cells`` (every accepted step, as explained
markdown and code, with its observation) and ``done``; or ``error`` (after ``cells`` when some
steps worked). ``loading`` lines report the model's loading progress as in ``/generate``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..agent.events import (
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
from ..assistant import Loading
from .stream_lines import loading_line, ranking_line


def scratch_line(pid: int) -> dict[str, Any]:
    """The scratch copy of the kernel is ready; ``pid`` is its process."""
    return {"type": "scratch", "state": "ready", "pid": pid}


def agent_line(event: AgentEvent) -> dict[str, Any]:
    """One agent event as a stream line."""
    if isinstance(event, Loading):
        return loading_line(event)
    if isinstance(event, PlanMade):
        return {"type": "plan", **asdict(event)}
    if isinstance(event, StepStarted):
        return {"type": "step", "step": event.number, "text": event.text}
    if isinstance(event, ModelText):
        return {"type": "delta", "phase": event.phase, "step": event.number,
                "attempt": event.attempt, "index": event.index, "text": event.text}  # fmt: skip
    if isinstance(event, TrialDone):
        # A step's trial is not a fix, so the ranking's fix intent has no place in it.
        ranked = {k: v for k, v in ranking_line(event.ranking).items() if k != "intent"}
        return {**ranked, "type": "trial", "step": event.number, "attempt": event.attempt,
                "chosen": event.chosen, "failure": event.failure}  # fmt: skip
    if isinstance(event, RepairStarted):
        return {"type": "repair", "step": event.number, "attempt": event.attempt,
                "reason": event.reason, "error": event.error, "code": event.code}  # fmt: skip
    if isinstance(event, StepObserved):
        step = event.step
        return {"type": "observation", "step": step.number, "observation": step.observation,
                "text": step.observation_text, "replayed": event.replayed,
                "accepted": accepted_step(step)}  # fmt: skip
    if isinstance(event, CellsReady):
        steps = [accepted_step(step) for step in event.steps]
        return {"type": "cells", "steps": steps,
                "cells": [cell for step in steps for cell in step["cells"]]}  # fmt: skip
    done: AgentDone = event
    return {"type": "done", "status": done.status, "steps_done": done.steps_done,
            "failed_step": done.failed_step, "reason": done.reason}  # fmt: skip


def accepted_step(step: AcceptedStep) -> dict[str, Any]:
    """A step that ran on the scratch, as the ``cells`` line lists it."""
    return {
        "number": step.number,
        "text": step.text,
        "explanation": step.explanation,
        "code": step.code,
        "cells": [dict(cell) for cell in step.cells],
        "observation": step.observation,
        "observation_text": step.observation_text,
        "repairs": step.repairs,
    }
