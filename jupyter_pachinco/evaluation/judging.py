"""Which reference values a hypothesis must reproduce, and whether it does (FORMAT.md E6, E7).

Pure logic over values already produced by a run (``arcade_run``). Two rule sets:

``official`` (E6, E7, with ``official_matching.fuzzy_match``):

- E6.1 figure turn: the reference image, against the hypothesis image only.
- E6.2 ``output_variables``: those reference values, each against any candidate.
- E6.3 a non-None reference output slot: that value alone, against the hypothesis output slot
  only (``a = 1; b = 2`` checks ``b``; ``df['c'] = s`` checks ``s``).
- E6.4 else every CHANGED reference variable, each against any candidate; none -> all wrong.
- E7 candidates: delta values of the answer types, plus the output slot with any non-None
  value, in order of first assignment. A comparison error rejects the hypothesis at once.

``strict`` (ours; ``outputs_match``, which never raises):

- a figure turn needs a drawing call in the reference *and* a figure with axes afterwards;
- every value the reference displays is checked: the output slot against the hypothesis's
  output slot, its earlier top-level expression values against any candidate;
- a reference ending in an assignment to a column or attribute (``df['c'] = s``) has no
  output: the variables it changed are checked instead;
- a changed variable must be changed *in that variable*: ``df`` against the hypothesis's ``df``
  (matching both ways, so no extra columns), not against any value that happens to equal it;
- with no changed variable, the new variables the reference made are checked (any candidate);
- a comparison that fails to run is just "no match" for that pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..execution.figures import FigureImage
from ..execution.matching import outputs_match
from ..execution.official_matching import ComparisonError, fuzzy_match

FIGURE = "figure"
OUTPUT_VARIABLES = "output_variables"
OUTPUT = "output"
CHANGED_VARIABLES = "changed_variables"
NEW_VARIABLES = "new_variables"

# E7: the value types a hypothesis variable must have to be compared.
CANDIDATE_TYPES: tuple[type, ...] = (
    pd.DataFrame,
    pd.Series,
    pd.Index,
    np.ndarray,
    np.generic,
    list,
    set,
    tuple,
    str,
    int,
    float,
    FigureImage,
)


class ReferenceFailure(Exception):
    """The reference gives nothing to compare against; the problem is excluded (invalid)."""


@dataclass(frozen=True)
class Targets:
    """What a correct hypothesis reproduces under one rule set.

    ``by_output`` is compared with the hypothesis output slot only, ``by_name`` with the
    hypothesis variable of the same name, ``by_any`` with any candidate.
    """

    rule: str
    by_output: tuple[Any, ...] = ()
    by_name: tuple[tuple[str, Any], ...] = ()
    by_any: tuple[Any, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.by_output or self.by_name or self.by_any)


@dataclass(frozen=True)
class Produced:
    """What a hypothesis run left to compare.

    ``candidates``: E7 candidate values in order of first assignment; ``output``: its output
    slot (None when absent); ``variables``: its namespace after the run (for by-name targets);
    ``image``: the rendered figure in a figure turn.
    """

    candidates: tuple[Any, ...] = ()
    output: Any = None
    has_output: bool = False
    variables: dict[str, Any] = field(default_factory=dict)
    image: FigureImage | None = None


def is_candidate(name: str, value: Any, output_slot: str) -> bool:
    """E7: answer types, or the output slot holding anything but None."""
    return isinstance(value, CANDIDATE_TYPES) or (name == output_slot and value is not None)


def official_verdict(targets: Targets, produced: Produced) -> tuple[bool, str | None]:
    """E7 under the official rules: (correct, comparison error that rejected it, if any)."""
    if targets.empty:
        return False, "no target result variables to evaluate against"
    try:
        for target in targets.by_output:
            if not (produced.has_output and _official_candidate_match(produced.output, target)):
                return False, None
        for target in targets.by_any:
            if not any(fuzzy_match(c, target) for c in produced.candidates):
                return False, None
    except ComparisonError as exc:
        return False, str(exc)
    return True, None


def _official_candidate_match(output: Any, target: Any) -> bool:
    # E6.3: the output slot must itself be a candidate (E7), then fuzzy-match.
    return output is not None and fuzzy_match(output, target)


def strict_verdict(targets: Targets, produced: Produced) -> bool:
    """Our rules (module docstring); never raises."""
    if targets.empty:
        return False
    for target in targets.by_output:
        if not (produced.has_output and outputs_match(produced.output, target)):
            return False
    for name, target in targets.by_name:
        # An edited variable must hold the same value, both ways: no extra columns either.
        if name not in produced.variables or not strict_cluster_match(
            produced.variables[name], target
        ):
            return False
    return all(any(outputs_match(c, t) for c in produced.candidates) for t in targets.by_any)


def official_cluster_match(a: Any, b: Any) -> bool:
    """maj@1 (official): E8 in either direction with E8.4e off; an error is no match."""
    try:
        return fuzzy_match(a, b, permute_invariant=False) or fuzzy_match(
            b, a, permute_invariant=False
        )
    except ComparisonError:
        return False


def strict_cluster_match(a: Any, b: Any) -> bool:
    """maj@1 (strict): the two outputs match each other both ways."""
    return outputs_match(a, b) and outputs_match(b, a)


def cluster_sizes(
    outputs: Sequence[Any], weights: Sequence[int], official: bool
) -> list[list[int]]:
    """Clusters of positions (transitively merged), largest total weight first, then earliest.

    ``outputs[i]`` is None when hypothesis ``i`` gave no output (it is left out).
    """
    same = official_cluster_match if official else strict_cluster_match
    clusters: list[list[int]] = []
    for position, value in enumerate(outputs):
        if value is None:
            continue
        joined = [c for c in clusters if any(same(value, outputs[m]) for m in c)]
        merged = [m for c in joined for m in c] + [position]
        clusters = [c for c in clusters if c not in joined] + [sorted(merged)]
    return sorted(clusters, key=lambda c: (-sum(weights[m] for m in c), c[0]))


def converted(targets: Targets, convert: Callable[[Any], Any]) -> Targets:
    """The targets with each value passed through ``convert`` (done once per turn, so that
    every hypothesis run compares against already-normalized reference values)."""
    return Targets(
        targets.rule,
        by_output=tuple(convert(v) for v in targets.by_output),
        by_name=tuple((n, convert(v)) for n, v in targets.by_name),
        by_any=tuple(convert(v) for v in targets.by_any),
    )
