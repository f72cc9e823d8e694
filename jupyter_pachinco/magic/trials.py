"""The magic's trial runs: candidates run in forks of this very kernel process, then ranked.

The magic lives in the kernel, so it needs no round trip: ``kernel_trials.trial_run`` forks the
process once per candidate, and each fork sees the user's namespace as a copy-on-write
snapshot; whatever a candidate does to it dies with the fork. The words it prints (the vote,
whether a fix still fails) are built here without I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..execution.fix_judging import KEPT, judge_fixes
from ..execution.forks import Limits
from ..execution.kernel_trials import DEFAULT_LIMITS, FORK_UNAVAILABLE, fork_available, trial_run
from ..execution.ranking import (
    Ranking,
    holds_code,
    rank_candidates,
    runs_for_all,
    to_try,
    unranked,
)


@dataclass(frozen=True)
class Choice:
    """The candidate to use (by sample index) and what to tell the user about the trial runs."""

    index: int | None
    lines: list[str]
    warnings: list[str]


def rank_here(
    namespace: dict[str, Any], codes: Sequence[str], limits: Limits = DEFAULT_LIMITS
) -> Ranking:
    """Trial-run ``codes`` against ``namespace`` in forks of this process and rank them; never
    raises: where trial runs are impossible the candidates keep their order, with a notice."""
    if not fork_available():
        return unranked(codes, FORK_UNAVAILABLE)
    try:
        tried = trial_run(namespace, [codes[i] for i in to_try(codes)], limits)
    except OSError as exc:  # no more processes, pipes or memory to fork with
        return unranked(codes, f"Candidates were not trial-run ({exc}).")
    return rank_candidates(runs_for_all(codes, tried))


def choose(
    ranking: Ranking, codes: Sequence[str], *, fixing: bool, failing_code: str | None = None
) -> Choice:
    """The best-ranked candidate with code, the vote line for several candidates, and for a fix
    whether it ran and still does what the failing cell meant (``failing_code``, see
    `fix_judging`); a fix that fails or lost the intent is offered, but said so."""
    if fixing and failing_code is not None:
        ranking = judge_fixes(ranking, failing_code)
    chosen = ranking.chosen
    if chosen is None or not holds_code(codes[chosen.run.index]):
        index = next((i for i, code in enumerate(codes) if holds_code(code)), None)
        chosen = next((c for c in ranking.candidates if c.run.index == index), None)
    else:
        index = chosen.run.index
    lines = [ranking.summary()] if len(codes) > 1 else []
    warnings: list[str] = []
    if fixing and chosen is not None:
        run = chosen.run
        if run.status == "ok" and failing_code is None:
            lines.append(
                "The fix ran without an error on a copy of your variables (the failing "
                "cell's code was not found, so what it meant to do was not checked)."
            )
        elif run.status == "ok" and run.verdict == KEPT:
            lines.append(
                "The fix ran on a copy of your variables and still does what the cell meant: "
                f"it {ranking.intent or 'runs'}."
            )
        elif run.status == "ok":
            warnings.append(
                f"the fix runs, but not as the cell meant: it {run.verdict} "
                f"(the cell {ranking.intent})."
            )
        elif run.status == "error":
            warnings.append(f"the fix still fails when tried: {_last_line(run.error)}")
        elif run.side_effects:
            warnings.append(f"the fix was not tried: it {', '.join(run.side_effects)}.")
        elif ranking.notice:
            warnings.append(f"the fix was not tried. {ranking.notice}")
    elif len(codes) == 1 and ranking.notice:
        lines.append(ranking.notice)
    return Choice(index, lines, warnings)


def _last_line(error: str | None) -> str:
    lines = [line for line in (error or "an unknown error").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "an unknown error"
