"""Ranking candidates by what running them gave: the answer most candidates agree on first.

Pure logic. Candidates with the same code (`code_key`: the same statements, whatever the
comments and layout) are one distinct answer: only the first of each is trial-run, its copies
share its run (``same_as``), and the vote says how many answers were distinct. Successful
candidates are grouped by fuzzy-equal outputs. Groups are ordered
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
    #: The sample index of the first candidate with the same code, for a copy.
    same_as: int | None = None
    #: For a fix that ran: "kept", or what it no longer does of the failing cell's intent.
    verdict: str | None = None


@dataclass(frozen=True)
class RankedCandidate:
    """A candidate in ranked order; ``votes`` is how many candidates gave its output."""

    run: CandidateRun
    votes: int


@dataclass(frozen=True)
class Ranking:
    """Ranked candidates, best first; ``notice`` says why none could be run, if so; for a fix,
    ``intent`` is what the failing cell meant to do (see `fix_judging`)."""

    candidates: list[RankedCandidate]
    notice: str | None = None
    intent: str | None = None

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
        members.setdefault(_output_key(run), []).append(run)
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


def _output_key(run: CandidateRun) -> int:
    """Which output a successful run gave: its group, else its own (a copy: its original's)."""
    if run.group is not None:
        return run.group
    return -1 - (run.same_as if run.same_as is not None else run.index)


def _likelihood(run: CandidateRun) -> float:
    return run.likelihood if run.likelihood is not None else -math.inf


def _candidate_order(run: CandidateRun) -> tuple[float, int]:
    return (-_likelihood(run), run.index)


def _group_order(group: list[CandidateRun]) -> tuple[int, float, int]:
    best = max(_likelihood(run) for run in group)
    return (-len(group), -best, min(run.index for run in group))


def code_key(code: str) -> str:
    """What two candidates must share to be the same answer: their statements (``ast.dump``,
    so comments, blank lines and spacing do not count), or their stripped text when the code
    does not parse."""
    try:
        return ast.dump(ast.parse(code))
    except (SyntaxError, ValueError):
        return "\n".join(line.rstrip() for line in code.strip().splitlines())


def first_of_kind(codes: Sequence[str]) -> list[int]:
    """For each candidate, the sample index of the first one with the same code."""
    seen: dict[str, int] = {}
    return [seen.setdefault(code_key(code), index) for index, code in enumerate(codes)]


def to_try(codes: Sequence[str]) -> list[int]:
    """The sample indices that are trial-run: those that hold code (`holds_code`), the first
    of each distinct code only."""
    first = first_of_kind(codes)
    return [i for i, code in enumerate(codes) if first[i] == i and holds_code(code)]


def runs_for_all(codes: Sequence[str], runs: Sequence[CandidateRun]) -> list[CandidateRun]:
    """``runs`` of the codes `to_try` gave (indexed among them) back in sample indices, with
    a copy of its run for every later candidate with the same code (``same_as``), and a
    failure with error `NO_CODE` for each answer without code."""
    tried = to_try(codes)
    by_index = {tried[run.index]: replace(run, index=tried[run.index]) for run in runs}
    first = first_of_kind(codes)
    result = []
    for index, code in enumerate(codes):
        if not holds_code(code):
            same = first[index] if first[index] != index else None
            result.append(
                CandidateRun(index=index, code=code, status="error", error=NO_CODE, same_as=same)
            )
        elif first[index] == index:
            if index in by_index:
                result.append(by_index[index])
        elif first[index] in by_index:
            result.append(replace(by_index[first[index]], index=index, same_as=first[index]))
    return result


def distinct_count(codes: Sequence[str]) -> int:
    return len(set(first_of_kind(codes)))


def unranked(codes: Sequence[str], notice: str) -> Ranking:
    """Candidates in sample order, none run, with the reason: ranking was not possible."""
    first = first_of_kind(codes)
    runs = [
        CandidateRun(
            index=i, code=code, status="not_run", same_as=first[i] if first[i] != i else None
        )
        for i, code in enumerate(codes)
    ]
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
    """One line that says what happened, e.g. ``3 answers, 2 distinct: 2 of 3 give the same
    output (#1 chosen); 1 failed.`` (the sidebar and the magic show it)."""
    runs = [c.run for c in ranking.candidates]
    if not runs:
        return "No candidates to rank."
    head = _distinct_part(runs)
    if len(runs) == 1:
        return _single(runs[0], ranking.notice)
    if all(run.status == "not_run" and not run.side_effects for run in runs):
        told = ranking.notice or "None was run."
        return told if head == f"{len(runs)} answers" else f"{head}. {told}"
    parts = [_chosen_part(ranking, len(runs))]
    counts = [
        (sum(run.status == "not_run" for run in runs), "not run (side effects)"),
        (sum(run.status == "error" and run.error != NO_CODE for run in runs), "failed"),
        (sum(run.error == NO_CODE for run in runs), "without code"),
    ]
    parts += [f"{count} {what}" for count, what in counts if count]
    if ranking.notice:
        parts.append(ranking.notice)
    return f"{head}: " + "; ".join(parts) + "."


def _single(run: CandidateRun, notice: str | None) -> str:
    if run.status == "ok":
        text = "1 answer: it ran"
    elif run.error == NO_CODE:
        text = "1 answer: it has no code"
    elif run.status == "error":
        text = "1 answer: it failed"
    elif run.side_effects:
        text = "1 answer: not run (side effects)"
    else:
        return notice or "1 answer: not run."
    return f"{text}; {notice}" if notice else f"{text}."


def _distinct_part(runs: Sequence[CandidateRun]) -> str:
    total = len(runs)
    distinct = sum(run.same_as is None for run in runs)
    if distinct == 1:
        return f"{total} answers, all the same code"
    return f"{total} answers, {distinct} distinct" if distinct < total else f"{total} answers"


def _chosen_part(ranking: Ranking, total: int) -> str:
    chosen = ranking.candidates[0]
    if chosen.run.status != "ok":
        return f"none of {total} ran successfully"
    outputs = {_output_key(c.run) for c in ranking.candidates if c.run.status == "ok"}
    text = f"{chosen.votes} of {total} give the same output (#{chosen.run.index + 1} chosen)"
    others = len(outputs) - 1
    if others:
        text += f"; {others} other output{'s' if others > 1 else ''}"
    return text
