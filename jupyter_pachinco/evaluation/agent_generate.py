"""``eval generate --agent``: solve each turn with the agent loop, on a scratch of its context.

For every turn, a scratch session is forked from this process and the turn's ``code_context``
runs in it first, in a copy of the episode's work folder (as ``eval score`` runs it, so the
data files are there and cannot be changed); then the agent works through the intent on that
scratch (``agent.Agent``: plan, candidates per step trial-run in forks of the scratch,
observations, repairs) with the same backend, prompt budget and sampling as plain generation.
The turn's one prediction is the code of the accepted steps, in order (empty when no step
worked). The file is written after every turn, so an interrupted run resumes like plain
generation does; `AgentRecord` per turn (status, steps, repairs, model samples) is kept beside
it (``<output>.agent.json``) so a report can say how the agent spent its sample budget.
"""

from __future__ import annotations

import builtins
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..agent import (
    Agent,
    AgentDone,
    AgentOptions,
    AgentTask,
    CellsReady,
    PlanMade,
    TrialDone,
    open_local_session,
)
from ..assistant import Assistant
from ..backends import Backend
from ..context import TokenCounter
from .generate import PredictionOptions, resume_predictions, write_predictions


@dataclass(frozen=True)
class AgentRecord:
    """How the agent did on one turn."""

    status: str
    steps: int
    repairs: int
    samples: int
    failed_step: int | None
    reason: str | None


def turn_setup(work_dir: Path, code_context: str) -> Callable[[dict[str, Any]], None]:
    """What a turn's scratch runs before the agent starts: into ``work_dir`` (a copy), then the
    context code; a context that fails leaves what it built so far, as in a notebook."""

    def setup(namespace: dict[str, Any]) -> None:
        os.chdir(work_dir)
        sys.path.insert(0, str(work_dir))
        namespace.setdefault("__builtins__", builtins)
        try:
            exec(compile(code_context, "<context>", "exec"), namespace)
        except Exception:  # notebook code may raise anything; the agent sees the state
            return

    return setup


async def solve_turn(
    agent: Agent, example: Mapping[str, Any], work_dir: Path
) -> tuple[str, AgentRecord]:
    """The agent's prediction for one turn (ARCADE's turn example) and its record."""
    turn = example.get("turn", {})
    intent = str(turn.get("intent", {}).get("value", ""))
    metadata = example.get("metadata", {})
    task = AgentTask(intent, cells=metadata.get("context_cells", []))
    with tempfile.TemporaryDirectory(prefix="pachinco-agent-") as scratch_dir:
        run_dir = copy_work_dir(work_dir, Path(scratch_dir))
        setup = turn_setup(run_dir, str(turn.get("code_context", "")))
        steps: list[str] = []
        samples = repairs = 0
        done: AgentDone | None = None
        try:
            async for event in agent.run(task, lambda: open_local_session({}, setup=setup)):
                if isinstance(event, PlanMade) and not event.given and event.revision == 0:
                    samples += 1
                elif isinstance(event, TrialDone):
                    samples += len(event.ranking.candidates)
                    repairs += event.attempt > 0
                elif isinstance(event, CellsReady):
                    steps = [step.code for step in event.steps]
                elif isinstance(event, AgentDone):
                    done = event
        except Exception as exc:  # a failed turn is a wrong prediction, never a failed run
            done = AgentDone("failed", len(steps), reason=f"{type(exc).__name__}: {exc}")
    if done is None:
        done = AgentDone("failed", len(steps), reason="the run ended without a result")
    record = AgentRecord(done.status, len(steps), repairs, samples, done.failed_step, done.reason)
    return "\n".join(steps), record


def copy_work_dir(work_dir: Path, parent: Path) -> Path:
    """A copy of the episode's folder under ``parent`` (an empty one if it has none), so
    that the turn cannot change the benchmark's data."""
    run_dir = parent / "work"
    if work_dir.is_dir():
        shutil.copytree(work_dir, run_dir)
    else:
        run_dir.mkdir()
    return run_dir


async def generate_with_agent(
    dataset: Sequence[Mapping[str, Any]],
    backend: Backend,
    output: Path,
    options: PredictionOptions,
    agent_options: AgentOptions,
    artifacts: Path,
    count_tokens: TokenCounter | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """One agent prediction for each unfinished turn, saving after every turn; ``(generated,
    kept)`` turn counts."""
    form = "completion" if options.form == "dataset" else options.form
    assistant = Assistant(backend, budget=options.budget, style=options.style, form=form)
    if count_tokens is not None:
        assistant.count_tokens = count_tokens
    agent = Agent(assistant, agent_options)
    predictions = resume_predictions(dataset, output, 1)
    records = _read_records(output)
    turns = [
        (episode["metadata"].get("work_dir", ""), turn)
        for episode in predictions
        for turn in episode["turns"]
    ]
    kept = sum(1 for _, turn in turns if turn["predictions"])
    generated = 0
    for position, (work_dir, turn) in enumerate(turns, start=1):
        if not turn["predictions"]:
            code, record = await solve_turn(
                agent, turn["metadata"]["example"], artifacts / work_dir
            )
            turn["predictions"] = [code]
            records[str(position - 1)] = asdict(record)
            write_predictions(predictions, output)
            _records_path(output).write_text(json.dumps(records, indent=1), encoding="utf-8")
            generated += 1
        if on_progress is not None:
            on_progress(position, len(turns))
    write_predictions(predictions, output)
    return generated, kept


def _records_path(output: Path) -> Path:
    return output.with_name(output.name + ".agent.json")


def _read_records(output: Path) -> dict[str, Any]:
    path = _records_path(output)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
