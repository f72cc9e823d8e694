"""Ranking candidates by what running them gave: the answer most candidates agree on first.

Pure logic. Successful candidates are grouped by fuzzy-equal outputs. Groups are ordered
largest first; ties go to the group holding the likelier candidate (model likelihood, when the
backend gives one), then to the one sampled first. Candidates that were not trial-run because
of their side effects come next, then failures with their errors.

The vote compares outputs with ``matching.outputs_match``, the matcher of ``eval score --mode
strict``, and never with the official ARCADE matcher (``official_matching``). Shared with
strict scoring: numbers within ``1e-5 + 1e-5 * |ref|`` everywhere; missing values (None, NaN,
``pd.NA``, NaT, ``Decimal('NaN')``) equal to each other and to nothing else; sets without
order; labels ignored, one-column tables flattened, a scalar equal to a one-element collection,
a Series' index as a column; a comparison that cannot run is "no match", never an error.
Not shared: outputs must match *both ways* (so a frame with extra columns is its own group,
where scoring lets a hypothesis carry extra columns); the vote looks at each candidate's
output only (scoring also checks variables the reference changed, and figures); outputs too
large to send back are ``Fingerprinted`` and group only with identical digests; none of the
official quirks (NaN as 0, iteration-ordered sets, a figure turn found by a substring, the
first comparison error rejecting a hypothesis) apply.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from .matching import outputs_match

RunStatus = Literal["ok", "error", "not_run"]

NO_CODE = "The answer has no code (at most comments)."


def holds_code(code: str) -> bool:
    """Whether ``code`` has a statement to run: blank lines and comments alone do not count
    (such an answer is not trial-run; it ranks with the failures, error `NO_CODE`). Code that
    does not parse counts: running it gives the user the syntax error."""
    try:
        return bool(ast.parse(code).body)
    except (SyntaxError, ValueError):
        return bool(code.strip())


@dataclass(frozen=True)
class Fingerprinted:
    """An output too large to compare value by value: it matches only an identical digest."""

    digest: str


@dataclass(frozen=True)
class CandidateRun:
    """What trying one candidate gave; ``index`` is its place in the model's samples."""

    index: int
    code: str
    status: RunStatus
    type_name: str | None = None
    shape: list[int] | None = None
    preview: str = ""
    fingerprint: str | None = None
    stdout: str = ""
    error: str | None = None
    side_effects: list[str] = field(default_factory=list)
    group: int | None = None
    likelihood: float | None = None
    seconds: float | None = None
    #: What the candidate produced, for the agent (``observations``); None in plain ranking.
    observation: dict[str, Any] | None = None


@dataclass(frozen=True)
class RankedCandidate:
    """A candidate in ranked order; ``votes`` is how many candidates gave its output."""

    run: CandidateRun
    votes: int


@dataclass(frozen=True)
class Ranking:
    """Ranked candidates, best first; ``notice`` says why none could be run, if so."""

    candidates: list[RankedCandidate]
    notice: str | None = None

    @property
    def chosen(self) -> RankedCandidate | None:
        return self.candidates[0] if self.candidates else None

    def summary(self) -> str:
        """One line about the vote, e.g. ``5 of 8 candidates agree; 2 other outputs; 1 failed``."""
        return summarize_vote(self)


def group_matching_outputs(
    outputs: Sequence[Any], match: Callable[[Any, Any], bool] | None = None
) -> list[int]:
    """A group number per output: outputs that mutually match share one (numbered in order).

    Each output is compared with the first member of each group, as the harness's
    self-consistency clustering does; ``Fingerprinted`` outputs match equal digests only.
    """
    same = match or outputs_match
    representatives: list[Any] = []
    groups: list[int] = []
    for value in outputs:
        for number, representative in enumerate(representatives):
            if _mutually_match(value, representative, same):
                groups.append(number)
                break
        else:
            representatives.append(value)
            groups.append(len(representatives) - 1)
    return groups


def _mutually_match(a: Any, b: Any, same: Callable[[Any, Any], bool]) -> bool:
    if isinstance(a, Fingerprinted) or isinstance(b, Fingerprinted):
        return isinstance(a, Fingerprinted) and isinstance(b, Fingerprinted) and a == b
    try:
        return bool(same(a, b) and same(b, a))
    except Exception:  # an exotic value that cannot be compared matches nothing
        return False


def rank_candidates(runs: Sequence[CandidateRun], notice: str | None = None) -> Ranking:
    """Order candidates: agreeing groups (largest first), then unrun ones, then failures."""
    succeeded = [run for run in runs if run.status == "ok"]
    members: dict[int, list[CandidateRun]] = {}
    for run in succeeded:
        key = run.group if run.group is not None else -1 - run.index
        members.setdefault(key, []).append(run)
    ordered_groups = sorted(members.values(), key=_group_order)
    ranked = [
        RankedCandidate(run, votes=len(group))
        for group in ordered_groups
        for run in sorted(group, key=_candidate_order)
    ]
    not_run = sorted((r for r in runs if r.status == "not_run"), key=_candidate_order)
    failed = sorted((r for r in runs if r.status == "error"), key=lambda r: r.index)
    ranked += [RankedCandidate(run, votes=0) for run in [*not_run, *failed]]
    return Ranking(ranked, notice)


def _likelihood(run: CandidateRun) -> float:
    return run.likelihood if run.likelihood is not None else -math.inf


def _candidate_order(run: CandidateRun) -> tuple[float, int]:
    return (-_likelihood(run), run.index)


def _group_order(group: list[CandidateRun]) -> tuple[int, float, int]:
    best = max(_likelihood(run) for run in group)
    return (-len(group), -best, min(run.index for run in group))


def runnable(codes: Sequence[str]) -> list[int]:
    """The sample indices of the ``codes`` that hold code (`holds_code`): those are trial-run."""
    return [i for i, code in enumerate(codes) if holds_code(code)]


def with_answers_without_code(
    codes: Sequence[str], runs: Sequence[CandidateRun]
) -> list[CandidateRun]:
    """``runs`` of the `runnable` codes (indexed among them) back in sample indices, plus a
    failure with error `NO_CODE` for each answer without code."""
    indices = runnable(codes)
    return [replace(run, index=indices[run.index]) for run in runs] + [
        CandidateRun(index=i, code=code, status="error", error=NO_CODE)
        for i, code in enumerate(codes)
        if not holds_code(code)
    ]


def unranked(codes: Sequence[str], notice: str) -> Ranking:
    """Candidates in sample order, none run, with the reason: ranking was not possible."""
    runs = [CandidateRun(index=i, code=code, status="not_run") for i, code in enumerate(codes)]
    return Ranking([RankedCandidate(run, votes=0) for run in runs], notice)


def with_likelihoods(
    runs: Sequence[CandidateRun], likelihoods: Sequence[float | None] | None
) -> list[CandidateRun]:
    """The runs with the model's likelihood of each candidate (by sample order) attached."""
    if not likelihoods:
        return list(runs)
    return [
        replace(run, likelihood=likelihoods[run.index] if run.index < len(likelihoods) else None)
        for run in runs
    ]


def ranking_as_json(ranking: Ranking) -> dict[str, Any]:
    """What the sidebar needs: the candidates best first, each with its preview and votes."""
    return {
        "notice": ranking.notice,
        "summary": ranking.summary(),
        "candidates": [{**asdict(c.run), "votes": c.votes} for c in ranking.candidates],
    }


def summarize_vote(ranking: Ranking) -> str:
    """The magic's one-line summary of the vote."""
    runs = [c.run for c in ranking.candidates]
    if not runs:
        return "No candidates to rank."
    if all(run.status == "not_run" and not run.side_effects for run in runs):
        return ranking.notice or "No candidate was run."
    parts = [_chosen_part(ranking, len(runs))]
    not_run = sum(run.status == "not_run" for run in runs)
    failed = sum(run.status == "error" for run in runs)
    if not_run:
        parts.append(f"{not_run} not run (side effects)")
    if failed:
        parts.append(f"{failed} failed")
    if ranking.notice:
        parts.append(ranking.notice)
    return "; ".join(parts) + "."


def _chosen_part(ranking: Ranking, total: int) -> str:
    chosen = ranking.candidates[0]
    if chosen.run.status != "ok":
        return f"none of {total} candidates ran successfully"
    outputs = {
        run.group if run.group is not None else -1 - run.index
        for run in (c.run for c in ranking.candidates)
        if run.status == "ok"
    }
    text = f"{chosen.votes} of {total} candidates agree (#{chosen.run.index + 1} chosen)"
    others = len(outputs) - 1
    if others:
        text += f"; {others} other output{'s' if others > 1 else ''}"
    return text
