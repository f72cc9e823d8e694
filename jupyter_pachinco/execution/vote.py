"""The vote among trial runs, held in a sandboxed child: the parent never loads an answer.

Kernel-side code (standard library, pandas and numpy; Python 3.9+). Grouping candidates by
fuzzy-equal outputs needs their values, and a value comes back from its trial child pickled,
which only a child may load (unpickling runs whatever code the pickle names). So the opaque
bytes go into one more fork of the parent (``run_in_forks``, in the same sandbox as the
candidates), which loads them, compares them and sends back group numbers only. The parent
checks that what came back is a valid grouping; when the vote child fails (a value that will
not load, a comparison that runs past the time limit), candidates are grouped by the digests
of their values instead, which the parent compares as text.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .forks import ForkOutcome, Limits, run_in_forks

#: A value to vote on: its pickled bytes (None when it was too large to send back) and the
#: digest that stands for it then (None when it could not be digested: it matches nothing).
Ballot = tuple["bytes | None", "str | None"]


def decide_in_child(
    packed: Sequence[bytes | None],
    decide: Callable[[list[Any]], Any],
    limits: Limits,
    guard: Callable[[], None] | None = None,
) -> ForkOutcome:
    """``decide(values)`` run in a sandboxed child, where ``values[i]`` is ``packed[i]``
    loaded (None when it is None or does not load); its answer must be plain data (``wire``),
    and the caller checks it. ``guard()`` runs in the child first (an audit hook)."""
    [outcome] = run_in_forks([_DecideJob(tuple(packed), decide, guard)], limits, 1)
    return outcome


def group_in_child(
    ballots: Sequence[Ballot],
    limits: Limits,
    group: Callable[[list[Any]], list[int]],
    stand_in: Callable[[str], Any],
    guard: Callable[[], None] | None = None,
) -> tuple[list[int], str | None]:
    """Group numbers (``group`` run in a sandboxed child on the loaded values) and a notice
    when the digests had to decide instead. ``stand_in(digest)`` is what a value that was not
    sent (or does not load) stands for."""
    if len(ballots) < 2:
        return [0] * len(ballots), None
    digests = [digest if digest is not None else f"unmatchable:{i}" for i, (_, digest) in
               enumerate(ballots)]  # fmt: skip

    def grouped(values: list[Any]) -> list[int]:
        filled = [stand_in(d) if v is None else v for v, d in zip(values, digests, strict=True)]
        return [int(number) for number in group(filled)]

    outcome = decide_in_child([packed for packed, _ in ballots], grouped, limits, guard)
    if outcome.ok and is_grouping(outcome.value, len(ballots)):
        return list(outcome.value), None
    why = outcome.error or "it answered something that is not a grouping"
    return group_by_digest(ballots), f"outputs were compared by digest only ({why})"


def is_grouping(value: Any, count: int) -> bool:
    """Whether ``value`` numbers ``count`` items in order of first appearance (0, then at most
    one more than the largest so far)."""
    if not isinstance(value, list) or len(value) != count:
        return False
    largest = -1
    for number in value:
        if type(number) is not int or number < 0 or number > largest + 1:
            return False
        largest = max(largest, number)
    return True


def is_clustering(value: Any, count: int) -> bool:
    """Whether ``value`` is a list of disjoint, non-empty, sorted lists of positions below
    ``count``."""
    if not isinstance(value, list) or len(value) > count:
        return False
    seen: set[int] = set()
    for cluster in value:
        if not isinstance(cluster, list) or not cluster or cluster != sorted(cluster):
            return False
        for position in cluster:
            if type(position) is not int or not 0 <= position < count or position in seen:
                return False
            seen.add(position)
    return True


def group_by_digest(ballots: Sequence[Ballot]) -> list[int]:
    """Equal digests share a group; a value without a digest is alone."""
    numbers: dict[str, int] = {}
    groups: list[int] = []
    for index, (_, digest) in enumerate(ballots):
        key = digest if digest is not None else f"unmatchable:{index}"
        groups.append(numbers.setdefault(key, len(numbers)))
    return groups


@dataclass(frozen=True)
class _DecideJob:
    packed: tuple[bytes | None, ...]
    decide: Callable[[list[Any]], Any]
    guard: Callable[[], None] | None

    def __call__(self) -> Any:
        """Runs in the sandboxed child: guard, load every value, decide."""
        if self.guard is not None:
            self.guard()
        return self.decide([_load(packed) for packed in self.packed])


def _load(packed: bytes | None) -> Any:
    if packed is None:
        return None
    try:
        return pickle.loads(packed)
    except Exception:  # a value that pickles but does not load stands for nothing
        return None
