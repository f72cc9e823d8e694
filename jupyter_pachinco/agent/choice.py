"""Which candidate of a step advances the scratch, and, when none can, what to repair.

Pure logic over a `Ranking` of candidates trial-run in forks of the scratch (each run carries
its observation). The chosen candidate is the best-ranked one (largest group of agreeing
outputs first, as ranking orders them) that ran without an error and gave something: a value,
a variable, printed output or a figure; the last step of the plan must give a value (or draw a
figure), since that is the task's answer. A step fails when no candidate qualifies; the
failure names why (every candidate raised, gave nothing, or would act outside the scratch)
and which attempt the repair should see: the best-ranked error, else the best-ranked empty
run, else one refused for its side effects. `advance_failure` says why code that was chosen
(or replayed from an earlier run) failed when it advanced the scratch itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.ranking import CandidateRun, Ranking
from ..prompting.observations import (
    CountTokens,
    error_line,
    has_value,
    observation_text,
    produced_something,
)
from .scratch_client import Advance


@dataclass(frozen=True)
class StepFailure:
    """Why no candidate could advance the scratch, and the attempt to show the repair."""

    reason: str
    run: CandidateRun | None
    observation: str

    @property
    def error(self) -> str | None:
        """The error's one line, when the attempt raised."""
        return error_line(self.run.observation) if self.run is not None else None


def choose_candidate(ranking: Ranking, *, final: bool) -> CandidateRun | None:
    """The best-ranked candidate that ran and gave what the step needs; None if none did."""
    for ranked in ranking.candidates:
        run = ranked.run
        if run.status != "ok":
            continue
        if final and not has_value(run.observation):
            continue
        if produced_something(run.observation):
            return run
    return None


def describe_failure(
    ranking: Ranking, *, final: bool, budget: int, count: CountTokens
) -> StepFailure:
    """Why ``ranking`` holds no usable candidate (call when `choose_candidate` gave None)."""
    runs = [ranked.run for ranked in ranking.candidates]
    errors = [run for run in runs if run.status == "error"]
    empty = [run for run in runs if run.status == "ok"]
    refused = [run for run in runs if run.status == "not_run" and run.side_effects]
    what = "gave no value" if final else "gave nothing (no value, variable, output or figure)"
    if empty and not errors:
        run = empty[0]
        return StepFailure(
            f"every candidate ran but {what}", run, observation_text(run.observation, budget, count)
        )
    if errors:
        run = errors[0]  # an error says more to the repair than an empty result
        text = (
            observation_text(run.observation, budget, count)
            if run.observation
            else (f"It failed: {run.error}.")
        )
        reason = f"every candidate failed or {what}" if empty else "every candidate failed"
        return StepFailure(reason, run, text)
    if refused:
        run = refused[0]
        effects = ", ".join(run.side_effects)
        return StepFailure(
            "every candidate would act outside the scratch copy",
            run,
            f"It was not run: it {effects}. Work on the variables in memory instead.",
        )
    notice = ranking.notice or "no candidate could be run"
    return StepFailure(notice, None, notice)


def advance_failure(advanced: Advance) -> str | None:
    """Why advancing the scratch failed (``it raised KeyError: 'x'``), or None if it ran."""
    observation = advanced.observation
    if advanced.timed_out:
        return "it ran out of time"
    if observation is None:
        return "the scratch gave no observation"
    if observation.get("status") != "ok":
        return f"it raised {error_line(observation) or 'an error'}"
    return None
