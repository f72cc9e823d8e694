"""The completion form of a prompt, ARCADE-compatible, for base models and the evaluation.

Layout (every cell in ARCADE's text form, see ``jupyter_pachinco.context.cells``)::

    preface cell, ``import pandas as pd``
    per exemplar: "Exercise k: title", data cell, schema cell, "Problem: ...", solution cell
    "Exercise n" (when there are exemplars), the user's cells with schema cells in place,
    other variables, "Problem: <intent>", and a fresh ``# In[ ]:`` cell that holds the style's
    solution header, for the model to continue.

The solution header opens the answer cell (as in the exemplars), so the model's continuation is
the rest of that cell; ``parse_answer`` stops at the next ``# In[ ]:`` header.
"""

from __future__ import annotations

from collections.abc import Sequence

from jupyter_pachinco.context import (
    ContextCell,
    PackedContext,
    format_cell,
    place_schema_cells,
    render_variables_text,
)
from jupyter_pachinco.context.cells import CELL_HEADER

from .exemplars import EXEMPLARS, SETUP_IMPORTS, Exemplar
from .styles import PromptStyle, get_style

PREFACE = (
    "Worked pandas exercises. Each problem is solved in the cell right after it, and the "
    "value of the solution's last line is the answer."
)


def build_completion_prompt(
    packed: PackedContext,
    style: str | PromptStyle | None = None,
    *,
    exemplars: Sequence[Exemplar] = EXEMPLARS,
) -> str:
    """The whole completion prompt: exemplars, then the packed notebook and the problem."""
    chosen = get_style(style)
    prefix = exemplar_prefix(chosen, exemplars)
    heading = [_markdown(f"Exercise {len(exemplars) + 1}")] if exemplars else []
    return prefix + _cells_text(heading) + notebook_text(packed, chosen)


def exemplar_prefix(
    style: str | PromptStyle | None = None, exemplars: Sequence[Exemplar] = EXEMPLARS
) -> str:
    """The exemplar part alone ("" without exemplars), e.g. to count its tokens before packing
    the notebook into what is left of the budget."""
    if not exemplars:
        return ""
    chosen = get_style(style)
    cells = [_markdown(PREFACE), _code(SETUP_IMPORTS)]
    for number, exemplar in enumerate(exemplars, start=1):
        cells.extend(exemplar_cells(exemplar, chosen, number))
    return _cells_text(cells)


def exemplar_cells(exemplar: Exemplar, style: PromptStyle, number: int) -> list[ContextCell]:
    """One worked exercise as notebook cells, solution included."""
    return [
        _markdown(f"Exercise {number}: {exemplar.title}"),
        _code(exemplar.setup),
        _code(exemplar.schema),
        _markdown(f"Problem: {exemplar.problem}"),
        _code(style.solution_cell(exemplar)),
    ]


def notebook_text(packed: PackedContext, style: str | PromptStyle | None = None) -> str:
    """The packed notebook with schema cells in place, other variables, the problem, and the
    open answer cell with the style's solution header."""
    cells = place_schema_cells(packed.cells, packed.schemas)
    others = render_variables_text(packed.variables)
    if others:
        cells.append(_code(others))
    cells.append(_markdown(f"Problem: {packed.intent.strip()}"))
    return _cells_text(cells) + f"{CELL_HEADER}\n\n{get_style(style).solution_header}\n"


def _cells_text(cells: Sequence[ContextCell]) -> str:
    return "".join(format_cell(cell) for cell in cells)


def _markdown(text: str) -> ContextCell:
    return {"cell_type": "markdown", "source": text, "outputs": [], "cell_magic": None}


def _code(text: str) -> ContextCell:
    return {"cell_type": "code", "source": text, "outputs": [], "cell_magic": None}
