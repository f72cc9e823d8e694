"""Whether a fix still does what the failing cell meant to do, not only whether it runs.

A cell that raised never produced its result, so there is no output to compare a fix with.
What the cell *meant* is read from its code (`cell_effects`):

- the variables it sets: names it assigns (``total = ...``, ``a, b = ...``, ``x += 1``) and
  the items and attributes it assigns (``df['total'] = ...``, ``df.loc[:, 'x'] = ...``,
  ``df.columns = ...``), as written (quotes normalized by ``ast.unparse``), in its top-level
  statements and the blocks under them (``if``, ``for``, ``with``, ``try``), not inside
  functions or classes; loop variables and imports are means, not ends, and do not count;
- whether it shows a result: its last statement is an expression (``df.head()``,
  ``print(...)``).

A fix that ran keeps the intent (`judge_fix`) when it sets every one of those variables, and,
when the cell meant to show a result, its own last statement is an expression whose trial run
gave a value other than None or printed something. A fix that runs but drops the failing line
(``df['total'] = ...`` gone, ``df.head()`` kept) is told apart from one that works: its verdict
says what it no longer does, and fixes that keep the intent rank first (`judge_fixes`).
Code that does not parse keeps no intent that can be read: any fix that runs then keeps it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from .ranking import CandidateRun, RankedCandidate, Ranking

KEPT = "kept"


@dataclass(frozen=True)
class Effects:
    """What a cell does that a fix must still do."""

    sets: frozenset[str]
    shows_result: bool

    def describe(self) -> str:
        """In words, e.g. ``sets df['total'] and shows its result``."""
        parts = []
        if self.sets:
            parts.append("sets " + ", ".join(sorted(self.sets)))
        if self.shows_result:
            parts.append("shows its result")
        return " and ".join(parts) or "runs"


def cell_effects(code: str) -> Effects | None:
    """The variables ``code`` sets and whether it shows a result; None when it does not
    parse (then nothing can be said about what it meant)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    sets = frozenset(name for statement in tree.body for name in _sets(statement))
    last = tree.body[-1] if tree.body else None
    return Effects(sets, isinstance(last, ast.Expr))


def _sets(statement: ast.stmt) -> list[str]:
    """What ``statement`` assigns, and the statements in its blocks (not in definitions)."""
    if isinstance(statement, ast.Assign):
        return [name for target in statement.targets for name in _target_names(target)]
    if isinstance(statement, ast.AugAssign) or (
        isinstance(statement, ast.AnnAssign) and statement.value is not None
    ):
        return _target_names(statement.target)
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return []
    found = []
    for block in ("body", "orelse", "finalbody"):
        for inner in getattr(statement, block, []):
            found += _sets(inner)
    for handler in getattr(statement, "handlers", []):
        for inner in handler.body:
            found += _sets(inner)
    return found


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, ast.Name | ast.Subscript | ast.Attribute):
        return [ast.unparse(target)]
    return []


def judge_fix(failing: Effects | None, run: CandidateRun) -> str:
    """`KEPT`, or what the fix no longer does (for a run that succeeded; other runs are
    judged by their status)."""
    if failing is None:
        return KEPT
    fixed = cell_effects(run.code)
    if fixed is None:
        return KEPT  # it ran, so it parsed: unreachable in practice
    missing = sorted(failing.sets - fixed.sets)
    lost = []
    if missing:
        lost.append("no longer sets " + ", ".join(missing))
    if failing.shows_result and not _shows(fixed, run):
        lost.append("no longer shows a result")
    return "; ".join(lost) if lost else KEPT


def _shows(fixed: Effects, run: CandidateRun) -> bool:
    gave_value = run.type_name not in (None, "NoneType")
    return fixed.shows_result and (gave_value or bool(run.stdout.strip()))


def judge_fixes(ranking: Ranking, failing_code: str) -> Ranking:
    """The ranking with each successful run's verdict (`CandidateRun.verdict`), the fixes
    that keep the failing cell's intent first, then those that run but do not, then the rest
    in their order."""
    failing = cell_effects(failing_code)
    judged = [_judged(ranked, failing) for ranked in ranking.candidates]
    order = sorted(range(len(judged)), key=lambda at: (_standing(judged[at].run), at))
    return replace(ranking, candidates=[judged[at] for at in order], intent=_intent(failing))


def _judged(ranked: RankedCandidate, failing: Effects | None) -> RankedCandidate:
    if ranked.run.status != "ok":
        return ranked
    return replace(ranked, run=replace(ranked.run, verdict=judge_fix(failing, ranked.run)))


def _standing(run: CandidateRun) -> int:
    if run.status == "ok":
        return 0 if run.verdict == KEPT else 1
    return 2


def _intent(failing: Effects | None) -> str | None:
    return None if failing is None else failing.describe()
