"""Why a mined turn is left out: one ordered list of named checks, each with a typed reason.

A turn is kept only when no check finds against it. The checks run in the order of `CHECKS`
(the first that finds gives the reason, with a detail for people), in two stages: ``run``
checks read the notebook's run (data found, the cell reached and run in time and without an
error, and the child's verdict on its output, see `child`), ``score`` checks read what
``eval score`` made of the reference itself (see `check`). The child process sends its verdict
as a `Reason`'s value, read back with `Reason` (an unknown value is an error, not a reason).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

Stage = Literal["run", "score"]


class Reason(str, Enum):
    """A reason to leave a turn out; its value is what the report counts turns by."""

    DATA_NOT_FOUND = "data not found"
    NOT_REACHED = "not reached"
    TIMED_OUT = "timed out"
    FAILED = "reference failed"
    NO_EFFECT = "no output and no changed variable"
    NOT_COMPARABLE = "output not comparable"
    NOT_REPEATABLE = "output not repeatable"
    CANNOT_JUDGE = "scorer cannot judge the reference"
    FAILS_ITSELF = "reference fails its own check"


@dataclass(frozen=True)
class Evidence:
    """What is known about one turn: the data URLs of its cell that were not found, the
    child's record of its cell (None when the run stopped before it), and once scored, the
    scorer's verdict on its reference as the only hypothesis."""

    blocked: Sequence[str] = ()
    outcome: Mapping[str, Any] | None = None
    scored: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Check:
    """One named check: ``finds`` gives the detail when the turn must go, None when it stays."""

    reason: Reason
    stage: Stage
    finds: Callable[[Evidence], str | None]


def _unusable(reason: Reason) -> Callable[[Evidence], str | None]:
    """The child found the turn's output unusable for ``reason``: its detail."""

    def finds(evidence: Evidence) -> str | None:
        verdict = (evidence.outcome or {}).get("unusable")
        if verdict is None or Reason(verdict["reason"]) is not reason:
            return None
        return str(verdict.get("detail", ""))

    return finds


def _run(evidence: Evidence) -> Mapping[str, Any]:
    return evidence.outcome or {}


def _reference_error(evidence: Evidence) -> str:
    return str((evidence.scored or {}).get("reference_error") or "")


def _fails_itself(evidence: Evidence) -> str | None:
    hypotheses = (evidence.scored or {}).get("hypotheses", [])
    return None if all(h["correct"] for h in hypotheses) else _reference_error(evidence)


def _error(evidence: Evidence) -> str | None:
    error = _run(evidence).get("error")
    return None if error is None else str(error)


CHECKS: tuple[Check, ...] = (
    Check(Reason.DATA_NOT_FOUND, "run", lambda e: ", ".join(e.blocked) if e.blocked else None),
    Check(
        Reason.NOT_REACHED,
        "run",
        lambda e: "the notebook's run stopped before this cell" if e.outcome is None else None,
    ),
    Check(Reason.TIMED_OUT, "run", lambda e: _error(e) if _run(e).get("timed_out") else None),
    Check(Reason.FAILED, "run", _error),
    Check(Reason.NO_EFFECT, "run", _unusable(Reason.NO_EFFECT)),
    Check(Reason.NOT_COMPARABLE, "run", _unusable(Reason.NOT_COMPARABLE)),
    Check(Reason.NOT_REPEATABLE, "run", _unusable(Reason.NOT_REPEATABLE)),
    Check(
        Reason.CANNOT_JUDGE,
        "score",
        lambda e: _reference_error(e) if (e.scored or {}).get("excluded") else None,
    ),
    Check(Reason.FAILS_ITSELF, "score", _fails_itself),
)


def exclusion(evidence: Evidence, stage: Stage) -> tuple[Reason, str] | None:
    """The first check of ``stage`` that finds against the turn, as (reason, detail)."""
    for check in CHECKS:
        if check.stage == stage and (detail := check.finds(evidence)) is not None:
            return check.reason, detail
    return None


def unusable(reason: Reason, detail: str = "") -> dict[str, str]:
    """The child's verdict that a turn's output cannot be used, as it crosses the process
    boundary (JSON): the reason's value and the detail."""
    return {"reason": reason.value, "detail": detail}
