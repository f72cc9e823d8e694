"""Which reference values a hypothesis must reproduce, and whether it does (ARCADE's rules).

- If the turn names ``output_variables``, each of those reference variables must match some
  value the hypothesis produced.
- Else, if the reference has an output (its last expression, or what its final ``print``
  printed), the hypothesis' output must match it.
- Else (in-place edits and the like), every variable the reference created or changed must
  match some value the hypothesis produced.

"Values the hypothesis produced" are its top-level expression values (output included) and
the variables it created or changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..execution import TrialResult, outputs_match

OUTPUT_VARIABLES = "output_variables"
OUTPUT = "output"
CHANGED_VARIABLES = "changed_variables"


class ReferenceFailure(Exception):
    """The reference solution gives nothing to compare against; the problem is excluded."""


@dataclass(frozen=True)
class Targets:
    """The named reference values a correct hypothesis reproduces, and the rule that chose them."""

    rule: str
    values: tuple[tuple[str, Any], ...]


def reference_targets(output_variables: Sequence[str], reference: TrialResult) -> Targets:
    if reference.error is not None:
        raise ReferenceFailure(f"the reference solution failed: {reference.error}")
    if output_variables:
        missing = [name for name in output_variables if name not in reference.kept]
        if missing:
            raise ReferenceFailure(
                f"the reference solution did not define {', '.join(map(repr, missing))}"
            )
        named = tuple((name, reference.kept[name]) for name in output_variables)
        return Targets(OUTPUT_VARIABLES, named)
    if reference.output is not None:
        return Targets(OUTPUT, (("output", reference.output),))
    if reference.changed:
        return Targets(CHANGED_VARIABLES, tuple(reference.changed.items()))
    raise ReferenceFailure("the reference solution has no output and changes no variable")


def hypothesis_is_correct(targets: Targets, hypothesis: TrialResult) -> bool:
    """Correct only if it ran and every target matches."""
    if hypothesis.error is not None:
        return False
    if targets.rule == OUTPUT:
        return all(outputs_match(hypothesis.output, value) for _, value in targets.values)
    produced = hypothesis.produced_values()
    return all(
        any(outputs_match(candidate, value) for candidate in produced)
        for _, value in targets.values
    )
