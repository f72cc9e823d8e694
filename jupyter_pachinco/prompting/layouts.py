"""How a candidate goes into the notebook: the cells that the UI and the magic insert.

- ``markdown+code`` (default): one markdown cell with the numbered explanation, then one code
  cell with a ``# Step k: <explanation>`` comment before each step's code;
- ``comments``: that code cell alone;
- ``cell-per-step``: for each step, a markdown cell with its explanation and a code cell.

A step without explanation joins the step before it (or, at the start, the one after it), so
that numbers in the markdown and in the code agree. Without any explanation, every layout is
one code cell with the candidate's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict

from .parsing import Candidate
from .steps import Step

LAYOUTS = ("markdown+code", "comments", "cell-per-step")
DEFAULT_LAYOUT = "markdown+code"


class UnknownLayoutError(ValueError):
    """A layout name that is not one of ``LAYOUTS``."""


class InsertionCell(TypedDict):
    """A cell to insert into the notebook."""

    cell_type: Literal["markdown", "code"]
    source: str


def insertion_cells(candidate: Candidate, layout: str = DEFAULT_LAYOUT) -> list[InsertionCell]:
    """The cells to insert for ``candidate`` in ``layout`` (none when it has no code)."""
    if layout not in LAYOUTS:
        known = ", ".join(LAYOUTS)
        raise UnknownLayoutError(f"Unknown insertion layout {layout!r}; choose one of: {known}.")
    steps = explained_steps(candidate.steps)
    if not candidate.code.strip():
        return []
    if not steps:
        return [_code(candidate.code)]
    if layout == "comments":
        return [_code(commented_code(steps))]
    if layout == "cell-per-step":
        cells: list[InsertionCell] = []
        for number, step in enumerate(steps, start=1):
            cells.append(_markdown(f"**Step {number}:** {step.explanation}"))
            cells.append(_code(step.code))
        return cells
    return [_markdown(numbered_explanation(steps)), _code(commented_code(steps))]


def explained_steps(steps: Sequence[Step]) -> list[Step]:
    """The steps with unexplained ones merged into a neighbour; [] when none is explained."""
    merged: list[Step] = []
    waiting = ""
    for step in steps:
        if step.explanation:
            code = f"{waiting}\n{step.code}" if waiting else step.code
            merged.append(Step(step.explanation, code))
            waiting = ""
        elif merged:
            last = merged[-1]
            merged[-1] = Step(last.explanation, f"{last.code}\n{step.code}")
        else:
            waiting = f"{waiting}\n{step.code}" if waiting else step.code
    return merged


def numbered_explanation(steps: Sequence[Step]) -> str:
    """The explanations as a Markdown numbered list."""
    return "\n".join(f"{number}. {step.explanation}" for number, step in enumerate(steps, 1))


def commented_code(steps: Sequence[Step]) -> str:
    """The steps' code, each after its ``# Step k:`` comment."""
    return "\n".join(
        f"# Step {number}: {step.explanation}\n{step.code}"
        for number, step in enumerate(steps, start=1)
    )


def _markdown(source: str) -> InsertionCell:
    return {"cell_type": "markdown", "source": source}


def _code(source: str) -> InsertionCell:
    return {"cell_type": "code", "source": source}
