"""``%%pachinco --agent``: the agent loop inside the kernel, its timeline printed as it goes.

The magic runs in the kernel, so the scratch is forked from this very process, in the main
thread, at the moment the cell runs (``scratch.open_local_scratch``): a copy-on-write snapshot
of the user's variables. The loop (``agent.Agent``, the same one the server and the harness
use) then runs on the magic's generation thread and talks to the scratch over its socket;
its events come back to the main thread, where each becomes a line of the timeline
(`timeline_line`, pure). An interrupt (the notebook's Stop) closes the run, which closes the
scratch; whatever happens, the scratch is killed at the end by its pidfd, so no process is
left behind. Nothing runs in the user's namespace unless they ask (``--insert --run``).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..agent import (
    AcceptedStep,
    Agent,
    AgentDone,
    AgentOptions,
    AgentTask,
    CellsReady,
    PlanMade,
    RepairStarted,
    StepObserved,
    StepStarted,
    TrialDone,
)
from ..agent.scratch_client import ScratchError, session_on_socket
from ..assistant import Assistant, Loading
from ..context import Turn, make_turn
from ..execution.scratch import open_local_scratch
from ..options import sampling_temperature
from .options import CellOptions
from .runner import Failed, GenerationThread

OBSERVATION_LINES = 6
EXIT_WAIT_S = 2.0


@dataclass
class AgentOutcome:
    """What a run of the agent in the magic gave: the steps that ran, why it ended."""

    steps: list[AcceptedStep] = field(default_factory=list)
    done: AgentDone | None = None
    failure: str | None = None


def agent_options(options: CellOptions) -> AgentOptions:
    return AgentOptions(
        n=options.ask.n,
        max_steps=options.max_steps,
        max_repairs=options.max_repairs,
        max_new_tokens=options.ask.max_new_tokens,
        temperature=sampling_temperature(options.ask.n, options.ask.temperature),
        style=options.ask.style,
        layout=options.ask.layout,
    )


def run_agent_here(
    thread: GenerationThread,
    assistant: Assistant,
    namespace: dict[str, Any],
    task: AgentTask,
    options: AgentOptions,
    show: Callable[[str], None],
) -> AgentOutcome:
    """Work through ``task`` on a scratch of ``namespace``, showing the timeline with
    ``show``; the steps that ran and how it ended. `ScratchError` when no scratch can be
    made: then nothing runs."""
    token = os.urandom(8).hex()
    try:
        channel, pid = open_local_scratch(namespace, token=token)
    except (OSError, RuntimeError) as exc:  # no fork here (Windows), no processes or memory
        raise ScratchError(f"no scratch copy of this kernel could be made: {exc}") from exc
    pidfd = _pidfd(pid)
    agent = Agent(assistant, options)
    outcome = AgentOutcome()
    try:
        events = thread.stream_from(
            lambda: agent.run(task, lambda: session_on_socket(channel, pid, token))
        )
        for event in _closing(events):
            if isinstance(event, Failed):
                outcome.failure = event.message
                continue
            if isinstance(event, CellsReady):
                outcome.steps = list(event.steps)
            if isinstance(event, AgentDone):
                outcome.done = event
            line = timeline_line(event)
            if line is not None:
                show(line)
    finally:
        channel.close()
        _kill(pidfd, pid)
    return outcome


def timeline_line(event: object) -> str | None:
    """One event as a line of the magic's timeline (None: not shown)."""
    if isinstance(event, Loading):
        percent = f" ({event.fraction:.0%})" if event.fraction is not None else ""
        return f"{event.message}{percent}"
    if isinstance(event, PlanMade):
        title = "Plan" if event.revision == 0 else f"Plan, revised after step {event.after}"
        return f"{title}:\n" + "\n".join(f"  {n}. {s}" for n, s in enumerate(event.steps, 1))
    if isinstance(event, StepStarted):
        return f"Step {event.number}: {event.text}"
    if isinstance(event, TrialDone):
        return trial_line(event)
    if isinstance(event, RepairStarted):
        error = f" ({event.error})" if event.error else ""
        return f"  repair {event.attempt}: {event.reason}{error}"
    if isinstance(event, StepObserved):
        lines = event.step.observation_text.splitlines()[:OBSERVATION_LINES]
        return "\n".join(f"  -> {line}" for line in lines)
    if isinstance(event, AgentDone):
        return done_line(event)
    return None


def trial_line(trial: TrialDone) -> str:
    """``tried 3 candidates: #2 used, 2 of 3 agree on its output; 1 failed``."""
    runs = [(ranked.run, ranked.votes) for ranked in trial.ranking.candidates]
    total = len(runs)
    failed = sum(run.status == "error" for run, _ in runs)
    not_run = sum(run.status == "not_run" for run, _ in runs)
    head = f"  tried {total} candidate{'s' if total != 1 else ''}: "
    if trial.chosen is None:
        text = head + f"none usable ({trial.failure})"
    else:
        votes = next(votes for run, votes in runs if run.index == trial.chosen)
        text = head + f"#{trial.chosen + 1} used, {votes} of {total} agree on its output"
    extra = [f"{failed} failed"] if failed else []
    extra += [f"{not_run} not run (side effects)"] if not_run else []
    return "; ".join([text, *extra])


def done_line(done: AgentDone) -> str:
    steps = f"{done.steps_done} step{'s' if done.steps_done != 1 else ''}"
    if done.status == "finished":
        return f"Done: {steps} ran on a scratch copy of your kernel."
    return f"Stopped ({done.status}) after {steps}: {done.reason or ''}".rstrip(": ")


def steps_markdown(steps: Sequence[AcceptedStep]) -> str:
    return "\n\n".join(f"**Step {s.number}:** {s.explanation}" for s in steps)


def steps_code(steps: Sequence[AcceptedStep]) -> str:
    """The steps as one cell: each after its ``# Step k:`` line (a kernel can propose one
    next cell only)."""
    parts = []
    for step in steps:
        parts.append(f"# Step {step.number}: {' '.join(step.text.split())}\n{step.code.strip()}")
    return "\n\n".join(parts)


def turn_of(intent: str, steps: Sequence[AcceptedStep]) -> Turn:
    """The history entry of a run: the request, the steps as one cell, their explanations."""
    return make_turn(intent, steps_code(steps), steps_markdown(steps))


def _closing(events: Iterator[object]) -> Iterator[object]:
    try:
        yield from events
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(pid)
    except OSError:
        return None
    return fd


def _kill(pidfd: int | None, pid: int) -> None:
    if pidfd is not None:
        with contextlib.suppress(OSError):  # it has exited already
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            select.select([pidfd], [], [], EXIT_WAIT_S)  # readable once it has ended
        os.close(pidfd)
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
